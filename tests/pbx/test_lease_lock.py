"""The lock row that serializes route changes where PostgreSQL's advisory locks are not available."""

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from hotelpbx.pbx.models import LinkLock
from hotelpbx.pbx.session import lease

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_holder_at_a_time_and_the_next_waits_for_the_release():
    inside, overlaps = [], []

    def work(n):
        try:
            with lease("test"):
                if inside:
                    overlaps.append(n)
                inside.append(n)
                time.sleep(0.05)
                inside.remove(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert overlaps == []
    assert LinkLock.objects.get(name="test").holder == ""


def test_a_lock_left_by_a_killed_process_is_taken_at_once_not_after_its_lease():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    LinkLock.objects.create(
        name="test", holder=f"{gone.pid}-1-deadbeef", expires_at=timezone.now() + timedelta(hours=1)
    )
    started = time.monotonic()
    with lease("test"):
        waited = time.monotonic() - started
    assert waited < 2


def test_a_live_holder_is_waited_for_until_its_lease_expires():
    LinkLock.objects.create(
        name="test", holder="1-1-alive", expires_at=timezone.now() + timedelta(seconds=0.5)
    )  # pid 1 is alive
    started = time.monotonic()
    with lease("test"):
        waited = time.monotonic() - started
    assert 0.3 < waited < 5

"""A real Celery worker reports in while it consumes; once it is killed, commands that wait turn the
desk's PBX badge red after a minute."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from hotelpbx.core.heartbeats import last_worker_seen
from hotelpbx.pbx.models import PbxCommand
from tests.factories import UserFactory

from .worker import WorkerProcess, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def badge_level(client) -> str:
    return re.search(r'data-pbx-level="(\w+)"', client.get("/pbx/badge/").content.decode()).group(1)


@pytest.fixture
def desk_client(client):
    """A desk user (the groups the migrations made are gone after an earlier test's flush)."""
    Group.objects.get_or_create(name="Front desk")
    client.force_login(UserFactory(username="desk-heartbeat", role="Front desk"))
    return client


def test_a_killed_worker_turns_the_badge_red_while_commands_wait(settings, tmp_path, desk_client):
    settings.PBX_URL = "http://127.0.0.1:9"  # the desk's side; the worker runs without a PBX link
    worker = WorkerProcess(tmp_path, {"PBX_URL": "", "WORKER_HEARTBEAT_SECONDS": "1"})
    worker.start()
    try:
        wait_until(lambda: last_worker_seen() is not None, timeout=30)
        first = last_worker_seen()
        wait_until(lambda: last_worker_seen() > first, timeout=30)  # it keeps reporting in
        # a command that waits (the worker has no PBX link, so it stays pending)
        PbxCommand.objects.create(extension="2101", seq=1, op="extension.update", payload={"fields": {}})
        assert badge_level(desk_client) == "warning"
    finally:
        worker.kill()

    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        assert badge_level(desk_client) == "warning"
    with time_machine.travel(timezone.now() + timedelta(seconds=62)):
        assert badge_level(desk_client) == "danger"

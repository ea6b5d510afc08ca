"""A real Celery worker (with its beat) killed with SIGKILL in the middle of a confirmed-mode storm, while
its dispatcher is half-way through the due wake-ups and its other process is sending rings: when a
worker runs again, every wake-up is rung and confirmed and no room was rung twice, even one whose
playprompt the PBX had taken just before the worker died (its reports are adopted, not rung again). A
row the dead dispatcher had just claimed, if the kill came between its claim and its step, comes back
when its lease ends (60 s) and is rung then, within the lateness cap."""

from collections import Counter
from datetime import date, time, timedelta
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from hotelpbx.pbx.client import reset_clients
from hotelpbx.pbx.emulator import Emulator, EmulatorConfig
from hotelpbx.pbx.models import CommandStatus, PbxCommand
from rooms.models import HousekeepingStatus, Room, StayStatus
from tests.factories import GuestFactory, RoomTypeFactory, StayFactory
from tests.pbx.link.worker import WorkerProcess, wait_until
from wakeup import services
from wakeup.models import WakeupCall, WakeupStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOMS = [f"{300 + n}" for n in range(1, 61)]
TOKEN = "killed-worker-0123456789abcdef"
PLAYPROMPT = ("call/playprompt", "extension/playprompt")


@pytest.fixture
def storm(settings, live_server, tmp_path):
    """60 guests in house, an emulated PBX that answers slowly (0.1 s a request, so a storm lasts long
    enough to be killed in), and its reports going to the app's webhook."""
    from hotelpbx.celery import app

    emu = Emulator(
        EmulatorConfig(
            username="api",
            password="Secret123",
            sn="369364835218",
            extensions=[f"2{n}" for n in ROOMS],
            time_zone="UTC",
            extension_status_reports=False,
            config_change_reports=False,
        )
    ).start(host="127.0.0.1", port=0)
    for number in ROOMS:
        emu.calls.alarm_outcomes.plan_prompt(f"2{number}", ["key:1"])
    emu.faults.update({"slow_seconds": 0.1})
    address = urlparse(live_server.url)
    events_url = f"{address.hostname}:{address.port}{reverse('pbx:events', args=[TOKEN])}"
    pbx_env = {
        "PBX_URL": emu.url,
        "PBX_API_VERSION": "v2.0.0",
        "PBX_USERNAME": "api",
        "PBX_PASSWORD": "Secret123",
        "PBX_EVENTS_URL": events_url,
        "PBX_EVENTS_TOKEN": TOKEN,
        "PBX_SERIAL": "369364835218",
        "PBX_TIME_ZONE": "UTC",
        "HOTEL_TIME_ZONE": "UTC",
    }
    for key, value in pbx_env.items():
        setattr(settings, key, value)
    settings.PBX_ALLOWED_IPS = []
    reset_clients()
    room_type = RoomTypeFactory()
    for number in ROOMS:
        room = Room.objects.create(
            number=number,
            floor=3,
            extension=f"2{number}",
            room_type=room_type,
            housekeeping_status=HousekeepingStatus.INSPECTED,
        )
        StayFactory(
            room=room,
            arrival=date.today(),
            departure=date.today() + timedelta(days=2),
            status=StayStatus.IN_HOUSE,
            guest=GuestFactory(language="en"),
        )
    app.control.purge()
    worker_env = {**pbx_env, "WAKEUP_DISPATCH_SECONDS": "1", "PBX_STALE_CLAIM_SECONDS": "3"}
    yield emu, lambda: WorkerProcess(tmp_path, worker_env)
    emu.stop()
    reset_clients()


def rings(emu) -> Counter:
    with emu.lock:
        return Counter(r["body"]["number"] for r in emu.requests_log if r["path"] in PLAYPROMPT)


def test_a_worker_killed_mid_storm_loses_no_wake_up_and_rings_no_room_twice(storm):
    emu, new_worker = storm
    soon = timezone.now() + timedelta(minutes=3)
    for stay in StayFactory._meta.model.objects.select_related("room", "guest"):
        services.wakeup_set(stay=stay, day=soon.date(), clock=time(soon.hour, soon.minute), mode="confirmed")
    # as if set for a moment two seconds from now (the desk can only set whole minutes, 2 minutes ahead)
    due = timezone.now() + timedelta(seconds=2)
    WakeupCall.objects.update(due_at=due, next_action_at=due)

    first = new_worker()
    first.start()
    try:
        wait_until(lambda: WakeupCall.objects.filter(status=WakeupStatus.RINGING).count() > 0, 60, 0.01)
        first.kill()  # SIGKILL in the dispatcher's pass, while the other process sends rings
    finally:
        first.kill()
    not_stepped = WakeupCall.objects.filter(status=WakeupStatus.SCHEDULED).count()
    assert 0 < not_stepped < len(ROOMS), "the dispatcher's pass was not cut short"
    assert sum(rings(emu).values()) < len(ROOMS)

    second = new_worker()
    second.start()
    try:
        wait_until(
            lambda: WakeupCall.objects.filter(status=WakeupStatus.GUEST_CONFIRMED).count() == len(ROOMS),
            timeout=120,
        )
    finally:
        second.stop()

    assert set(rings(emu)) == {f"2{n}" for n in ROOMS}  # every room rung ...
    assert max(rings(emu).values()) == 1  # ... once
    assert not PbxCommand.objects.filter(op="prompt.ring").exclude(status=CommandStatus.DONE).exists()
    assert all(w.attempts.count() == 1 for w in WakeupCall.objects.all())

"""The link with a real Celery worker and beat, a real broker, the real database and the emulated PBX
over HTTP: outages, a killed worker, token expiry and reboots lose nothing."""

from urllib.parse import urlparse

import pytest

from billing.models import CallRecord
from hotelpbx.pbx.models import CommandStatus, PbxCommand, PbxEvent, PbxLink
from rooms import services
from tests.factories import GuestFactory, StayFactory

from .conftest import point_settings_at, start_emulator
from .worker import WorkerProcess, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(settings, live_server, tmp_path, hotel_rooms):
    """Emulated PBX + live web server (reports come back to it) + a worker with beat."""
    from hotelpbx.celery import app

    emu = start_emulator(config_rate_limit=40)
    point_settings_at(settings, emu, "v2.0.0")
    address = urlparse(live_server.url)
    events_url = f"{address.hostname}:{address.port}/pbx/events/test-token/"
    settings.PBX_EVENTS_URL = events_url
    settings.PBX_CONFIG_CALLS_PER_SECOND = 25.0
    app.control.purge()  # nothing left over from an earlier run
    worker = WorkerProcess(
        tmp_path,
        {
            "PBX_URL": emu.url,
            "PBX_API_VERSION": "v2.0.0",
            "PBX_USERNAME": "api",
            "PBX_PASSWORD": "Secret123",
            "PBX_EVENTS_URL": events_url,
            "PBX_EVENTS_TOKEN": "test-token",
            "PBX_TIME_ZONE": "UTC",
            "PBX_CONFIG_CALLS_PER_SECOND": "25",
            "PBX_STALE_CLAIM_SECONDS": "5",
        },
    )
    worker.start()
    yield emu, worker
    worker.stop()
    emu.stop()


def guest_in(room, last="Guest", phone_class="internal"):
    guest = GuestFactory(first_name="Ann", last_name=last)
    return services.stay_check_in(stay=StayFactory(room=room, guest=guest, phone_class=phone_class))


def all_applied() -> bool:
    return not PbxCommand.objects.exclude(status=CommandStatus.DONE).exists()


def dnd_history(emu, extension: str) -> list[str]:
    return [
        op["body"]["dnd"]
        for op in emu.applied
        if op["path"] == "extension/update" and op["body"].get("number") == extension and "dnd" in op["body"]
    ]


def test_pbx_down_ten_minutes_with_300_queued_commands_all_applied_in_order_after_recovery(link, hotel_rooms):
    emu, _worker = link
    emu.faults.update({"down": True})
    rooms = hotel_rooms[:60]
    for room in rooms:  # 5 commands each: clean slate, name and routes at check-in; DND on; DND off
        guest_in(room, last=f"Guest{room.number}")
        services.room_set_dnd(room=room, dnd=True)
        services.room_set_dnd(room=room, dnd=False)
    assert PbxCommand.objects.count() == 300
    emu.clock.advance(600)  # ten minutes of the PBX's time pass while it is down
    wait_until(lambda: PbxLink.get().down_since is not None, timeout=30)
    assert PbxCommand.objects.filter(status=CommandStatus.DONE).count() == 0
    assert PbxCommand.objects.filter(status=CommandStatus.FAILED).count() == 0  # an outage fails nothing

    emu.faults.update({"down": False})
    took = wait_until(all_applied, timeout=60)
    print(f"300 commands applied {took:.1f} s after the PBX came back")
    for room in rooms:
        assert emu.state.extensions[room.extension]["username"] == f"Guest{room.number} Ann"
        assert dnd_history(emu, room.extension) == ["off", "on", "off"]  # check-in, DND on, DND off
    assert not [r for r in emu.requests_log if r.get("errno") == "10025"]


def test_a_worker_killed_mid_drain_loses_nothing_and_applies_nothing_twice(link, hotel_rooms):
    emu, worker = link
    emu.faults.update({"slow_seconds": 0.05})
    rooms = hotel_rooms[:60]
    for room in rooms:
        guest_in(room, last=f"Kill{room.number}")
        services.room_set_dnd(room=room, dnd=True)
    wait_until(lambda: PbxCommand.objects.filter(status=CommandStatus.DONE).count() >= 20, timeout=60)
    worker.kill()
    in_flight = PbxCommand.objects.filter(status=CommandStatus.SENDING).count()
    worker.start()
    wait_until(all_applied, timeout=90)
    print(f"killed with {in_flight} commands in flight")
    for room in rooms:
        assert emu.state.extensions[room.extension]["username"] == f"Kill{room.number} Ann"
        assert emu.state.extensions[room.extension]["dnd"] == "on"
        sent = [
            op
            for op in emu.applied
            if op["path"] == "extension/update" and op["body"].get("number") == room.extension
        ]
        assert len(sent) == 2, f"room {room.number}: {len(sent)} updates applied"


def test_token_expiry_and_pbx_reboot_lead_to_a_new_login_and_reports_resume(link, hotel_rooms):
    emu, _worker = link
    room = hotel_rooms[0]
    guest_in(room, phone_class="international")
    wait_until(all_applied, timeout=30)

    call1 = emu.place_call(kind="outbound", src=room.extension, dst="00442071234567")
    wait_until(lambda: CallRecord.objects.filter(callid=call1).exists(), timeout=30)

    emu.clock.advance(31 * 60)  # the token dies after 30 idle minutes
    services.room_set_dnd(room=room, dnd=True)
    wait_until(all_applied, timeout=30)
    assert emu.state.extensions[room.extension]["dnd"] == "on"
    logins = [r for r in emu.requests_log if r["path"] == "login"]
    assert len(logins) >= 2

    emu.reboot()  # BootUp goes to the app, which logs in again and reconciles
    wait_until(lambda: PbxEvent.objects.filter(name="BootUp").exists(), timeout=30)
    wait_until(lambda: len([r for r in emu.requests_log if r["path"] == "login"]) > len(logins), timeout=30)
    call2 = emu.place_call(kind="outbound", src=room.extension, dst="00331234567")
    wait_until(lambda: CallRecord.objects.filter(callid=call2).exists(), timeout=30)
    assert CallRecord.objects.get(callid=call2).stay.room == room

"""Call records (NewCdr) land once, on the stay that held the room when the call started."""

import json

import pytest
import time_machine
from django.utils import timezone

from billing.models import CallRecord
from billing.services import pbx_time_to_utc
from hotelpbx.pbx.ingest import store_report
from hotelpbx.pbx.processing import process_event
from rooms import services
from tests.factories import GuestFactory, RoomFactory, StayFactory

pytestmark = pytest.mark.django_db


def cdr(callid: str, *, at, src: str, dst: str = "00442071234567", talk: int = 61) -> CallRecord:
    local = timezone.localtime(at, timezone.get_fixed_timezone(0)).strftime("%Y-%m-%d %H:%M:%S")
    body = {
        "action": "NewCdr",
        "callid": callid,
        "timestart": local,
        "callfrom": src,
        "callto": dst,
        "callduraction": str(talk + 5),
        "talkduraction": str(talk),
        "status": "ANSWERED",
        "type": "Outbound",
        "desttrunkname": "SIP-Carrier",
        "sn": "369364835218",
    }
    event, _ = store_report(raw=json.dumps(body).encode(), source_ip="127.0.0.1")
    process_event(event.pk)
    return CallRecord.objects.filter(callid=callid, callee=dst).latest("id")


@pytest.fixture(autouse=True)
def _pbx_in_utc(settings):
    settings.PBX_TIME_ZONE = "UTC"


def test_a_call_is_kept_once_with_its_stay_even_when_the_pbx_sends_it_twice():
    stay = services.stay_check_in(stay=StayFactory(guest=GuestFactory(last_name="Curie")))
    later = timezone.now() + timezone.timedelta(minutes=5)
    record = cdr("1700000200.21", at=later, src=stay.room.extension)
    again = cdr("1700000200.21", at=later, src=stay.room.extension)
    assert record.pk == again.pk and CallRecord.objects.count() == 1
    assert record.stay == stay and record.talk_seconds == 61 and record.trunk == "SIP-Carrier"


def test_calls_follow_the_guest_through_a_room_move_and_not_the_room():
    start = timezone.now().replace(microsecond=0)
    old_room, new_room = RoomFactory(), RoomFactory()
    with time_machine.travel(start, tick=False) as clock:
        previous = services.stay_check_in(
            stay=StayFactory(room=new_room, guest=GuestFactory(last_name="Prev"))
        )
        clock.shift(60)
        mover = services.stay_check_in(stay=StayFactory(room=old_room, guest=GuestFactory(last_name="Mover")))
        clock.shift(60)
        services.stay_check_out(stay=previous)  # new_room is free ...
        services.room_set_status(room=new_room, status="clean")
        clock.shift(60)
        services.stay_move(stay=mover, to_room=new_room)  # ... and the mover moves in
    # a call from the old room before the move is the mover's; so is one from the new room after it
    assert cdr("1.1", at=start + timezone.timedelta(seconds=90), src=old_room.extension).stay == mover
    assert cdr("1.2", at=start + timezone.timedelta(seconds=200), src=new_room.extension).stay == mover
    # a call from the new room before the move belongs to whoever was there then, not to the mover
    assert cdr("1.3", at=start + timezone.timedelta(seconds=100), src=new_room.extension).stay == previous
    # after the move the old room is vacant
    assert cdr("1.4", at=start + timezone.timedelta(seconds=300), src=old_room.extension).stay is None


def test_pbx_local_times_are_read_in_the_pbx_zone(settings):
    settings.PBX_TIME_ZONE = "Europe/Berlin"
    assert pbx_time_to_utc("2026-03-02 09:30:00").isoformat() == "2026-03-02T08:30:00+00:00"
    assert pbx_time_to_utc("not a time") is None


def test_a_forwarded_leg_under_the_same_call_id_is_a_call_of_its_own_through_the_webhook():
    stay = services.stay_check_in(stay=StayFactory(guest=GuestFactory(last_name="Meitner")))
    later = timezone.now() + timezone.timedelta(minutes=5)
    cdr("1700000300.5", at=later, src=stay.room.extension, dst="00442071234567")
    cdr("1700000300.5", at=later + timezone.timedelta(seconds=70), src=stay.room.extension, dst="004930123")
    cdr("1700000300.5", at=later, src=stay.room.extension, dst="00442071234567")  # a retry of the first
    legs = CallRecord.objects.filter(callid="1700000300.5").order_by("started_at")
    assert [leg.callee for leg in legs] == ["00442071234567", "004930123"]

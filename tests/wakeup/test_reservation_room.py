"""A wake-up set on a reservation follows the reservation's room: a new room, a check-in to another room
than reserved, or no room at all. The old room's phone never keeps the alarm: what the emulated PBX (over
HTTP) holds per extension is read back from it."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rooms.models import StayStatus
from rooms.services import stay_check_in, stay_update_reservation
from tests.factories import GuestFactory, StayFactory
from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, selectors, services
from wakeup.models import Recurrence, RepeatedAlarm, WakeupCall, WakeupStatus

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)
S = WakeupStatus


def settle(emu):
    drain_all()
    assert emu.wait_idle(15)


def step(emu):
    """One dispatcher pass and the worker applying it; then, 6 s later, the read-back."""
    dispatch.dispatch_due()
    settle(emu)


def push_and_confirm(emu, traveller):
    step(emu)
    traveller.shift(6)
    step(emu)


def alarms_on(emu, extension):
    with emu.lock:
        return [
            (a["type"], a["time"], a["repeats"], a["repeatinterval"]) for a in emu.state.alarms_of(extension)
        ]


def reservation(room, arrival=date(2026, 6, 10)):
    return StayFactory(
        room=room,
        arrival=arrival,
        departure=date(2026, 6, 13),
        status=StayStatus.RESERVED,
        guest=GuestFactory(language="en", last_name="Okafor"),
    )


def test_a_one_time_wake_up_already_on_the_old_rooms_phone_moves_with_the_reservations_new_room(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"], arrival=date(2026, 6, 11))
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))
        traveller.move_to(wakeup.due_at - timedelta(hours=23))  # inside its 24 h: pushed before check-in
        push_and_confirm(pbx, traveller)
        assert alarms_on(pbx, "2101") == [("onetime", "06:30", "3", "5")]

        stay_update_reservation(stay=stay, room=rooms["103"])
        settle(pbx)
        traveller.shift(1)
        push_and_confirm(pbx, traveller)

        assert alarms_on(pbx, "2101") == []
        assert alarms_on(pbx, "2103") == [("onetime", "06:30", "3", "5")]
        wakeup.refresh_from_db()
        assert (wakeup.room.number, wakeup.status, wakeup.pbx_extension) == ("103", S.CONFIRMED, "2103")


def test_a_wake_up_not_yet_pushed_follows_the_new_room_and_is_pushed_there_inside_its_24_hours(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"], arrival=date(2026, 6, 11))
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))
        step(pbx)  # 34 h ahead: waits

        stay_update_reservation(stay=stay, room=rooms["102"])
        step(pbx)
        assert alarms_on(pbx, "2101") == alarms_on(pbx, "2102") == []  # still not inside its 24 h

        traveller.move_to(wakeup.due_at - timedelta(hours=23))
        push_and_confirm(pbx, traveller)
    assert alarms_on(pbx, "2101") == []
    assert alarms_on(pbx, "2102") == [("onetime", "06:30", "3", "5")]
    wakeup.refresh_from_db()
    assert (wakeup.room.number, wakeup.status) == ("102", S.CONFIRMED)


def test_a_repeated_wake_up_follows_a_check_in_to_another_room_than_reserved(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"])
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        push_and_confirm(pbx, traveller)
        assert alarms_on(pbx, "2101") == [("everyday", "06:30", "3", "5")]

        stay_check_in(stay=stay, room=rooms["103"])
        settle(pbx)
        traveller.shift(1)
        push_and_confirm(pbx, traveller)

    assert alarms_on(pbx, "2101") == []
    assert alarms_on(pbx, "2103") == [("everyday", "06:30", "3", "5")]
    days = list(WakeupCall.objects.filter(stay=stay).order_by("due_at"))
    assert {d.room.number for d in days} == {"103"} and days[0].status == S.CONFIRMED
    assert RepeatedAlarm.objects.get().room.number == "103"


def test_a_reservation_that_loses_its_room_takes_its_wake_ups_off_the_phone_and_tells_the_desk(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"])
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        [once] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(5, 45))
        push_and_confirm(pbx, traveller)
        assert sorted(alarms_on(pbx, "2101")) == [
            ("everyday", "06:30", "3", "5"),
            ("onetime", "05:45", "3", "5"),
        ]

        stay_update_reservation(stay=stay, room=None)
        settle(pbx)
        step(pbx)

    assert alarms_on(pbx, "2101") == []
    assert {d.status for d in WakeupCall.objects.filter(stay=stay)} == {S.CANCELLED}
    once.refresh_from_db()
    assert "no room any more" in once.note
    [alert] = selectors.open_alerts()
    assert "Okafor" in alert.reason and "set the wake-up again" in alert.reason


def test_changing_the_attempts_of_a_repeated_wake_up_replaces_its_alarm_on_the_pbx(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"])
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        push_and_confirm(pbx, traveller)

        services.wakeup_change(wakeup=rows[0], attempts=2, interval_minutes=10)
        settle(pbx)
        push_and_confirm(pbx, traveller)

    assert alarms_on(pbx, "2101") == [("everyday", "06:30", "2", "10")]
    days = list(WakeupCall.objects.filter(stay=stay).order_by("due_at"))
    assert {(d.attempts_allowed, d.interval_minutes) for d in days} == {(2, 10)}
    assert days[0].status == S.CONFIRMED


def test_changing_the_interval_of_a_one_time_wake_up_pushes_it_again_with_the_new_interval(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"])
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
        push_and_confirm(pbx, traveller)

        services.wakeup_change(wakeup=wakeup, interval_minutes=15)
        settle(pbx)
        push_and_confirm(pbx, traveller)

    assert alarms_on(pbx, "2101") == [("onetime", "06:30", "3", "15")]
    wakeup.refresh_from_db()
    assert (wakeup.status, wakeup.interval_minutes, wakeup.attempts_allowed) == (S.CONFIRMED, 15, 3)


def test_a_new_time_that_clashes_with_another_wake_up_of_the_room_is_refused_and_nothing_changes(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = reservation(rooms["101"])
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        [once] = services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(5, 45))
        push_and_confirm(pbx, traveller)

        with pytest.raises(services.WakeupRuleError, match="already has a wake-up at 06:30"):
            services.wakeup_change(wakeup=once, day=date(2026, 6, 12), clock=time(6, 30))
        step(pbx)

    assert alarms_on(pbx, "2101") == [("everyday", "06:30", "3", "5")]  # 05:45 is pushed tomorrow morning
    once.refresh_from_db()
    assert once.due_at == datetime(2026, 6, 12, 5, 45, tzinfo=BERLIN)


def test_a_new_room_whose_phone_has_a_wake_up_at_that_time_on_those_days_is_refused_and_nothing_moves(
    pbx, rooms
):
    from .conftest import in_house

    with time_machine.travel(START, tick=True) as traveller:
        leaving = in_house(rooms["103"], date(2026, 6, 10), nights=2)  # leaves on the 12th
        services.wakeup_set(
            stay=leaving, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        stay = reservation(rooms["101"], arrival=date(2026, 6, 12))
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 13), clock=time(6, 30))
        later = StayFactory(
            room=rooms["102"],
            arrival=date(2026, 6, 15),
            departure=date(2026, 6, 17),
            status=StayStatus.RESERVED,
        )
        services.wakeup_set(stay=later, day=date(2026, 6, 16), clock=time(6, 30))
        push_and_confirm(pbx, traveller)

        with pytest.raises(services.WakeupRuleError) as refused:
            stay_update_reservation(stay=stay, room=rooms["103"])
        assert refused.value.message == (
            "The wake-up of Okafor at 06:30 cannot follow to room 103: that room already has a wake-up "
            "at 06:30 on 11 Jun. Change or cancel one of them first."
        ).replace("Okafor", stay.guest.full_name)
        stay.refresh_from_db()
        wakeup.refresh_from_db()
        assert stay.room.number == wakeup.room.number == "101"

        stay_update_reservation(stay=stay, room=rooms["102"])  # that guest's 06:30 is days later
        wakeup.refresh_from_db()
    assert wakeup.room.number == "102"

"""Repeated wake-ups in alarm mode: ONE everyday/custom alarm on the emulated PBX (over HTTP) rings every
chosen morning of the stay; the hotel records each morning's outcome on its own day, and the alarm is
deleted when no day is left. What the PBX receives is read from the emulator's log of applied calls."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rooms.services import stay_change_departure, stay_check_out, stay_move
from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, services
from wakeup.models import Recurrence, RepeatedAlarm, WakeupCall, WakeupStatus

from .conftest import in_house

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)  # a Wednesday evening
S = WakeupStatus


def settle(emu):
    drain_all()
    assert emu.wait_idle(15)


def step(emu):
    """One dispatcher pass and the worker applying what it queued, then the read-back 6 s later."""
    counts = dispatch.dispatch_due()
    settle(emu)
    return counts


def alarms_on(emu, extension):
    with emu.lock:
        return [dict(a) for a in emu.state.alarms_of(extension)]


def sent(emu, path, extension):
    """The bodies of `path` calls the PBX applied for the extension, as the app sent them."""
    key_bodies = []
    for op in emu.applied:
        body = op.get("body") or {}
        if op["path"] == path and str(body.get("number") or body.get("extid")) == extension:
            key_bodies.append(body)
    return key_bodies


def alarm_of(body):
    """The alarm object of a create body: an array on v1, an object on v2."""
    wakeup = body["wakeup"]
    return wakeup[0] if isinstance(wakeup, list) else wakeup


def days(stay):
    return list(WakeupCall.objects.filter(stay=stay).order_by("due_at"))


def ring_morning(emu, traveller, row):
    """The morning of one day: the PBX's clock passes the alarm's time and it rings (and repeats)."""
    from hotelpbx.pbx.client import get_client

    traveller.move_to(row.due_at - timedelta(seconds=30))
    get_client().heartbeat()  # what beat does every minute: the session lives, reports keep coming
    traveller.move_to(row.due_at + timedelta(seconds=5))
    callids = emu.tick()
    assert emu.wait_idle(15)
    row.refresh_from_db()
    return callids


def confirm_next_day(emu, traveller, row):
    """After a morning's calls: the alarm is read back for the next day, which is then confirmed."""
    traveller.move_to(row.due_at + timedelta(minutes=16))  # ring window over, the next day's 24 h open
    step(emu)
    traveller.shift(6)
    step(emu)


def test_every_day_of_a_three_night_stay_is_one_everyday_alarm_with_each_mornings_outcome(pbx, rooms):
    pbx.calls.alarm_outcomes.plan(
        "2101", ["answered", "no answer", "no answer", "no answer", "no answer", "answered"]
    )
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        assert [r.due_at.astimezone(BERLIN).date().day for r in rows] == [11, 12, 13]

        assert step(pbx)["alarm pushed"] == 1
        traveller.shift(6)
        step(pbx)
        [create] = sent(pbx, "wakeupcall/create", "2101")
        assert alarm_of(create) == {
            "time": "06:30",
            "type": "everyday",
            "repeats": "3",
            "repeatinterval": "5",
            "prompt": "wakeup_de",
        }
        [alarm] = alarms_on(pbx, "2101")
        first = WakeupCall.objects.get(pk=rows[0].pk)
        assert first.status == S.CONFIRMED and first.pbx_alarm_id == alarm["wakeupid"]
        assert [r.status for r in days(stay)[1:]] == [S.SCHEDULED, S.SCHEDULED]

        outcomes = []
        for row in days(stay):
            row.refresh_from_db()
            assert row.status == S.CONFIRMED, f"{row.due_at} not confirmed on the PBX before it is due"
            ring_morning(pbx, traveller, row)
            outcomes.append((row.status, [a.result for a in row.attempts.all()]))
            confirm_next_day(pbx, traveller, row)

        assert outcomes == [
            (S.ANSWERED, ["answered"]),
            (S.ESCALATED, ["no_answer", "no_answer", "no_answer"]),
            (S.ANSWERED, ["no_answer", "answered"]),
        ]
        # one alarm served the three mornings; after the last one it was deleted
        assert len(sent(pbx, "wakeupcall/create", "2101")) == 1
        assert sent(pbx, "wakeupcall/delete", "2101") != []
        assert alarms_on(pbx, "2101") == []
        assert RepeatedAlarm.objects.get().state == "ended"
        assert "Not answered after 3 call(s)" in days(stay)[1].alert.reason

        stay_check_out(stay=stay)
        settle(pbx)
    assert alarms_on(pbx, "2101") == []


def test_check_out_in_the_middle_deletes_the_alarm_and_ends_the_other_days(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        step(pbx)
        traveller.shift(6)
        step(pbx)
        assert [a["type"] for a in alarms_on(pbx, "2101")] == ["everyday"]

        stay_check_out(stay=stay)
        settle(pbx)

    assert alarms_on(pbx, "2101") == []
    assert {r.status for r in days(stay)} == {S.CANCELLED}
    assert RepeatedAlarm.objects.get().state == "ended"


def test_chosen_weekdays_are_one_custom_alarm_with_those_days(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["102"], date(2026, 6, 10), nights=7)
        settle(pbx)
        # Thursday and Saturday (0 = Monday)
        rows = services.wakeup_set(
            stay=stay,
            day=date(2026, 6, 10),
            clock=time(7, 15),
            recurrence=Recurrence.WEEKDAYS,
            weekdays=(3, 5),
        )
        assert [r.due_at.astimezone(BERLIN).strftime("%a %d") for r in rows] == ["Thu 11", "Sat 13"]
        step(pbx)
        traveller.shift(6)
        step(pbx)

        [create] = sent(pbx, "wakeupcall/create", "2102")
        # Yeastar numbers the days 0 = Sunday: Thursday 4, Saturday 6
        assert alarm_of(create)["type"] == "custom" and alarm_of(create)["weekdays"] == "4,6"
        assert alarm_of(create)["time"] == "07:15"
        [alarm] = alarms_on(pbx, "2102")
        assert pbx.alarm_next[alarm["wakeupid"]] == datetime(2026, 6, 11, 7, 15, tzinfo=BERLIN)

        thursday, saturday = days(stay)
        thursday.refresh_from_db()
        ring_morning(pbx, traveller, thursday)
        assert thursday.status == S.ANSWERED
        # the custom alarm stays on the PBX for Saturday (its next ring there is Saturday's)
        traveller.move_to(thursday.due_at + timedelta(minutes=16))
        step(pbx)
        assert pbx.alarm_next[alarm["wakeupid"]] == datetime(2026, 6, 13, 7, 15, tzinfo=BERLIN)
        # read back inside the 24 h before Saturday, then it rings on Saturday
        traveller.move_to(saturday.due_at - timedelta(hours=23))
        step(pbx)
        traveller.shift(6)
        step(pbx)
        saturday.refresh_from_db()
        assert saturday.status == S.CONFIRMED
        ring_morning(pbx, traveller, saturday)
        assert saturday.status == S.ANSWERED
        assert len(sent(pbx, "wakeupcall/create", "2102")) == 1


def test_a_repeated_wake_up_set_after_todays_time_starts_tomorrow(pbx, rooms):
    late = datetime(2026, 6, 11, 9, 0, tzinfo=BERLIN)
    with time_machine.travel(late, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        assert rows[0].due_at == datetime(2026, 6, 12, 6, 30, tzinfo=BERLIN)
        step(pbx)
        traveller.shift(6)
        step(pbx)
        [alarm] = alarms_on(pbx, "2101")
        assert (alarm["type"], alarm["time"]) == ("everyday", "06:30")
        assert pbx.alarm_next[alarm["wakeupid"]] == datetime(2026, 6, 12, 6, 30, tzinfo=BERLIN)


def test_an_everyday_alarm_is_pushed_only_inside_the_24_hours_before_the_first_day(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=4)
        settle(pbx)
        [first, *_] = services.wakeup_set(
            stay=stay, day=date(2026, 6, 12), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        step(pbx)  # 34 h ahead: pushed now, it would ring tomorrow at 06:30
        assert alarms_on(pbx, "2101") == []
        traveller.move_to(first.due_at - timedelta(hours=23, minutes=54))
        assert step(pbx)["alarm pushed"] == 1
        [alarm] = alarms_on(pbx, "2101")
        assert pbx.alarm_next[alarm["wakeupid"]] == first.due_at


def test_cancelling_a_repeated_wake_up_deletes_its_alarm_on_the_pbx(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        step(pbx)
        traveller.shift(6)
        step(pbx)
        assert len(alarms_on(pbx, "2101")) == 1

        from wakeup import repeats

        assert repeats.cancel_all(wakeup=rows[1]) == 3
        settle(pbx)
    assert alarms_on(pbx, "2101") == []
    assert [b.get("wakeupid") for b in sent(pbx, "wakeupcall/delete", "2101")] != []
    assert {r.status for r in days(stay)} == {S.CANCELLED}


def test_cancelling_one_day_takes_the_alarm_off_until_that_day_has_passed(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        step(pbx)
        traveller.shift(6)
        step(pbx)
        thursday, friday, _saturday = days(stay)

        services.wakeup_cancel(wakeup=thursday, reason="guest sleeps in")
        step(pbx)
        assert alarms_on(pbx, "2101") == []  # else it would ring on Thursday
        ring_morning(pbx, traveller, thursday)
        assert not thursday.attempts.exists()

        traveller.move_to(thursday.due_at + timedelta(minutes=6))
        step(pbx)  # Thursday's 06:30 has passed: the everyday alarm now rings Friday first
        traveller.shift(6)
        step(pbx)
        [alarm] = alarms_on(pbx, "2101")
        assert pbx.alarm_next[alarm["wakeupid"]] == friday.due_at
        friday.refresh_from_db()
        assert friday.status == S.CONFIRMED


def test_changing_the_time_replaces_the_alarm_for_every_day_left(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        step(pbx)
        traveller.shift(6)
        step(pbx)

        services.wakeup_change(wakeup=rows[0], day=date(2026, 6, 11), clock=time(7, 0))
        step(pbx)
        traveller.shift(6)
        step(pbx)
        with pytest.raises(services.WakeupRuleError, match="all its days"):
            services.wakeup_change(wakeup=rows[1], day=date(2026, 6, 14), clock=time(7, 0))

    assert [(a["type"], a["time"]) for a in alarms_on(pbx, "2101")] == [("everyday", "07:00")]
    assert [r.due_at.astimezone(BERLIN).strftime("%d %H:%M") for r in days(stay)] == [
        "11 07:00",
        "12 07:00",
        "13 07:00",
    ]
    assert days(stay)[0].status == S.CONFIRMED


def test_a_room_move_moves_the_everyday_alarm_to_the_new_phone(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        step(pbx)
        traveller.shift(6)
        step(pbx)

        stay_move(stay=stay, to_room=rooms["103"], reason="noisy")
        settle(pbx)
        traveller.shift(1)
        step(pbx)
        traveller.shift(6)
        step(pbx)

        assert alarms_on(pbx, "2101") == []
        assert [(a["type"], a["time"]) for a in alarms_on(pbx, "2103")] == [("everyday", "06:30")]
        first = days(stay)[0]
        assert (first.room.number, first.status, first.pbx_extension) == ("103", S.CONFIRMED, "2103")
        ring_morning(pbx, traveller, first)
    assert first.status == S.ANSWERED


def test_the_alarm_ends_with_a_shortened_stay_and_goes_on_with_an_extended_one(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        step(pbx)
        traveller.shift(6)
        step(pbx)

        stay_change_departure(stay=stay, departure=date(2026, 6, 12))
        assert [r.status for r in days(stay)] == [S.CONFIRMED, S.SCHEDULED, S.CANCELLED]
        stay_change_departure(stay=stay, departure=date(2026, 6, 15))
        active = [r for r in days(stay) if r.status != S.CANCELLED]
        assert [r.due_at.astimezone(BERLIN).day for r in active] == [11, 12, 13, 14, 15]

        stay_change_departure(stay=stay, departure=date(2026, 6, 11))
        active = [r for r in days(stay) if r.status != S.CANCELLED]
        assert [r.due_at.astimezone(BERLIN).day for r in active] == [11]
        thursday = active[0]
        ring_morning(pbx, traveller, thursday)
        traveller.move_to(thursday.due_at + timedelta(minutes=16))
        step(pbx)  # no day left: the alarm is deleted
    assert alarms_on(pbx, "2101") == []
    assert RepeatedAlarm.objects.get().state == "ended"


@pytest.fixture
def pbx_in_utc(pbx, hotel_settings):
    """The PBX keeps UTC while the hotel is in Berlin: the offset between them changes with DST."""
    hotel_settings.PBX_TIME_ZONE = "UTC"
    pbx.clock.tz = UTC
    return pbx


def test_when_the_offset_between_the_zones_changes_the_alarm_is_replaced_between_two_mornings(
    pbx_in_utc, rooms
):
    pbx = pbx_in_utc
    # Berlin goes to summer time in the night to Sunday 29 March 2026; the PBX's UTC clock does not
    with time_machine.travel(datetime(2026, 3, 27, 20, 0, tzinfo=BERLIN), tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 3, 27), nights=2)
        settle(pbx)
        saturday, sunday = services.wakeup_set(
            stay=stay, day=date(2026, 3, 28), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        step(pbx)
        traveller.shift(6)
        step(pbx)
        assert [(a["type"], a["time"]) for a in alarms_on(pbx, "2101")] == [("everyday", "05:30")]

        saturday.refresh_from_db()
        ring_morning(pbx, traveller, saturday)
        assert saturday.status == S.ANSWERED
        confirm_next_day(pbx, traveller, saturday)

        # 06:30 in Berlin on Sunday is 04:30 UTC: the everyday alarm was replaced after Saturday's call
        [alarm] = alarms_on(pbx, "2101")
        assert (alarm["type"], alarm["time"]) == ("everyday", "04:30")
        assert pbx.alarm_next[alarm["wakeupid"]] == datetime(2026, 3, 29, 4, 30, tzinfo=UTC)
        sunday.refresh_from_db()
        assert sunday.status == S.CONFIRMED
        ring_morning(pbx, traveller, sunday)
    assert sunday.status == S.ANSWERED
    assert sunday.due_at == datetime(2026, 3, 29, 6, 30, tzinfo=BERLIN)
    assert [alarm_of(b)["time"] for b in sent(pbx, "wakeupcall/create", "2101")] == ["05:30", "04:30"]


def test_an_everyday_alarm_the_guest_keyed_on_the_phone_is_adopted_for_the_rest_of_the_stay(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["102"], date(2026, 6, 10), nights=2)
        settle(pbx)
        with pbx.lock:
            pbx.add_alarm(
                "2102",
                {
                    "time": "07:15",
                    "type": "everyday",
                    "repeats": "2",
                    "repeatinterval": "5",
                    "prompt": "macroform-cold_day",
                },
            )
        assert dispatch.survey_alarms() == 1
        settle(pbx)
        step(pbx)
        adopted = days(stay)
        assert [(r.source, r.due_at.astimezone(BERLIN).strftime("%d %H:%M")) for r in adopted] == [
            ("phone", "11 07:15"),
            ("phone", "12 07:15"),
        ]
        assert adopted[0].status == S.CONFIRMED and adopted[0].attempts_allowed == 2
        repeated = RepeatedAlarm.objects.get()
        assert (repeated.state, repeated.pbx_kind, repeated.recurrence) == ("confirmed", "everyday", "daily")

        dispatch.survey_alarms()  # looking again adopts nothing twice
        settle(pbx)
        step(pbx)
        assert WakeupCall.objects.filter(stay=stay).count() == 2

        ring_morning(pbx, traveller, adopted[0])
        assert adopted[0].status == S.ANSWERED
        confirm_next_day(pbx, traveller, adopted[0])
        adopted[1].refresh_from_db()
        assert adopted[1].status == S.CONFIRMED
        assert sent(pbx, "wakeupcall/create", "2102") == []  # the guest's alarm, never pushed again


def test_a_day_whose_time_the_clocks_skip_gets_its_own_alarm_time_and_the_next_day_the_usual_one(pbx, rooms):
    # 02:30 does not exist in Berlin on Sunday 29 March 2026: that day rings at 03:30 (timing.py's rule),
    # so the everyday alarm is replaced for that morning and put back to 02:30 after it
    with time_machine.travel(datetime(2026, 3, 27, 20, 0, tzinfo=BERLIN), tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 3, 27), nights=3)
        settle(pbx)
        saturday, sunday, monday = services.wakeup_set(
            stay=stay, day=date(2026, 3, 28), clock=time(2, 30), recurrence=Recurrence.DAILY
        )
        assert sunday.due_at == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN) and "03:30" in sunday.note
        step(pbx)
        traveller.shift(6)
        step(pbx)
        for row, morning_time in ((saturday, "02:30"), (sunday, "03:30"), (monday, "02:30")):
            if row is not saturday:
                traveller.move_to(row.due_at - timedelta(hours=22))  # pushed once it fits
                step(pbx)
                traveller.shift(6)
                step(pbx)
            [alarm] = alarms_on(pbx, "2101")
            assert (alarm["type"], alarm["time"]) == ("everyday", morning_time)
            assert pbx.alarm_next[alarm["wakeupid"]] == row.due_at
            row.refresh_from_db()
            assert row.status == S.CONFIRMED
            ring_morning(pbx, traveller, row)
            assert row.status == S.ANSWERED
            confirm_next_day(pbx, traveller, row)
            if row is saturday:  # 03:30 pushed now would ring this Saturday: off the PBX until then
                assert alarms_on(pbx, "2101") == []
    assert [alarm_of(b)["time"] for b in sent(pbx, "wakeupcall/create", "2101")] == [
        "02:30",
        "03:30",
        "02:30",
    ]


def daily_from_thursday(emu, traveller, room):
    stay = in_house(room, date(2026, 6, 10), nights=3)
    settle(emu)
    services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
    step(emu)
    traveller.shift(6)
    step(emu)
    return stay


def test_a_morning_without_any_report_says_no_result_and_the_next_morning_still_rings(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = daily_from_thursday(pbx, traveller, rooms["101"])
        thursday, friday, _ = days(stay)
        pbx.faults.update({"drop_reports": True})
        ring_morning(pbx, traveller, thursday)
        pbx.faults.update({"drop_reports": False})
        confirm_next_day(pbx, traveller, thursday)  # the ring window is over: Thursday is decided

        thursday.refresh_from_db()
        assert thursday.status == S.ESCALATED and "No result from the PBX" in thursday.alert.reason
        friday.refresh_from_db()
        assert friday.status == S.CONFIRMED
        ring_morning(pbx, traveller, friday)
    assert friday.status == S.ANSWERED


def test_an_alarm_gone_from_the_pbx_is_found_by_the_read_back_and_pushed_again(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = daily_from_thursday(pbx, traveller, rooms["101"])
        thursday, friday, _ = days(stay)
        ring_morning(pbx, traveller, thursday)
        with pbx.lock:  # deleted on the PBX (by hand, or a reset) between two mornings
            for alarm in list(pbx.state.alarms_of("2101")):
                pbx.delete_alarm(alarm["wakeupid"])
        confirm_next_day(pbx, traveller, thursday)
        traveller.shift(6)
        step(pbx)

        friday.refresh_from_db()
        assert friday.status == S.CONFIRMED
        assert [alarm_of(b)["type"] for b in sent(pbx, "wakeupcall/create", "2101")] == ["everyday"] * 2
        ring_morning(pbx, traveller, friday)
    assert friday.status == S.ANSWERED


def test_a_morning_the_pbx_could_not_be_reached_for_is_escalated_and_the_alarm_serves_the_next(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        thursday, friday, _ = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        pbx.faults.update({"down": True})
        step(pbx)  # the alarm waits in the outbox: the PBX does not answer
        traveller.move_to(thursday.due_at - timedelta(seconds=10))
        dispatch.dispatch_due()
        thursday.refresh_from_db()
        assert thursday.status == S.ESCALATED and "call the room" in thursday.alert.reason

        traveller.move_to(thursday.due_at + timedelta(minutes=1))  # the link is back after the time
        pbx.faults.update({"down": False})
        traveller.shift(10)
        settle(pbx)
        assert alarms_on(pbx, "2101") == []  # refused as a day late: it would have rung now, unasked
        traveller.move_to(thursday.due_at + timedelta(minutes=16))
        step(pbx)
        traveller.shift(6)
        step(pbx)

        [alarm] = alarms_on(pbx, "2101")
        assert pbx.alarm_next[alarm["wakeupid"]] == friday.due_at
        friday.refresh_from_db()
        assert friday.status == S.CONFIRMED


def test_a_custom_alarm_the_guest_keyed_is_adopted_on_its_days_only(pbx, rooms):
    with time_machine.travel(START, tick=True):
        stay = in_house(rooms["103"], date(2026, 6, 10), nights=5)
        settle(pbx)
        with pbx.lock:  # Friday and Sunday on the PBX's numbering (0 = Sunday)
            pbx.add_alarm(
                "2103",
                {
                    "time": "08:00",
                    "type": "custom",
                    "weekdays": "0,5",
                    "repeats": "1",
                    "repeatinterval": "5",
                    "prompt": "macroform-cold_day",
                },
            )
        dispatch.survey_alarms()
        settle(pbx)
        step(pbx)
    adopted = days(stay)
    assert [r.due_at.astimezone(BERLIN).strftime("%a %d %H:%M") for r in adopted] == [
        "Fri 12 08:00",
        "Sun 14 08:00",
    ]
    assert {r.recurrence for r in adopted} == {Recurrence.WEEKDAYS}
    assert adopted[0].weekdays_label == "Fri, Sun" and adopted[0].status == S.CONFIRMED


def test_a_cancelled_reservation_takes_its_repeated_alarm_off_the_pbx(pbx, rooms):
    from rooms.models import StayStatus
    from rooms.services import stay_cancel
    from tests.factories import GuestFactory, StayFactory

    with time_machine.travel(START, tick=True) as traveller:
        stay = StayFactory(
            room=rooms["102"],
            arrival=date(2026, 6, 10),
            departure=date(2026, 6, 13),
            status=StayStatus.RESERVED,
            guest=GuestFactory(language="en"),
        )
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY)
        step(pbx)
        traveller.shift(6)
        step(pbx)
        assert [a["prompt"] for a in alarms_on(pbx, "2102")] == ["wakeup_en"]

        stay_cancel(stay=stay, reason="no show")
        settle(pbx)
    assert alarms_on(pbx, "2102") == []
    assert {r.status for r in days(stay)} == {S.CANCELLED}
    assert RepeatedAlarm.objects.get().state == "ended"


def test_chosen_weekdays_follow_the_pbxs_calendar_when_its_date_differs(pbx_in_utc, rooms):
    pbx = pbx_in_utc
    # 00:30 on Thursday in Berlin (summer time) is 22:30 on Wednesday on the PBX's UTC clock
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=5)
        settle(pbx)
        thursday, saturday = services.wakeup_set(
            stay=stay,
            day=date(2026, 6, 10),
            clock=time(0, 30),
            recurrence=Recurrence.WEEKDAYS,
            weekdays=(3, 5),
        )
        step(pbx)
        traveller.shift(6)
        step(pbx)
        [create] = sent(pbx, "wakeupcall/create", "2101")
        # Wednesday and Friday on Yeastar's numbering (0 = Sunday)
        assert (alarm_of(create)["type"], alarm_of(create)["time"], alarm_of(create)["weekdays"]) == (
            "custom",
            "22:30",
            "3,5",
        )
        [alarm] = alarms_on(pbx, "2101")
        assert pbx.alarm_next[alarm["wakeupid"]] == thursday.due_at
        ring_morning(pbx, traveller, thursday)
        assert thursday.status == S.ANSWERED
        traveller.move_to(thursday.due_at + timedelta(minutes=16))
        step(pbx)
        assert pbx.alarm_next[alarm["wakeupid"]] == saturday.due_at


def test_a_new_time_that_has_passed_today_starts_tomorrow_and_ends_today_openly(pbx, rooms):
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=3)
        settle(pbx)
        thursday, friday, _saturday = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        step(pbx)
        traveller.shift(6)
        step(pbx)

        services.wakeup_change(wakeup=thursday, day=date(2026, 6, 11), clock=time(5, 45))
        step(pbx)
        traveller.shift(6)
        step(pbx)
    thursday.refresh_from_db()
    assert thursday.status == S.CANCELLED and thursday.note == "changed to 05:45, which had passed that day"
    [alarm] = alarms_on(pbx, "2101")
    assert alarm["time"] == "05:45"
    assert pbx.alarm_next[alarm["wakeupid"]] == datetime(2026, 6, 12, 5, 45, tzinfo=BERLIN)
    friday.refresh_from_db()
    assert friday.status == S.CONFIRMED


def test_a_stay_extended_after_its_last_wake_up_brings_the_every_day_alarm_back(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10), nights=1)
        settle(pbx)
        [thursday] = services.wakeup_set(
            stay=stay, day=date(2026, 6, 11), clock=time(6, 30), recurrence=Recurrence.DAILY
        )
        step(pbx)
        traveller.shift(6)
        step(pbx)
        ring_morning(pbx, traveller, thursday)
        confirm_next_day(pbx, traveller, thursday)
        assert alarms_on(pbx, "2101") == [] and RepeatedAlarm.objects.get().state == "ended"

        stay_change_departure(stay=stay, departure=date(2026, 6, 13))
        step(pbx)
        traveller.shift(6)
        step(pbx)
        [alarm] = alarms_on(pbx, "2101")
        later = [r for r in days(stay) if r.pk != thursday.pk]
        assert [r.due_at.astimezone(BERLIN).day for r in later] == [12, 13]
        assert pbx.alarm_next[alarm["wakeupid"]] == later[0].due_at and later[0].status == S.CONFIRMED
    assert RepeatedAlarm.objects.get().state == "confirmed"

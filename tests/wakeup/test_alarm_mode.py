"""Alarm mode end to end: the wake-up reaches the PBX as an alarm inside the 24 h before it is due, is
read back, rings at its time on the emulated PBX, and its outcome comes from the PBX's call reports."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotelpbx.celery import app as celery_app
from hotelpbx.pbx.client import get_client
from hotelpbx.pbx.commands import drain_extension
from hotelpbx.pbx.models import CommandStatus, PbxCommand
from rooms.services import stay_check_out, stay_move
from tests.factories import UserFactory
from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, services
from wakeup.models import WakeupCall, WakeupStatus

from .conftest import in_house

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)
DUE = datetime(2026, 6, 12, 6, 30, tzinfo=BERLIN)


def alarms_on(emu, extension):
    with emu.lock:
        return [dict(a) for a in emu.state.alarms_of(extension)]


def settle(emu):
    """The worker applies the outbox; the PBX's reports reach the webhook."""
    drain_all()
    assert emu.wait_idle(15)


def confirmed_wakeup(emu, traveller, room, clock=time(6, 30), day=date(2026, 6, 12)):
    stay = in_house(room, date(2026, 6, 10))
    settle(emu)
    [wakeup] = services.wakeup_set(stay=stay, day=day, clock=clock)
    traveller.move_to(wakeup.due_at - timedelta(hours=23))
    assert dispatch.dispatch_due()["pushed"] == 1
    settle(emu)
    traveller.shift(6)
    assert dispatch.dispatch_due()["confirmed"] == 1
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.CONFIRMED
    return wakeup


def keep_link(emu):
    """What beat's PBX heartbeat does every minute: the session lives, reports keep coming."""
    get_client().heartbeat()


def ring(emu, traveller, wakeup, seconds_after=5):
    traveller.move_to(wakeup.due_at - timedelta(seconds=30))
    keep_link(emu)
    traveller.move_to(wakeup.due_at + timedelta(seconds=seconds_after))
    emu.tick()
    assert emu.wait_idle(15)
    wakeup.refresh_from_db()
    return wakeup


def test_a_one_time_alarm_is_pushed_only_inside_the_24_hours_before_it_is_due(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))

        assert dispatch.dispatch_due().get("waiting") == 1  # 34 h ahead: 06:30 would ring tomorrow
        settle(pbx)
        assert alarms_on(pbx, "2101") == []

        # the window opens 5 minutes (WAKEUP_PUSH_MARGIN_SECONDS) after due-24h: clocks may differ a little
        traveller.move_to(DUE - timedelta(hours=23, minutes=56))
        dispatch.dispatch_due()
        settle(pbx)
        assert alarms_on(pbx, "2101") == []

        traveller.move_to(DUE - timedelta(hours=23, minutes=54))
        assert dispatch.dispatch_due()["pushed"] == 1
        settle(pbx)
        [alarm] = alarms_on(pbx, "2101")
        # the documented fields, the time on the PBX's clock
        assert {k: alarm[k] for k in ("time", "type", "repeats", "repeatinterval", "prompt")} == {
            "time": "06:30",
            "type": "onetime",
            "repeats": "3",
            "repeatinterval": "5",
            "prompt": "wakeup_de",
        }
        assert pbx.alarm_next[alarm["wakeupid"]] == DUE  # the PBX will ring it at the due moment

        traveller.shift(6)
        dispatch.dispatch_due()
        wakeup.refresh_from_db()
        assert wakeup.status == WakeupStatus.CONFIRMED
        assert wakeup.pbx_alarm_id == alarm["wakeupid"]


def test_the_alarm_rings_at_its_time_and_the_answer_is_read_from_the_call_report(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        wakeup = ring(pbx, traveller, wakeup)

    assert wakeup.status == WakeupStatus.ANSWERED
    assert [a.result for a in wakeup.attempts.all()] == ["answered"]
    assert alarms_on(pbx, "2101") == []  # a one-time alarm is gone from the PBX once it ran


def test_no_answer_then_answered_on_the_pbxs_repeat(pbx, rooms):
    pbx.calls.alarm_outcomes.plan("2101", ["no answer", "answered"])
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        wakeup = ring(pbx, traveller, wakeup)

    assert wakeup.status == WakeupStatus.ANSWERED
    assert [a.result for a in wakeup.attempts.all()] == ["no_answer", "answered"]
    assert not hasattr(wakeup, "alert") or wakeup.alert is None


def test_never_answered_is_escalated_to_the_desk_until_a_named_person_acknowledges(pbx, rooms):
    front_desk_user = UserFactory(username="anna")
    pbx.calls.alarm_outcomes.plan("2101", ["no answer", "busy", "no answer"])
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        wakeup = ring(pbx, traveller, wakeup)

        assert wakeup.status == WakeupStatus.ESCALATED
        assert [a.result for a in wakeup.attempts.all()] == ["no_answer", "busy", "no_answer"]
        alert = wakeup.alert
        assert alert.open and "Not answered after 3 call(s)" in alert.reason

        with pytest.raises(services.WakeupRuleError, match="Write what was done"):
            services.alert_acknowledge(alert=alert, by=front_desk_user, action_taken="  ")
        services.alert_acknowledge(alert=alert, by=front_desk_user, action_taken="Knocked; guest is up.")

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.HANDLED
    assert wakeup.alert.acknowledged_by == front_desk_user
    assert wakeup.alert.action_taken == "Knocked; guest is up."


def test_without_any_report_the_wake_up_says_no_result_and_asks_the_desk_never_done(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        pbx.faults.update({"drop_reports": True})
        wakeup = ring(pbx, traveller, wakeup)
        assert wakeup.status == WakeupStatus.CONFIRMED  # rung, but nobody told us anything
        dispatch.dispatch_due()
        wakeup.refresh_from_db()
        assert wakeup.status == WakeupStatus.RINGING

        traveller.move_to(wakeup.due_at + timedelta(minutes=10, seconds=181))
        dispatch.dispatch_due()

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert "No result from the PBX" in wakeup.alert.reason
    assert not wakeup.attempts.exists()


def test_an_alarm_missing_on_the_pbx_is_pushed_again(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
        celery_app.conf.task_always_eager = False  # no worker at hand: the test applies the outbox
        dispatch.dispatch_due()
        assert drain_extension("2101", max_commands=1) == "more"  # the alarm is set ...
        with pbx.lock:
            for alarm in list(pbx.state.alarms_of("2101")):
                pbx.delete_alarm(alarm["wakeupid"])  # ... and lost on the PBX before it is read back
        settle(pbx)
        celery_app.conf.task_always_eager = True
        traveller.shift(6)
        assert dispatch.dispatch_due()["pushed again"] == 1
        settle(pbx)
        traveller.shift(6)
        dispatch.dispatch_due()

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.CONFIRMED and wakeup.pushes == 2
    assert [a["time"] for a in alarms_on(pbx, "2101")] == ["06:30"]


def test_a_one_time_alarm_is_never_pushed_late_and_the_desk_is_told(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
        pbx.faults.update({"down": True})
        dispatch.dispatch_due()
        drain_all()  # the PBX does not answer: the alarm waits in the outbox

        traveller.move_to(wakeup.due_at + timedelta(minutes=1))  # the link comes back after the time
        pbx.faults.update({"down": False})
        traveller.shift(10)
        settle(pbx)
        dispatch.dispatch_due()

    assert alarms_on(pbx, "2101") == []  # it would have rung tomorrow at 06:30
    push = PbxCommand.objects.get(op="alarm.set")
    assert push.status == CommandStatus.FAILED and "day late" in push.last_error
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert "call the room by hand" in wakeup.alert.reason


def test_an_alarm_the_guest_keyed_on_the_phone_is_adopted_and_followed(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        in_house(rooms["102"], date(2026, 6, 10))
        settle(pbx)
        with pbx.lock:  # the guest sets 07:15 on the room phone
            pbx.add_alarm(
                "2102",
                {
                    "time": "07:15",
                    "type": "onetime",
                    "repeats": "2",
                    "repeatinterval": "5",
                    "prompt": "macroform-cold_day",
                },
            )
        assert dispatch.survey_alarms() == 1
        settle(pbx)
        dispatch.dispatch_due()
        [adopted] = WakeupCall.objects.filter(room=rooms["102"])
        assert adopted.source == "phone" and adopted.status == WakeupStatus.CONFIRMED
        assert adopted.due_at == datetime(2026, 6, 11, 7, 15, tzinfo=BERLIN)
        assert adopted.attempts_allowed == 2

        dispatch.survey_alarms()  # looking again adopts nothing twice
        settle(pbx)
        dispatch.dispatch_due()
        assert WakeupCall.objects.filter(room=rooms["102"]).count() == 1

        adopted = ring(pbx, traveller, adopted)
    assert adopted.status == WakeupStatus.ANSWERED


def test_a_room_move_takes_the_wake_up_to_the_new_phone(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        stay_move(stay=wakeup.stay, to_room=rooms["103"], reason="noisy")
        settle(pbx)
        traveller.shift(1)
        dispatch.dispatch_due()
        settle(pbx)
        traveller.shift(6)
        dispatch.dispatch_due()

        assert alarms_on(pbx, "2101") == []
        assert [a["time"] for a in alarms_on(pbx, "2103")] == ["06:30"]
        wakeup.refresh_from_db()
        assert (wakeup.room, wakeup.status, wakeup.pbx_extension) == (rooms["103"], "confirmed", "2103")
        wakeup = ring(pbx, traveller, wakeup)
    assert wakeup.status == WakeupStatus.ANSWERED


def test_check_out_clears_the_alarms_and_the_hotels_records_follow(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        stay_check_out(stay=wakeup.stay)
        settle(pbx)

    assert alarms_on(pbx, "2101") == []
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.CANCELLED and wakeup.note == "guest checked out"
    assert wakeup.next_action_at is None


def test_before_the_clocks_go_forward_the_alarm_waits_until_yesterdays_time_has_passed(pbx, rooms):
    """On 29 Mar 2026 Berlin springs forward: 07:00 that morning is only 23 h after 07:00 the day
    before. Pushed 24 h ahead, "07:00" would ring on the 28th, a day early, and be gone on the 29th."""
    due = datetime(2026, 3, 29, 7, 0, tzinfo=BERLIN)
    with time_machine.travel(datetime(2026, 3, 27, 20, 0, tzinfo=BERLIN), tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 3, 27))
        settle(pbx)
        services.wakeup_set(stay=stay, day=date(2026, 3, 29), clock=time(7, 0))

        traveller.move_to(datetime(2026, 3, 28, 6, 10, tzinfo=BERLIN))  # 23 h 50 min before it is due
        assert dispatch.dispatch_due().get("waiting") == 1
        settle(pbx)
        assert alarms_on(pbx, "2101") == []

        traveller.move_to(datetime(2026, 3, 28, 7, 6, tzinfo=BERLIN))  # the 28th's 07:00 has passed
        assert dispatch.dispatch_due()["pushed"] == 1
        settle(pbx)
        [alarm] = alarms_on(pbx, "2101")
        assert alarm["time"] == "07:00"
        assert pbx.alarm_next[alarm["wakeupid"]] == due


def test_an_alarm_lost_on_the_pbx_after_it_was_confirmed_is_found_before_its_time_and_pushed_again(
    pbx, rooms
):
    with time_machine.travel(START, tick=True) as traveller:
        wakeup = confirmed_wakeup(pbx, traveller, rooms["101"])
        with pbx.lock:  # deleted on the room phone, or lost with a PBX restore, hours later
            for alarm in list(pbx.state.alarms_of("2101")):
                pbx.delete_alarm(alarm["wakeupid"])

        traveller.move_to(wakeup.due_at - timedelta(minutes=19, seconds=55))  # read back once more
        assert dispatch.dispatch_due()["checking"] == 1
        settle(pbx)
        traveller.shift(6)
        assert dispatch.dispatch_due()["pushed again"] == 1
        settle(pbx)
        traveller.shift(6)
        assert dispatch.dispatch_due()["confirmed"] == 1
        wakeup.refresh_from_db()
        assert wakeup.status == WakeupStatus.CONFIRMED and not hasattr(wakeup, "alert")
        assert [a["time"] for a in alarms_on(pbx, "2101")] == ["06:30"]
        wakeup = ring(pbx, traveller, wakeup)

    assert wakeup.status == WakeupStatus.ANSWERED


def test_an_alarm_the_guest_keyed_and_then_deleted_on_the_phone_is_not_pushed_back(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        in_house(rooms["102"], date(2026, 6, 10))
        settle(pbx)
        with pbx.lock:
            wakeupid = pbx.add_alarm("2102", {"time": "07:15", "type": "onetime", "repeats": "2"})
        dispatch.survey_alarms()
        settle(pbx)
        dispatch.dispatch_due()
        [adopted] = WakeupCall.objects.filter(room=rooms["102"])
        with pbx.lock:  # the guest changes their mind on the phone
            pbx.delete_alarm(wakeupid)

        traveller.move_to(adopted.due_at - timedelta(minutes=19, seconds=55))
        assert dispatch.dispatch_due()["checking"] == 1
        settle(pbx)
        traveller.shift(6)
        dispatch.dispatch_due()
        settle(pbx)

    adopted.refresh_from_db()
    assert adopted.status == WakeupStatus.CANCELLED and "room phone" in adopted.note
    assert alarms_on(pbx, "2102") == []
    assert not hasattr(adopted, "alert")


def test_an_alarm_held_back_by_the_pbxs_pacing_past_its_last_moment_is_taken_off_again(pbx, rooms):
    """The create waits for a pacing slot (configuration changes are paced): if it reaches the PBX after
    the alarm's last moment it may ring a day late, so it is deleted and the desk is told."""
    from django.utils import timezone

    from hotelpbx.pbx import commands
    from hotelpbx.pbx.models import PbxLink

    with time_machine.travel(START, tick=True):
        in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        celery_app.conf.task_always_eager = False  # the test applies the outbox
        push = commands.push_wakeup_alarm(
            "2101", time_hhmm="20:01", not_after=timezone.now() + timedelta(milliseconds=300)
        )
        PbxLink.objects.filter(pk=1).update(next_config_slot=timezone.now() + timedelta(seconds=1))
        drain_extension("2101")
        celery_app.conf.task_always_eager = True

    push.refresh_from_db()
    assert push.status == CommandStatus.FAILED and "day late" in push.last_error
    assert alarms_on(pbx, "2101") == []

"""The dispatcher: due rows claimed with a compare-and-swap, so a killed or doubled dispatcher loses
and doubles nothing; work missed while it was down is escalated, not done late."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotelpbx.pbx.models import PbxCommand
from rooms.models import StayStatus
from tests.factories import GuestFactory, StayFactory, UserFactory
from wakeup import dispatch, selectors, services
from wakeup.models import WakeupCall, WakeupStatus

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def link(settings):
    settings.HOTEL_TIME_ZONE = settings.PBX_TIME_ZONE = "Europe/Berlin"
    settings.PBX_URL = "http://127.0.0.1:9"  # commands are written; no worker applies them here


def a_wakeup(clock=time(6, 30)):
    stay = StayFactory(
        arrival=date(2026, 6, 10),
        departure=date(2026, 6, 13),
        status=StayStatus.IN_HOUSE,
        guest=GuestFactory(language="en"),
    )
    [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=clock)
    return wakeup


def test_a_dispatcher_killed_after_its_claim_loses_nothing_and_doubles_nothing():
    with time_machine.travel(datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_wakeup()
        lease = dispatch._claim(wakeup.pk, wakeup.next_action_at)  # ... and the process dies here
        assert lease is not None

        assert dispatch.dispatch_due() == {"surveys": 0, "to_manager": 0}  # leased: nobody takes it
        assert not PbxCommand.objects.filter(op="alarm.set").exists()

        traveller.shift(61)  # the lease ran out: the next run takes it over
        assert dispatch.dispatch_due()["pushed"] == 1
        traveller.shift(1)
        dispatch.dispatch_due()

    assert PbxCommand.objects.filter(op="alarm.set").count() == 1
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.PUSHED and wakeup.pushes == 1


def test_two_dispatchers_reading_the_same_row_claim_it_once():
    with time_machine.travel(datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN), tick=False):
        wakeup = a_wakeup()
        seen = WakeupCall.objects.get(pk=wakeup.pk).next_action_at
        first, second = dispatch._claim(wakeup.pk, seen), dispatch._claim(wakeup.pk, seen)
    assert first is not None and second is None


def test_a_step_that_fails_half_way_writes_nothing(monkeypatch):
    with time_machine.travel(datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN), tick=False) as traveller:
        a_wakeup()

        def crash(*args, **kwargs):
            raise RuntimeError("worker lost its database mid-step")

        monkeypatch.setattr(dispatch.commands, "query_wakeup_alarms", crash)
        with pytest.raises(RuntimeError):
            dispatch.dispatch_due()
        assert not PbxCommand.objects.exists()  # the alarm.set written before the crash was rolled back
        monkeypatch.undo()
        traveller.shift(61)
        assert dispatch.dispatch_due()["pushed"] == 1
    assert PbxCommand.objects.filter(op="alarm.set").count() == 1


def test_work_missed_while_the_scheduler_was_down_is_escalated_not_pushed_late():
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_wakeup(clock=time(6, 30))
        traveller.move_to(datetime(2026, 6, 11, 6, 31, tzinfo=BERLIN))  # beat was down until after 06:30
        assert dispatch.dispatch_due()["escalated"] == 1

    assert not PbxCommand.objects.filter(op="alarm.set").exists()
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert "scheduler down" in wakeup.alert.reason


def test_an_alarm_not_confirmed_15_minutes_before_is_flagged_at_risk():
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_wakeup(clock=time(6, 30))
        dispatch.dispatch_due()  # pushed; no worker applies it
        traveller.move_to(datetime(2026, 6, 11, 6, 16, tzinfo=BERLIN))
        dispatch.dispatch_due()

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.PUSHED
    assert wakeup.alert.open and "At risk" in wakeup.alert.reason


def test_an_unacknowledged_alert_goes_to_the_manager_after_m_minutes(settings):
    settings.WAKEUP_MANAGER_AFTER_MINUTES = 10
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_wakeup(clock=time(6, 30))
        traveller.move_to(datetime(2026, 6, 11, 6, 31, tzinfo=BERLIN))
        dispatch.dispatch_due()
        traveller.shift(9 * 60)
        assert dispatch.dispatch_due()["to_manager"] == 0
        traveller.shift(61)
        assert dispatch.dispatch_due()["to_manager"] == 1
    wakeup.refresh_from_db()
    assert wakeup.alert.to_manager_at is not None


def test_a_warning_the_manager_had_then_a_failure_rings_the_manager_again_after_m_minutes(settings):
    settings.WAKEUP_MANAGER_AFTER_MINUTES = 10
    settings.WAKEUP_ESCALATION_MANAGER_EXTENSION = "300"

    def manager_calls():
        return list(PbxCommand.objects.filter(op="desk.dial", extension="300").values_list("pk", flat=True))

    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_wakeup(clock=time(6, 30))
        dispatch.dispatch_due()  # pushed; no worker applies it
        traveller.move_to(datetime(2026, 6, 11, 6, 16, tzinfo=BERLIN))
        dispatch.dispatch_due()  # at risk: an alert
        traveller.move_to(datetime(2026, 6, 11, 6, 27, tzinfo=BERLIN))
        assert dispatch.dispatch_due()["to_manager"] == 1
        [first] = manager_calls()
        wakeup.refresh_from_db()
        services.alert_acknowledge(alert=wakeup.alert, by=UserFactory(), action_taken="Checked the PBX")

        traveller.move_to(datetime(2026, 6, 11, 6, 55, tzinfo=BERLIN))  # no alarm, no call report
        dispatch.dispatch_due()
        [alert] = selectors.open_alerts()
        assert alert.to_manager_at is None and alert.manager_call == ""  # the desk's again, for now
        traveller.move_to(datetime(2026, 6, 11, 7, 5, 30, tzinfo=BERLIN))
        assert dispatch.dispatch_due()["to_manager"] == 1

    assert len(manager_calls()) == 2 and manager_calls()[0] == first  # rung once per failure
    [alert] = selectors.open_alerts()
    assert alert.manager_call == "Calling manager extension 300..."


def test_readyz_says_so_when_wake_up_work_is_overdue(client):
    from hotelpbx.core.tasks import beat_heartbeat

    with time_machine.travel(datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN), tick=False) as traveller:
        a_wakeup()
        beat_heartbeat()
        assert client.get("/readyz").json()["checks"]["wakeups"].startswith("ok")
        traveller.shift(90)  # nobody dispatched it
        beat_heartbeat()
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "overdue" in response.json()["checks"]["wakeups"]


def a_confirmed_wakeup(clock=time(6, 30)):
    stay = StayFactory(
        arrival=date(2026, 6, 10),
        departure=date(2026, 6, 13),
        status=StayStatus.IN_HOUSE,
        guest=GuestFactory(language="en"),
    )
    [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=clock, mode="confirmed")
    return wakeup


def test_beat_down_five_minutes_a_ring_within_the_cap_goes_out_late_and_says_so(settings):
    settings.WAKEUP_LATE_RING_SECONDS = 300  # the documented default: at most 5 minutes late
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        missed = a_confirmed_wakeup(clock=time(6, 30))
        late = a_confirmed_wakeup(clock=time(6, 33))
        traveller.move_to(datetime(2026, 6, 11, 6, 29, tzinfo=BERLIN))
        dispatch.dispatch_due()  # the last run before beat stopped
        traveller.move_to(datetime(2026, 6, 11, 6, 36, tzinfo=BERLIN))  # back after 7 minutes
        result = dispatch.dispatch_due()

    assert result["escalated"] == 1 and result["rung"] == 1
    missed.refresh_from_db()
    assert missed.status == WakeupStatus.ESCALATED and "scheduler down" in missed.alert.reason
    late.refresh_from_db()
    assert late.status == WakeupStatus.RINGING and late.note == "rung 3 min 0 s late"
    rings = PbxCommand.objects.filter(op="prompt.ring")
    assert [c.extension for c in rings] == [late.room.extension]  # the missed one is not rung at all


def test_a_retry_missed_while_beat_was_down_is_escalated_not_rung_an_hour_late():
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_confirmed_wakeup(clock=time(6, 30))
        traveller.move_to(datetime(2026, 6, 11, 6, 30, 5, tzinfo=BERLIN))
        assert dispatch.dispatch_due()["rung"] == 1
        wakeup.refresh_from_db()
        services.retry_or_end(wakeup, services.AttemptResult.NO_ANSWER, "NO ANSWER")  # retry due 06:35
        traveller.move_to(datetime(2026, 6, 11, 7, 35, tzinfo=BERLIN))  # beat was down for an hour
        assert dispatch.dispatch_due()["escalated"] == 1

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert "not made at its time" in wakeup.alert.reason
    assert PbxCommand.objects.filter(op="prompt.ring").count() == 1  # only the call at 06:30


def test_a_wake_up_that_fails_after_its_at_risk_alert_was_acknowledged_alerts_the_desk_again():
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        wakeup = a_wakeup(clock=time(6, 30))
        dispatch.dispatch_due()  # pushed; no worker applies it
        traveller.move_to(datetime(2026, 6, 11, 6, 16, tzinfo=BERLIN))
        dispatch.dispatch_due()
        wakeup.refresh_from_db()
        services.alert_acknowledge(
            alert=wakeup.alert, by=UserFactory(), action_taken="PBX link looked fine, waiting"
        )

        traveller.move_to(datetime(2026, 6, 11, 6, 55, tzinfo=BERLIN))  # no alarm, no call report
        assert dispatch.dispatch_due()["escalated"] == 1

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert wakeup.alert.open and "check the room" in wakeup.alert.reason
    assert selectors.open_alerts() == [wakeup.alert]


def test_tomorrows_alarm_waits_while_todays_at_the_same_time_may_still_ring_its_repeats():
    """The PBX keeps one alarm per extension and time and removes a one-time alarm only after its last
    repeat: pushed then, tomorrow's 06:30 would update today's alarm and be removed with it."""
    with time_machine.travel(datetime(2026, 6, 11, 6, 0, tzinfo=BERLIN), tick=False) as traveller:
        stay = StayFactory(arrival=date(2026, 6, 10), departure=date(2026, 6, 13), status=StayStatus.IN_HOUSE)
        [today] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
        [tomorrow] = services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))
        dispatch.dispatch_due()  # today's is pushed (no worker here: it stays unconfirmed)

        traveller.move_to(datetime(2026, 6, 11, 6, 36, tzinfo=BERLIN))  # repeats at 06:35 and 06:40
        dispatch.dispatch_due()
        assert PbxCommand.objects.filter(op="alarm.set").count() == 1
        tomorrow.refresh_from_db()
        assert tomorrow.status == WakeupStatus.SCHEDULED

        traveller.move_to(datetime(2026, 6, 11, 6, 44, tzinfo=BERLIN))  # today's run is over
        dispatch.dispatch_due()
        dispatch.dispatch_due()
    today.refresh_from_db()
    tomorrow.refresh_from_db()
    assert today.status == WakeupStatus.ESCALATED
    assert tomorrow.status == WakeupStatus.PUSHED
    assert PbxCommand.objects.filter(op="alarm.set").count() == 2

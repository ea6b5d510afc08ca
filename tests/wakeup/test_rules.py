"""What the desk may set: times in the hotel's zone, inside the stay, ahead by 2 minutes, DST decided."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import GuestFactory, StayFactory, UserFactory
from wakeup import services, timing
from wakeup.errors import InvalidWakeupTransition, WakeupRuleError
from wakeup.models import Recurrence, WakeupCall, WakeupStatus

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def berlin(settings):
    settings.HOTEL_TIME_ZONE = "Europe/Berlin"
    settings.PBX_TIME_ZONE = "Europe/Berlin"
    settings.PBX_URL = ""
    settings.WAKEUP_PROMPTS = {"de": "wakeup_de", "en": "wakeup_en"}


def stay_from(arrival: date, nights: int = 3, language: str = "de"):
    from rooms.models import StayStatus

    return StayFactory(
        arrival=arrival,
        departure=arrival + timedelta(days=nights),
        status=StayStatus.IN_HOUSE,
        guest=GuestFactory(language=language),
    )


def at_berlin(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=BERLIN), tick=False)


def test_a_wake_up_is_stored_in_utc_with_the_guests_prompt_and_who_set_it():
    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10))
        desk = UserFactory(username="anna")
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30), by=desk)
    assert wakeup.due_at == datetime(2026, 6, 11, 4, 30, tzinfo=UTC)  # 06:30 summer time in Berlin
    assert wakeup.prompt == "wakeup_de" and wakeup.language == "de"
    assert wakeup.set_by == desk and wakeup.source == "desk"
    assert (wakeup.attempts_allowed, wakeup.interval_minutes) == (3, 5)
    assert wakeup.status == WakeupStatus.SCHEDULED


@pytest.mark.parametrize(
    ("clock", "message"),
    [(time(19, 59), "already passed"), (time(20, 1), "at least 2 minutes ahead")],
)
def test_times_in_the_past_or_less_than_two_minutes_ahead_are_refused(clock, message):
    with at_berlin(2026, 6, 10, 20, 0, 30):
        stay = stay_from(date(2026, 6, 10))
        with pytest.raises(WakeupRuleError, match=message):
            services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=clock)
    assert not WakeupCall.objects.exists()


def test_two_minutes_ahead_is_accepted():
    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10))
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=time(20, 2))
    assert wakeup.due_at == datetime(2026, 6, 10, 18, 2, tzinfo=UTC)


def test_a_day_outside_the_stay_is_refused():
    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10), nights=2)
        with pytest.raises(WakeupRuleError, match="outside the stay"):
            services.wakeup_set(stay=stay, day=date(2026, 6, 13), clock=time(7, 0))
        # the departure morning is part of the stay
        services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(7, 0))


def test_every_day_of_the_stay_makes_one_wake_up_per_morning_up_to_departure():
    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10), nights=3)
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 10), clock=time(7, 0), recurrence=Recurrence.DAILY
        )
    assert [timezone_local(r.due_at) for r in rows] == [
        datetime(2026, 6, d, 7, 0, tzinfo=BERLIN) for d in (11, 12, 13)
    ]  # the 10th at 07:00 had passed; the departure morning (13th) is included
    assert len({r.series for r in rows}) == 1


def test_chosen_weekdays_only():
    with at_berlin(2026, 6, 8, 20, 0):  # a Monday
        stay = stay_from(date(2026, 6, 8), nights=7)
        rows = services.wakeup_set(
            stay=stay, day=date(2026, 6, 9), clock=time(6, 0), recurrence=Recurrence.WEEKDAYS, weekdays=(2, 4)
        )
    assert [timezone_local(r.due_at).strftime("%a %d") for r in rows] == ["Wed 10", "Fri 12"]


def timezone_local(moment):
    return moment.astimezone(BERLIN)


def test_a_time_the_clocks_skip_rings_after_the_jump_and_says_so():
    # 29 March 2026: Berlin jumps from 02:00 to 03:00
    moment = timing.local_to_utc(date(2026, 3, 29), time(2, 30))
    assert moment.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time
    assert moment.at.astimezone(BERLIN).strftime("%H:%M") == "03:30"
    assert "does not exist" in moment.note and "03:30" in moment.note


def test_a_time_that_happens_twice_rings_the_first_time_and_says_so():
    # 25 October 2026: Berlin goes back from 03:00 to 02:00; 02:30 happens twice
    moment = timing.local_to_utc(date(2026, 10, 25), time(2, 30))
    assert moment.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time, the first
    assert "happens twice" in moment.note


def test_the_desk_sees_what_dst_made_of_the_time():
    with at_berlin(2026, 3, 28, 20, 0):
        stay = stay_from(date(2026, 3, 28))
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 3, 29), clock=time(2, 30))
    assert "does not exist" in wakeup.note


def test_an_ordinary_time_has_no_note():
    assert timing.local_to_utc(date(2026, 3, 29), time(6, 30)).note == ""


def test_the_pbx_clock_time_is_in_the_pbx_zone(settings):
    settings.PBX_TIME_ZONE = "America/New_York"
    assert timing.pbx_clock_time(datetime(2026, 6, 11, 4, 30, tzinfo=UTC)) == "00:30"


@pytest.mark.parametrize(("attempts", "interval"), [(0, 5), (4, 5), (3, 0), (3, 61)])
def test_the_retry_policy_is_bounded(attempts, interval):
    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10))
        with pytest.raises(WakeupRuleError):
            services.wakeup_set(
                stay=stay,
                day=date(2026, 6, 11),
                clock=time(7, 0),
                attempts=attempts,
                interval_minutes=interval,
            )


def test_a_checked_out_stay_gets_no_wake_up():
    from rooms.models import StayStatus

    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10))
        stay.status = StayStatus.CHECKED_OUT
        stay.save()
        with pytest.raises(WakeupRuleError, match="in house"):
            services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(7, 0))


# --- the status machine ----------------------------------------------------------------------------------


def test_the_status_machine_refuses_edges_it_does_not_have():
    wakeup = WakeupCall(status=WakeupStatus.ANSWERED)
    with pytest.raises(InvalidWakeupTransition, match="answered cannot become scheduled"):
        services.transition(wakeup, WakeupStatus.SCHEDULED)
    wakeup = WakeupCall(status=WakeupStatus.CANCELLED)
    with pytest.raises(InvalidWakeupTransition):
        services.transition(wakeup, WakeupStatus.RINGING)


def test_the_happy_path_and_the_failure_path_are_edges_of_the_machine():
    wakeup = WakeupCall(status=WakeupStatus.SCHEDULED)
    for status in ("pushed", "confirmed", "ringing", "answered"):
        services.transition(wakeup, status)
    wakeup = WakeupCall(status=WakeupStatus.SCHEDULED)
    for status in ("pushed", "confirmed", "ringing", "no_answer", "escalated", "handled"):
        services.transition(wakeup, status)
    assert wakeup.status == "handled"


def test_cancel_and_change_only_before_it_rings():
    with at_berlin(2026, 6, 10, 20, 0):
        stay = stay_from(date(2026, 6, 10))
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(7, 0))
        changed = services.wakeup_change(wakeup=wakeup, day=date(2026, 6, 11), clock=time(6, 15))
        assert changed.due_at == datetime(2026, 6, 11, 4, 15, tzinfo=UTC)
        services.wakeup_cancel(wakeup=changed, reason="guest asked")
        with pytest.raises(WakeupRuleError, match="has not rung yet"):
            services.wakeup_cancel(wakeup=changed)
    assert WakeupCall.objects.get().status == WakeupStatus.CANCELLED


def test_two_alarms_at_the_same_time_in_a_room_are_refused_when_one_repeats(settings):
    # the PBX keeps one alarm per extension and time: the second would overwrite the first there
    settings.WAKEUP_MODE = "alarm"
    with at_berlin(2026, 6, 9, 12, 0):
        stay = stay_from(date(2026, 6, 9), nights=5)
        services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
        with pytest.raises(WakeupRuleError, match="already has a wake-up at 06:30"):
            services.wakeup_set(
                stay=stay, day=date(2026, 6, 10), clock=time(6, 30), recurrence=Recurrence.DAILY
            )
        with pytest.raises(WakeupRuleError, match="already has a wake-up at 06:30"):
            services.wakeup_set(stay=stay, day=date(2026, 6, 11), clock=time(6, 30))
        services.wakeup_set(stay=stay, day=date(2026, 6, 12), clock=time(6, 30))  # another day, once
        services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=time(6, 45), recurrence=Recurrence.DAILY)

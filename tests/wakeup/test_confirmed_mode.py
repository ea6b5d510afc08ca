"""Confirmed mode end to end: at the due time the app rings the room itself (playprompt through the
outbox), and the guest's key, the prompt's end or the call's failure come back as the PBX's reports."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, services
from wakeup.models import WakeupStatus

from .conftest import in_house

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)


def settle(emu):
    drain_all()
    assert emu.wait_idle(15)


@pytest.fixture
def confirmed(pbx, rooms):
    """A confirmed-mode wake-up for room 101 at 20:10; yields (emulator, time traveller, wake-up)."""
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=time(20, 10), mode="confirmed")
        yield pbx, traveller, wakeup


def ring_at(emu, traveller, moment):
    traveller.move_to(moment)
    result = dispatch.dispatch_due()
    settle(emu)
    return result


def test_the_guest_presses_1_and_the_wake_up_is_confirmed(confirmed):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["key:1"])
    assert dispatch.dispatch_due().get("waiting") == 1  # not before its time
    assert ring_at(emu, traveller, wakeup.due_at + timedelta(seconds=2))["rung"] == 1

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.GUEST_CONFIRMED
    assert [a.result for a in wakeup.attempts.all()] == ["key"]
    played = [r for r in emu.requests_log if r["path"] in ("call/playprompt", "extension/playprompt")]
    assert len(played) == 1 and played[0]["body"]["prompt"] == "wakeup_de"


def test_no_answer_then_confirmed_on_the_retry_after_the_interval(confirmed):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["no answer", "key:1"])
    ring_at(emu, traveller, wakeup.due_at + timedelta(seconds=2))
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.RINGING and "trying again" in wakeup.note

    assert ring_at(emu, traveller, wakeup.due_at + timedelta(minutes=4)).get("rung") is None  # not yet
    assert ring_at(emu, traveller, wakeup.due_at + timedelta(minutes=5, seconds=5))["rung"] == 1
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.GUEST_CONFIRMED
    assert [a.result for a in wakeup.attempts.all()] == ["no_answer", "key"]


def test_never_answered_is_escalated_after_the_last_attempt(confirmed):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["no answer", "busy", "no answer"])
    for index, minutes in enumerate((0, 5, 10)):  # each retry is due 5 minutes after the last call's end
        ring_at(emu, traveller, wakeup.due_at + timedelta(minutes=minutes, seconds=2 + 10 * index))

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert [a.result for a in wakeup.attempts.all()] == ["no_answer", "busy", "no_answer"]
    assert wakeup.alert.open and "Not confirmed after 3 call(s)" in wakeup.alert.reason


def test_snooze_rings_again_after_the_interval(confirmed):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["key:2", "key:1"])
    ring_at(emu, traveller, wakeup.due_at + timedelta(seconds=2))
    wakeup.refresh_from_db()
    assert (wakeup.status, wakeup.snoozes, wakeup.note) == ("ringing", 1, "snoozed (1 of 2)")

    ring_at(emu, traveller, wakeup.due_at + timedelta(minutes=5, seconds=5))
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.GUEST_CONFIRMED


def test_a_prompt_heard_without_a_key_is_answered_not_confirmed_and_shown_so(confirmed):
    emu, traveller, wakeup = confirmed  # no plan: the guest listens to the end and presses nothing
    at = wakeup.due_at + timedelta(seconds=2)
    for _ in range(3):
        ring_at(emu, traveller, at)
        at += timedelta(seconds=121)  # the call's deadline (WAKEUP_RING_RESULT_SECONDS)
        ring_at(emu, traveller, at)
        at += timedelta(minutes=5, seconds=1)

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.HEARD
    assert wakeup.get_status_display() == "Heard, no key pressed"
    assert [a.result for a in wakeup.attempts.all()] == ["heard", "heard", "heard"]
    assert "pressed no key" in wakeup.note

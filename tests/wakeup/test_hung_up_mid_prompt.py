"""Confirmed mode: a guest who answers and hangs up while the message plays. The PBX reports the call as
ANSWERED (RING, ANSWER, BYE, NewCdr) but never PlayPromptEnd; the attempt says so in words, counts as a
failed confirmation (rung again after the interval, escalated after the last call: never an endless
retry), and a partner hears `wakeup.failed` with `last_attempt` `hung_up`. Against the emulated PBX over
HTTP, API v1 and v2."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from hotelpbx.partners.models import Partner, PartnerStay, WebhookDelivery, WebhookEndpoint
from hotelpbx.pbx.models import PbxEvent
from tests.factories import UserFactory
from tests.pbx.link.helpers import drain_all
from wakeup import dispatch, services
from wakeup.models import WakeupStatus

from .conftest import TOKEN, in_house

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 6, 10, 20, 0, tzinfo=BERLIN)
HUNG_UP = "Answered, hung up before the end of the message"
PLAY_PATHS = ("call/playprompt", "extension/playprompt")


def settle(emu):
    drain_all()
    assert emu.wait_idle(15)


def at(emu, traveller, moment):
    traveller.move_to(moment)
    result = dispatch.dispatch_due()
    settle(emu)
    return result


def report_names(callid: str) -> list[str]:
    return [e.name for e in PbxEvent.objects.filter(callid=callid).order_by("id")]


@pytest.fixture
def confirmed(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        [wakeup] = services.wakeup_set(stay=stay, day=date(2026, 6, 10), clock=time(20, 10), mode="confirmed")
        yield pbx, traveller, wakeup


def test_a_guest_who_hangs_up_mid_prompt_every_time_is_escalated_after_the_last_call(confirmed, client):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["hang up"] * 3)
    moment = wakeup.due_at + timedelta(seconds=2)
    for call in (1, 2, 3):
        at(emu, traveller, moment)  # rung
        wakeup.refresh_from_db()
        assert wakeup.status == WakeupStatus.RINGING
        moment += timedelta(seconds=121)  # the call's deadline: its reports are in
        at(emu, traveller, moment)
        wakeup.refresh_from_db()
        if call < 3:
            assert wakeup.note == (
                f"call {call} of 3: answered, hung up before the end of the message; trying again"
            )
        moment += timedelta(minutes=5, seconds=1)
    at(emu, traveller, moment + timedelta(minutes=30))  # nothing is rung after the last call

    assert len([r for r in emu.requests_log if r["path"] in PLAY_PATHS]) == 3
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.ESCALATED
    assert [a.result for a in wakeup.attempts.all()] == ["hung_up"] * 3
    assert wakeup.alert.open
    assert wakeup.alert.reason == (
        "Not confirmed after 3 call(s) (answered, hung up before the end of the message): "
        "go or call the room."
    )
    # what the PBX said: answered and ended, no PlayPromptEnd
    callid = wakeup.attempts.first().callid
    assert "PlayPromptEnd" not in report_names(callid) and "NewCdr" in report_names(callid)

    Group.objects.get_or_create(name="Front desk")
    client.force_login(UserFactory(username="desk-hung-up", role="Front desk"))
    board = client.get(reverse("wakeup:board"), {"day": "2026-06-10"}).content.decode()
    assert board.count(HUNG_UP) == 3  # each call, in words, in the Calls column
    assert "no report from the PBX" not in board
    strip = client.get(reverse("wakeup:alerts")).content.decode()
    assert "answered, hung up before the end of the message" in strip


def test_a_hang_up_then_a_key_on_the_next_call_confirms(confirmed):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["hang up", "key:1"])
    at(emu, traveller, wakeup.due_at + timedelta(seconds=2))
    at(emu, traveller, wakeup.due_at + timedelta(seconds=123))
    at(emu, traveller, wakeup.due_at + timedelta(minutes=7, seconds=5))

    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.GUEST_CONFIRMED
    assert [a.get_result_display() for a in wakeup.attempts.all()] == [HUNG_UP, "Key pressed"]


def test_a_prompt_heard_to_its_end_is_not_taken_for_a_hang_up(confirmed):
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["no key"])  # answered, listened to the end, no key
    at(emu, traveller, wakeup.due_at + timedelta(seconds=2))
    wakeup.refresh_from_db()
    assert [a.result for a in wakeup.attempts.all()] == ["heard"]


def test_a_prompt_end_processed_after_the_call_record_turns_the_hang_up_into_heard(confirmed, client):
    """Reports may be processed out of order: the call record's inference yields to the PBX's own word."""
    emu, traveller, wakeup = confirmed
    emu.calls.alarm_outcomes.plan_prompt("2101", ["hang up"])
    at(emu, traveller, wakeup.due_at + timedelta(seconds=2))
    [attempt] = wakeup.attempts.all()
    assert attempt.result == "hung_up"

    late = {
        "action": "PlayPromptEnd",
        "callid": attempt.callid,
        "ext": {"extid": "2101"},
        "prompt": "wakeup_de",
    }
    late["sn"] = "369364835218"  # API.md's v1 sample shape
    posted = client.post(reverse("pbx:events", args=[TOKEN]), late, content_type="application/json")
    assert posted.status_code == 200
    settle(emu)
    attempt.refresh_from_db()
    assert (attempt.result, attempt.detail) == ("heard", "prompt heard to its end")


def test_a_partner_hears_wakeup_failed_with_last_attempt_hung_up(pbx, rooms):
    with time_machine.travel(START, tick=True) as traveller:
        stay = in_house(rooms["101"], date(2026, 6, 10))
        settle(pbx)
        partner = Partner.objects.create(name="Opera PMS")
        PartnerStay.objects.create(partner=partner, stay=stay, external_id="R-H1")
        WebhookEndpoint.objects.create(
            partner=partner, url="https://pms.example.org/hooks", secret="whsec_dGVzdA==", event_types=[]
        )
        [wakeup] = services.wakeup_set(
            stay=stay, day=date(2026, 6, 10), clock=time(20, 10), mode="confirmed", attempts=1
        )
        pbx.calls.alarm_outcomes.plan_prompt("2101", ["hang up"])
        at(pbx, traveller, wakeup.due_at + timedelta(seconds=2))
        at(pbx, traveller, wakeup.due_at + timedelta(seconds=123))

    told = [
        (d.event_type, d.payload["data"]["status"], d.payload["data"]["last_attempt"])
        for d in WebhookDelivery.objects.filter(event_type__startswith="wakeup.").order_by("id")
    ]
    assert told == [("wakeup.failed", "failed", "hung_up"), ("wakeup.escalated", "escalated", "hung_up")]
    failed = WebhookDelivery.objects.get(event_type="wakeup.failed").payload["data"]
    assert failed["external_id"] == "R-H1" and failed["attempts"] == 1

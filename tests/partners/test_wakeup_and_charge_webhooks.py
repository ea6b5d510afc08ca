"""What happens to a partner's wake-ups and folios reaches it as webhooks: delivery rows written in the
transaction of the change, for that partner only."""

from datetime import timedelta
from decimal import Decimal

import pytest

from billing.models import MinibarItem
from billing.services import MinibarCount, minibar_post
from hotelpbx.partners.models import WebhookDelivery
from rooms import services as rooms_services
from tests.factories import RoomFactory, StayFactory
from wakeup import dispatch as wakeup_dispatch
from wakeup import services as wakeup_services
from wakeup.models import WakeupCall

from .test_wakeups_api import in_house_stay, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(api):
    """The partner registered an endpoint for every event (rows only: nothing is sent in these tests)."""
    made = api.post("/api/v1/webhooks/", {"url": "https://pms.example.org/hooks", "event_types": []})
    assert made.status_code == 201, made.content
    return api


def events(kind_prefix: str) -> list[tuple[str, dict]]:
    return [
        (d.event_type, d.payload["data"])
        for d in WebhookDelivery.objects.filter(event_type__startswith=kind_prefix).order_by("id")
    ]


def wakeup_on_the_pbx(api, settings, attempts=1):
    settings.WAKEUP_ALARM_CALLER = "alarm"
    stay = in_house_stay(api)
    made = api.post(
        "/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30", "attempts": attempts}
    ).json()
    wakeup = WakeupCall.objects.select_related("room").get(pk=made["id"])
    # what the dispatcher did before the due time: the alarm is on the PBX, confirmed
    WakeupCall.objects.filter(pk=wakeup.pk).update(status="confirmed", pbx_extension=wakeup.room.extension)
    return stay, wakeup


def pbx_reports_the_alarm_call(wakeup, status, callid="al-1"):
    return wakeup_services.record_alarm_call(
        extension=wakeup.room.extension,
        caller="alarm",
        callid=callid,
        started_at=wakeup.due_at,
        status=status,
    )


def test_an_answered_wake_up_is_told_as_wakeup_completed(hooked, settings):
    stay, wakeup = wakeup_on_the_pbx(hooked, settings)
    assert pbx_reports_the_alarm_call(wakeup, "ANSWERED") == "answered"
    [(kind, data)] = events("wakeup.")
    assert kind == "wakeup.completed"
    assert data["wakeup_id"] == wakeup.pk and data["external_id"] == "R-W1" and data["stay_id"] == stay["id"]
    assert (data["from_status"], data["status"], data["attempts"]) == ("ringing", "answered", 1)


def test_an_unanswered_wake_up_is_told_as_failed_then_escalated(hooked, settings):
    _, wakeup = wakeup_on_the_pbx(hooked, settings, attempts=1)
    assert pbx_reports_the_alarm_call(wakeup, "NO ANSWER") == "escalated"
    assert [(k, d["status"]) for k, d in events("wakeup.")] == [
        ("wakeup.failed", "no_answer"),
        ("wakeup.escalated", "escalated"),
    ]


def test_an_escalation_nobody_acknowledged_is_told_again_as_sent_to_the_manager(hooked, settings):
    settings.WAKEUP_MANAGER_AFTER_MINUTES = 10
    _, wakeup = wakeup_on_the_pbx(hooked, settings, attempts=1)
    pbx_reports_the_alarm_call(wakeup, "NO ANSWER")
    raised = WakeupCall.objects.get(pk=wakeup.pk).alert.raised_at
    assert wakeup_dispatch.alerts_to_manager(raised + timedelta(minutes=9)) == 0
    assert wakeup_dispatch.alerts_to_manager(raised + timedelta(minutes=10)) == 1
    assert wakeup_dispatch.alerts_to_manager(raised + timedelta(minutes=20)) == 0  # told once

    told = [(k, d["status"], d.get("escalated_to"), d["last_attempt"]) for k, d in events("wakeup.")]
    assert told == [
        ("wakeup.failed", "no_answer", None, "no_answer"),
        ("wakeup.escalated", "escalated", "desk", "no_answer"),
        ("wakeup.escalated", "escalated", "manager", "no_answer"),
    ]


def test_a_cleared_wake_up_is_told_and_a_moved_one_is_not(hooked):
    stay = in_house_stay(hooked)
    made = hooked.post("/api/v1/wakeups/", {"stay": stay["id"], "date": tomorrow(), "time": "06:30"}).json()
    hooked.patch(f"/api/v1/wakeups/{made['id']}/", {"date": tomorrow(), "time": "07:00"})
    assert events("wakeup.") == []  # a move keeps it scheduled: no status change to tell
    hooked.delete(f"/api/v1/wakeups/{made['id']}/")
    assert [(k, d["status"]) for k, d in events("wakeup.")] == [("wakeup.cancelled", "cancelled")]


def test_a_posting_is_told_once_as_charge_posted_to_its_partner_only(hooked, api_for):
    other = api_for(partner="Mews")
    assert other.post("/api/v1/webhooks/", {"url": "https://mews.example.org/h"}).status_code == 201
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"), tax_rate=Decimal("7"))
    stay = in_house_stay(hooked)
    body = {"minibar_item": "1045", "quantity": 2}
    for _ in range(2):
        hooked.post(f"/api/v1/stays/{stay['id']}/postings/", body, **{"Idempotency-Key": "k1"})
    deliveries = list(WebhookDelivery.objects.filter(event_type="charge.posted"))
    assert len(deliveries) == 1
    assert deliveries[0].endpoint.partner.name == "Opera PMS"
    data = deliveries[0].payload["data"]
    assert (data["external_id"], data["kind"], data["amount"], data["minibar_item"]) == (
        "R-W1",
        "minibar",
        "7.00",
        "1045",
    )


def test_the_desks_own_guests_charges_are_told_to_no_partner(hooked):
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"))
    room = RoomFactory()
    rooms_services.stay_check_in(stay=StayFactory(room=room))
    minibar_post(room=room, counts=[MinibarCount("1045", 1)], source="desk", idempotency_key="desk-1")
    assert not WebhookDelivery.objects.filter(event_type="charge.posted").exists()

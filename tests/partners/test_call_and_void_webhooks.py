"""A partner's PMS hears of its guests' calls (`call.recorded`, `call.rerated`) and of voided charges
(`charge.voided`) as signed webhooks, once per record and change, written in the transaction of the
change; calls of the desk's own guests reach no partner."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from billing.models import CallRecord, FolioLine, MinibarItem
from billing.services import call_rerate, calls_post_batch, folio_line_reverse, tariff_import
from hotelpbx.partners import webhooks
from hotelpbx.partners.models import WebhookDelivery
from rooms import services as rooms_services
from rooms.models import Stay
from tests.billing.conftest import SN, STANDARD_TARIFF, pbx_time, send_cdr
from tests.factories import RoomFactory, StayFactory

from .receiver import Receiver
from .test_stays_and_rooms import reservation
from .test_wakeups_api import in_house_stay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pbx_and_hotel_in_one_zone(settings):
    settings.PBX_TIME_ZONE = settings.HOTEL_TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def hooked(api, receiver):
    """The partner's endpoint, listening for calls and charges."""
    made = api.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "event_types": ["call.recorded", "call.rerated", "charge.voided"]},
    )
    assert made.status_code == 201, made.content
    tariff_import(text=STANDARD_TARIFF)
    return api, made.json()["secret"]


def delivered(receiver, secret) -> list[tuple[str, dict]]:
    """What the partner received, each verified as a Standard Webhooks receiver would."""
    webhooks.send_due()
    return [
        (payload["type"], payload["data"])
        for payload in (Webhook(secret).verify(got.body, got.headers) for got in receiver.received)
    ]


def room_of(stay: dict) -> str:
    return Stay.objects.select_related("room").get(pk=stay["id"]).room.extension


def test_a_charged_call_is_told_once_signed_with_its_charge(hooked, receiver):
    api, secret = hooked
    stay = in_house_stay(api)
    soon = timezone.now() + timedelta(seconds=5)
    for _ in range(2):  # the PBX sends the same CDR twice
        send_cdr("c-1", at=soon, src=room_of(stay), dst="00442071234567", talk=190)

    [(kind, data)] = delivered(receiver, secret)
    line = FolioLine.objects.get()
    assert kind == "call.recorded"
    assert (data["stay_id"], data["external_id"], data["room"]) == (stay["id"], "R-W1", stay["room"])
    assert (data["outcome"], data["reason"], data["charge"], data["line_id"]) == (
        "charged",
        "charged",
        "0.80",
        line.pk,
    )
    assert (data["direction"], data["callee"], data["talk_seconds"]) == ("outbound", "00442071234567", 190)
    assert data["call_record_id"] == CallRecord.objects.get().pk


def test_a_free_and_a_barred_call_are_told_with_their_reason(hooked, receiver):
    api, secret = hooked
    stay = in_house_stay(api)
    soon = timezone.now() + timedelta(seconds=5)
    send_cdr("c-1", at=soon, src=room_of(stay), dst="0800123456", talk=60)
    send_cdr("c-2", at=soon, src=room_of(stay), dst="0900123456", talk=60)

    told = delivered(receiver, secret)
    assert [(k, d["outcome"], d["reason_label"], d["charge"], d["line_id"]) for k, d in told] == [
        ("call.recorded", "free", "free: free number", "0.00", None),
        ("call.recorded", "barred", "barred number (not charged)", "0.00", None),
    ]


def test_a_re_rated_call_is_told_as_rerated_with_the_void_of_its_old_charge(hooked, receiver, manager_user):
    api, secret = hooked
    stay = in_house_stay(api)
    send_cdr("c-1", at=timezone.now() + timedelta(seconds=5), src=room_of(stay), talk=190)
    record = CallRecord.objects.get()
    old_line = FolioLine.objects.get()
    tariff_import(text=STANDARD_TARIFF.replace('initial_charge: "0.20"', 'initial_charge: "0.10"'))

    call_rerate(record=record, by=manager_user, reason="mobile start fee was wrong")

    told = delivered(receiver, secret)
    assert [k for k, _ in told] == ["call.recorded", "charge.voided", "call.rerated"]
    voided, rerated = told[1][1], told[2][1]
    assert (voided["line_id"], voided["amount"], voided["call_record_id"]) == (old_line.pk, "0.80", record.pk)
    assert voided["reason"] == "Re-rated: mobile start fee was wrong"
    assert (rerated["charge"], rerated["rating_revision"]) == ("0.70", 2)
    assert rerated["line_id"] == FolioLine.objects.filter(call_record=record).order_by("id").last().pk


def test_a_voided_minibar_charge_is_told_once_and_a_second_void_is_refused(hooked, receiver, front_desk_user):
    api, secret = hooked
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"))
    stay = in_house_stay(api)
    posted = api.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045", "quantity": 1})
    line = FolioLine.objects.get(pk=posted.json()["lines"][0]["id"])

    reversal = folio_line_reverse(line=line, by=front_desk_user, reason="guest did not drink it")
    with pytest.raises(Exception, match="voided already"):
        folio_line_reverse(line=line, by=front_desk_user, reason="again")

    [(kind, data)] = delivered(receiver, secret)
    assert kind == "charge.voided"
    assert (data["line_id"], data["reversal_line_id"], data["amount"], data["minibar_item"]) == (
        line.pk,
        reversal.pk,
        "3.50",
        "1045",
    )
    assert (data["external_id"], data["reason"]) == ("R-W1", "guest did not drink it")


def test_a_call_reported_before_its_stay_checked_in_is_told_once_its_stay_appears(
    hooked, receiver, django_capture_on_commit_callbacks
):
    """The call came in while the stay was still a booking: nobody to tell. The desk entered the
    check-in a moment before the call began: the call is rated with the stay and its partner hears of it
    once, as recorded."""
    api, secret = hooked
    stay = api.post("/api/v1/stays/", reservation(RoomFactory(), external_id="R-LATE")).json()
    now = timezone.now()
    send_cdr("c-1", at=now + timedelta(seconds=30), src=room_of(stay), talk=190)
    assert CallRecord.objects.get().reason == "no_stay"

    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/stays/{stay['id']}/check-in/", {}).status_code == 200

    told = [(k, d["external_id"], d["outcome"], d["charge"]) for k, d in delivered(receiver, secret)]
    assert told == [("call.recorded", "R-LATE", "charged", "0.80")]


def test_the_desks_own_guests_calls_reach_no_partner(hooked, receiver):
    room = RoomFactory()
    rooms_services.stay_check_in(stay=StayFactory(room=room))
    send_cdr("c-1", at=timezone.now() + timedelta(seconds=5), src=room.extension, talk=190)
    assert CallRecord.objects.get().outcome == "charged"
    assert not WebhookDelivery.objects.exists()


def cdr(
    callid: str, *, src: str, dst: str, talk: int = 190, status: str = "ANSWERED", kind: str = "Outbound"
):
    """A CDR as the PBX back-fill reads it (billing.services.calls_post_batch's input)."""
    return SimpleNamespace(
        callid=callid,
        callfrom=src,
        callto=dst,
        timestart=pbx_time(timezone.now() + timedelta(seconds=5)),
        type=kind,
        status=status,
        call_seconds=talk + 5,
        talk_seconds=talk,
        dst_trunk="SIP-Carrier",
        src_trunk="",
    )


def test_a_back_filled_batch_of_calls_tells_each_partner_call_once(hooked, receiver):
    api, secret = hooked
    stay = in_house_stay(api)
    desk_room = RoomFactory()
    rooms_services.stay_check_in(stay=StayFactory(room=desk_room))
    batch = [
        cdr("b-1", src=room_of(stay), dst="00442071234567"),
        cdr("b-2", src=room_of(stay), dst="0800123456"),
        cdr("b-3", src=desk_room.extension, dst="00442071234567"),
    ]
    assert calls_post_batch(batch, serial=SN) == 3
    assert calls_post_batch(batch, serial=SN) == 0  # the same back-fill again keeps and tells nothing

    told = delivered(receiver, secret)
    b1 = CallRecord.objects.get(callid="b-1")
    assert [(k, d["call_record_id"], d["outcome"], d["charge"]) for k, d in told] == [
        ("call.recorded", b1.pk, "charged", "0.80"),
        ("call.recorded", CallRecord.objects.get(callid="b-2").pk, "free", "0.00"),
    ]
    assert told[0][1]["line_id"] == FolioLine.objects.get(call_record=b1).pk
    assert told[0][1]["room"] == stay["room"]


def test_a_void_rolled_back_with_its_transaction_leaves_no_event(hooked, front_desk_user):
    api, _ = hooked
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"))
    stay = in_house_stay(api)
    posted = api.post(f"/api/v1/stays/{stay['id']}/postings/", {"minibar_item": "1045", "quantity": 1})
    line = FolioLine.objects.get(pk=posted.json()["lines"][0]["id"])

    with pytest.raises(RuntimeError), transaction.atomic():
        folio_line_reverse(line=line, by=front_desk_user, reason="wrong room")
        assert WebhookDelivery.objects.filter(event_type="charge.voided").count() == 1
        raise RuntimeError("the desk's request failed after the void")

    assert not WebhookDelivery.objects.filter(event_type="charge.voided").exists()
    assert FolioLine.objects.count() == 1

"""Outgoing webhooks: a partner registers an endpoint, and what happens to its stays and to the rooms
reaches it signed (Standard Webhooks), in order, retried with backoff while it is down."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from hotelpbx.core.models import AuditEntry
from hotelpbx.partners import webhooks
from hotelpbx.partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import RoomFactory

from .receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def register(api, url, events=()):
    response = api.post("/api/v1/webhooks/", {"url": url, "event_types": list(events)})
    assert response.status_code == 201, response.content
    return response.json()


def reserve_and_check_in(api, room):
    stay = api.post(
        "/api/v1/stays/",
        {
            "external_id": "OPERA-77",
            "guest": {"last_name": "Hopper"},
            "arrival": "2020-01-01",
            "departure": "2099-01-01",
            "room": room.number,
        },
    ).json()
    assert api.post(f"/api/v1/stays/{stay['id']}/check-in/").status_code == 200
    return stay


def independent_verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiving side's check, written from the Standard Webhooks spec, not with our code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(sig, expected)
        for version, sig in (part.split(",", 1) for part in headers["webhook-signature"].split())
    )


def test_a_check_in_reaches_the_partner_signed(api, receiver):
    endpoint = register(api, receiver.url)
    stay = reserve_and_check_in(api, RoomFactory())

    assert webhooks.send_due() == 1

    [got] = receiver.received
    assert independent_verify(endpoint["secret"], got.headers, got.body)
    payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "stay.checked_in"
    assert payload["data"]["stay_id"] == stay["id"] and payload["data"]["external_id"] == "OPERA-77"
    assert abs(int(got.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    tampered = got.body.replace(b"OPERA-77", b"OPERA-78")
    assert not independent_verify(endpoint["secret"], got.headers, tampered)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_log.get().status_code == 204


def test_an_endpoint_that_is_down_gets_its_deliveries_later_in_order(api, receiver, settings):
    settings.API_WEBHOOK_RETRY_BASE_SECONDS = 5
    register(api, receiver.url, events=["stay.checked_in", "stay.checked_out"])
    receiver.answers = [503, 503]
    with time_machine.travel(timezone.now(), tick=True) as clock:
        stay = reserve_and_check_in(api, RoomFactory())
        api.post(f"/api/v1/stays/{stay['id']}/check-out/")

        assert webhooks.send_due() == 1  # 503: the check-out waits behind the check-in
        assert webhooks.send_due() == 0  # not due yet
        clock.shift(timedelta(seconds=6))
        assert webhooks.send_due() == 1  # 503 again; now 10 s
        clock.shift(timedelta(seconds=6))
        assert webhooks.send_due() == 0
        clock.shift(timedelta(seconds=6))
        assert webhooks.send_due() == 2

    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["stay.checked_in"] * 3 + ["stay.checked_out"]
    assert receiver.statuses == [503, 503, 204, 204]
    assert len({r.headers["webhook-id"] for r in receiver.received[:3]}) == 1  # a retry is the same message
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2


def test_a_refusal_by_the_receiver_is_not_retried_and_does_not_block_the_rest(api, receiver):
    register(api, receiver.url, events=["stay.checked_in", "stay.checked_out"])
    receiver.answers = [400]
    stay = reserve_and_check_in(api, RoomFactory())
    api.post(f"/api/v1/stays/{stay['id']}/check-out/")

    assert webhooks.send_due() == 2
    assert webhooks.send_due() == 0

    assert receiver.statuses == [400, 204]
    assert list(WebhookDelivery.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "delivered",
    ]


def test_an_endpoint_failing_for_a_day_is_disabled_and_the_managers_told(api, receiver, settings):
    register(api, receiver.url)
    receiver.answers = [503] * 50
    with time_machine.travel(timezone.now(), tick=True) as clock:
        reserve_and_check_in(api, RoomFactory())
        webhooks.send_due()
        clock.shift(timedelta(hours=25))
        webhooks.send_due()

    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.is_active and "failing since" in endpoint.disabled_reason
    assert AuditEntry.objects.filter(action="webhook.disabled").exists()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # kept for when it is enabled


def test_stay_events_go_only_to_the_owner_room_events_to_every_partner(api, api_for, receiver):
    other_receiver = Receiver().start()
    try:
        register(api, receiver.url)
        register(api_for(partner="Mews"), other_receiver.url)
        room = RoomFactory(housekeeping_status="clean")
        reserve_and_check_in(api, room)
        api.patch(
            f"/api/v1/rooms/{RoomFactory(housekeeping_status='clean').number}/", {"status": "inspected"}
        )

        webhooks.send_due()

        mine = [json.loads(r.body)["type"] for r in receiver.received]
        theirs = [json.loads(r.body)["type"] for r in other_receiver.received]
        assert mine == ["stay.checked_in", "room.status_changed"]
        assert theirs == ["room.status_changed"]
    finally:
        other_receiver.stop()


def test_a_refused_change_writes_no_webhook(api, receiver):
    register(api, receiver.url)
    dirty = RoomFactory(housekeeping_status="dirty")
    stay = api.post(
        "/api/v1/stays/",
        {
            "guest": {"last_name": "Lamarr"},
            "arrival": "2020-01-01",
            "departure": "2099-01-01",
            "room": dirty.number,
        },
    ).json()

    assert api.post(f"/api/v1/stays/{stay['id']}/check-in/").status_code == 409

    assert not WebhookDelivery.objects.exists()


def test_the_delivery_log_is_readable_through_the_api(api, receiver):
    endpoint = register(api, receiver.url)
    reserve_and_check_in(api, RoomFactory())
    webhooks.send_due()

    log = api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()

    assert [(d["event_type"], d["status"], d["last_status_code"]) for d in log] == [
        ("stay.checked_in", "delivered", 204)
    ]
    # the latency the admin's log shows, also to the partner (docs/api.md promises both)
    assert log[0]["last_latency_ms"] == WebhookAttempt.objects.get().latency_ms


def test_unknown_event_types_are_refused(api):
    response = api.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9250/x", "event_types": ["stay.exploded"]}
    )
    assert response.status_code == 400
    assert "event_types" in response.json()["error"]["fields"]

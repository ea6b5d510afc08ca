"""With a real Celery worker and its beat: a check-in's webhook reaches a receiver that is down at first,
later, signed; nothing in the test sends it but the worker."""

import json

import pytest
from standardwebhooks.webhooks import Webhook

from hotelpbx.partners.models import DeliveryStatus, WebhookDelivery
from tests.factories import RoomFactory
from tests.pbx.link.worker import WorkerProcess, wait_until

from .receiver import Receiver

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_worker_delivers_after_the_receiver_comes_back(api, tmp_path):
    receiver = Receiver(answers=[503]).start()
    worker = WorkerProcess(
        tmp_path,
        # the receiver is on 127.0.0.1, as in the demo
        {"API_WEBHOOK_RETRY_BASE_SECONDS": "1", "PBX_URL": "", "API_WEBHOOK_ALLOW_PRIVATE": "true"},
    )
    try:
        endpoint = api.post(
            "/api/v1/webhooks/", {"url": receiver.url, "event_types": ["stay.checked_in"]}
        ).json()
        room = RoomFactory()
        stay = api.post(
            "/api/v1/stays/",
            {
                "guest": {"last_name": "Meitner"},
                "arrival": "2020-01-01",
                "departure": "2099-01-01",
                "room": room.number,
            },
        ).json()
        api.post(f"/api/v1/stays/{stay['id']}/check-in/")
        worker.start()

        seconds = wait_until(lambda: 204 in receiver.statuses, timeout=60)
    finally:
        worker.stop()
        receiver.stop()

    assert receiver.statuses[:2] == [503, 204]
    payload = Webhook(endpoint["secret"]).verify(receiver.received[1].body, receiver.received[1].headers)
    assert payload["type"] == "stay.checked_in" and payload["data"]["stay_id"] == stay["id"]
    assert json.loads(receiver.received[0].body)["id"] == payload["id"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    print(f"delivered by the worker {seconds:.1f} s after it started")

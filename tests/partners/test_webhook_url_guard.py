"""Webhook URLs may not reach into the hotel's own network (request forgery): loopback, private,
link-local and other non-public addresses are refused when registered and again when sent, unless the
hotel allows them. The demo and DEBUG allow them, so a receiver on 127.0.0.1 works there."""

import pytest

from hotelpbx.partners import webhooks
from hotelpbx.partners.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import RoomFactory

from .conftest import assert_error
from .receiver import Receiver

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://127.0.0.1:8000/hooks",
    "http://localhost/hooks",
    "http://[::1]/hooks",
    "http://10.1.2.3/hooks",
    "http://192.168.1.20:8080/hooks",
    "http://172.16.0.1/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://0.0.0.0/hooks",
    "http://100.64.0.1/hooks",
]


@pytest.fixture
def production(settings):
    settings.API_WEBHOOK_ALLOW_PRIVATE = False
    settings.API_WEBHOOK_ALLOWED_HOSTS = []
    return settings


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.mark.parametrize("url", REFUSED)
def test_a_url_on_a_non_public_address_is_refused_with_a_code(api, production, url):
    response = api.post("/api/v1/webhooks/", {"url": url})

    error = assert_error(response, 400, "webhook_url_not_allowed")
    assert "url" in error["fields"] and "API_WEBHOOK_ALLOWED_HOSTS" in error["message"]
    assert not WebhookEndpoint.objects.exists()


def test_a_host_that_does_not_resolve_is_refused(api, production):
    response = api.post("/api/v1/webhooks/", {"url": "https://pms.invalid/hooks"})

    assert_error(response, 400, "webhook_url_unresolvable")


def test_changing_an_endpoint_to_a_private_url_is_refused_too(api, production, settings):
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    endpoint = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hooks"}).json()
    settings.API_WEBHOOK_ALLOWED_HOSTS = []

    response = api.patch(f"/api/v1/webhooks/{endpoint['id']}/", {"url": "http://169.254.169.254/"})

    assert_error(response, 400, "webhook_url_not_allowed")
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1:9/hooks"


def test_a_url_without_http_or_with_credentials_is_refused(api, production):
    assert_error(api.post("/api/v1/webhooks/", {"url": "ftp://example.org/x"}), 400)
    assert_error(api.post("/api/v1/webhooks/", {"url": "http://u:p@example.org/x"}), 400)


def test_the_hotel_allows_a_host_or_a_network(api, production, settings):
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["localhost", "10.20.0.0/16"]

    for url in ("http://localhost:9/hooks", "http://10.20.3.4/hooks"):
        assert api.post("/api/v1/webhooks/", {"url": url}).status_code == 201, url
    assert_error(api.post("/api/v1/webhooks/", {"url": "http://10.21.0.1/hooks"}), 400)


def test_the_demo_and_debug_allow_a_local_receiver(api, settings):
    settings.API_WEBHOOK_ALLOW_PRIVATE = True  # what `make run` and DJANGO_DEBUG=true set

    assert api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hooks"}).status_code == 201


def test_at_delivery_the_address_reached_is_checked_again(api, receiver, settings):
    """A name that resolved to a public address when registered and to a private one when sent (DNS
    rebinding): the delivery is not made, and it is logged as a failed attempt."""
    api.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["room.status_changed"]})
    settings.API_WEBHOOK_ALLOW_PRIVATE = False  # the receiver's address is now one it may not reach
    room = RoomFactory()
    api.patch(f"/api/v1/rooms/{room.number}/", {"dnd": True})

    webhooks.send_due()

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "non-public address" in delivery.last_error


def test_at_delivery_an_allowed_local_receiver_gets_its_webhook(api, receiver, settings):
    api.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["room.status_changed"]})
    settings.API_WEBHOOK_ALLOW_PRIVATE = False
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8"]
    room = RoomFactory()
    api.patch(f"/api/v1/rooms/{room.number}/", {"dnd": True})

    webhooks.send_due()

    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_redirect_is_not_followed(api, settings):
    """The receiver answers 302 to the metadata address: that is its answer, a failure; nobody goes there."""
    redirecting = Receiver(answers=[302]).start()
    try:
        api.post("/api/v1/webhooks/", {"url": redirecting.url, "event_types": ["room.status_changed"]})
        room = RoomFactory()
        api.patch(f"/api/v1/rooms/{room.number}/", {"dnd": True})

        webhooks.send_due()

        delivery = WebhookDelivery.objects.get()
        assert delivery.last_status_code == 302 and delivery.status == DeliveryStatus.FAILED
        assert len(redirecting.received) == 1
    finally:
        redirecting.stop()

"""Managers make keys and replay deliveries in the admin; the key is shown once."""

import re

import pytest

from hotelpbx.partners.models import DeliveryStatus, Partner, PartnerKey, WebhookDelivery
from hotelpbx.partners.services import webhook_endpoint_create

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def test_a_manager_makes_a_key_and_sees_it_once(manager_client):
    partner = Partner.objects.create(name="Mews")

    response = manager_client.post(
        "/admin/partners/partnerkey/add/",
        {
            "partner": partner.pk,
            "name": "Mews prod",
            "scopes": '["rooms:read"]',
            "expiry_date_0": "",
            "expiry_date_1": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    [key] = re.findall(r"The API key for Mews prod is: (\S+)\. ", response.content.decode())
    assert ApiClient(key).get("/api/v1/rooms/").status_code == 200
    assert PartnerKey.objects.get().scopes == ["rooms:read"]
    assert key not in manager_client.get("/admin/partners/partnerkey/").content.decode()


def test_a_manager_replays_a_failed_delivery(manager_client):
    endpoint = webhook_endpoint_create(
        partner=Partner.objects.create(name="Mews"), url="http://127.0.0.1:9/x", event_types=[]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id="msg_1",
        event_type="stay.checked_in",
        payload={},
        status="failed",
        next_attempt_at="2026-01-01T00:00:00Z",
    )

    manager_client.post(
        "/admin/partners/webhookdelivery/",
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )

    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING


def test_the_front_desk_does_not_reach_the_partner_admin(desk_client):
    assert desk_client.get("/admin/partners/partnerkey/").status_code in (302, 403)


def test_a_manager_adds_an_endpoint_the_url_guard_applies_and_it_gets_a_secret(manager_client, settings):
    from hotelpbx.partners.models import WebhookEndpoint

    settings.API_WEBHOOK_ALLOW_PRIVATE = False
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["10.20.0.0/16"]
    partner = Partner.objects.create(name="Mews")
    form = {"partner": partner.pk, "event_types": "[]", "is_active": "on"}

    refused = manager_client.post(
        "/admin/partners/webhookendpoint/add/", {**form, "url": "http://169.254.169.254/latest/"}
    )
    added = manager_client.post("/admin/partners/webhookendpoint/add/", {**form, "url": "http://10.20.0.5/h"})

    assert refused.status_code == 200 and "non-public address" in refused.content.decode()
    assert added.status_code == 302
    assert WebhookEndpoint.objects.get().secret.startswith("whsec_")

"""Partners hear when the PBX link goes down and comes back: once per change."""

import json

import pytest
from django.utils import timezone

from hotelpbx.partners import webhooks
from hotelpbx.partners.models import Partner
from hotelpbx.partners.services import webhook_endpoint_create
from hotelpbx.pbx.models import PbxLink

from .receiver import Receiver

pytestmark = pytest.mark.django_db


def test_link_down_and_up_reach_the_partner_once_each(settings):
    settings.PBX_URL = "http://127.0.0.1:9"
    receiver = Receiver().start()
    try:
        webhook_endpoint_create(partner=Partner.objects.create(name="Mews"), url=receiver.url, event_types=[])
        link = PbxLink.get()

        assert webhooks.watch_pbx_link() is None  # up, as partners were last told
        PbxLink.objects.filter(pk=link.pk).update(down_since=timezone.now(), last_error="connection refused")
        assert webhooks.watch_pbx_link() == "pbx.link_down"
        assert webhooks.watch_pbx_link() is None
        PbxLink.objects.filter(pk=link.pk).update(down_since=None)
        assert webhooks.watch_pbx_link() == "pbx.link_up"
        webhooks.send_due()
    finally:
        receiver.stop()

    payloads = [json.loads(r.body) for r in receiver.received]
    assert [p["type"] for p in payloads] == ["pbx.link_down", "pbx.link_up"]
    assert payloads[0]["data"]["last_error"] == "connection refused"

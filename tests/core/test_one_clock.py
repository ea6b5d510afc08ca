"""One clock: pages and the admin show the hotel's local time, and name the zone."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from hotelpbx.core.models import AuditEntry
from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def test_the_admin_and_the_desk_show_hotel_local_time(client, manager_user, settings):
    settings.HOTEL_TIME_ZONE = "Asia/Tokyo"
    with time_machine.travel(datetime(2026, 3, 1, 1, 30, tzinfo=UTC), tick=False):
        AuditEntry.objects.create(action="room.notes", summary="a note")
        RoomFactory(number="101")
        client.force_login(manager_user)
        admin = client.get(reverse("admin:core_auditentry_changelist")).content.decode()
        board = client.get(reverse("rooms:board")).content.decode()
    assert "10:30" in admin  # 01:30 UTC is 10:30 in Tokyo
    assert "10:30 Asia/Tokyo" in board  # the navbar names the zone

"""The tablet puts first the work that matters now, and a supervisor shares the rooms out."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from hotelpbx.core.models import AuditEntry
from hotelpbx.core.timeutil import hotel_today
from rooms.models import HousekeepingStatus, Room
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory, in_house_stay

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def rooms_in_order(html: str) -> list[str]:
    return re.findall(r'<article id="room-[^"]+"[^>]*?data-room="([^"]+)"', html, re.S)


def tablet(client) -> str:
    return client.get(reverse("rooms:housekeeping")).content.decode()


@pytest.fixture
def morning(db):
    """101 clean; 102 vacant dirty; 103 vacant dirty held for today's arrival; 104 departing today;
    105 stay-over, dirty; 106 clean, to inspect."""
    rooms = {n: RoomFactory(number=n) for n in ("101", "102", "103", "104", "105", "106")}
    in_house_stay(room=rooms["104"], arrival=hotel_today() - timedelta(days=2), departure=hotel_today())
    in_house_stay(room=rooms["105"], departure=hotel_today() + timedelta(days=3))
    Room.objects.filter(number__in=["102", "103", "105"]).update(housekeeping_status=HousekeepingStatus.DIRTY)
    Room.objects.filter(number__in=["101", "106"]).update(housekeeping_status=HousekeepingStatus.CLEAN)
    Room.objects.filter(number="101").update(housekeeping_status=HousekeepingStatus.INSPECTED)
    StayFactory(room=rooms["103"], guest=GuestFactory(last_name="Arriving", vip=True))
    return rooms


def test_the_tablet_orders_arrival_rooms_then_vacant_dirty_then_departures(housekeeping_client, morning):
    order = rooms_in_order(tablet(housekeeping_client))
    assert order == ["103", "102", "104", "105", "106", "101"]


def test_a_supervisor_assigns_rooms_and_the_housekeeper_sees_hers_first(client, morning):
    anna = UserFactory(username="anna", first_name="Anna", role="Housekeeping")
    UserFactory(username="boris", role="Housekeeping")
    supervisor = UserFactory(username="sup", role="Housekeeping")
    supervisor.user_permissions.add(Permission.objects.get(codename="supervise_housekeeping"))

    client.force_login(anna)
    assert 'name="housekeeper"' not in tablet(client)  # a housekeeper cannot assign
    refused = client.post(
        reverse("rooms:housekeeping_assign", args=["106"]), {"housekeeper": anna.pk}, headers=HTMX
    )
    assert "Only a housekeeping supervisor assigns rooms." in refused.content.decode()

    client.force_login(supervisor)
    page = tablet(client)
    assert 'name="housekeeper"' in page and ">Anna<" in page
    answer = client.post(
        reverse("rooms:housekeeping_assign", args=["106"]), {"housekeeper": anna.pk}, headers=HTMX
    )
    assert "Room 106: assigned to Anna." in answer.content.decode()
    assert AuditEntry.objects.filter(action="room.assign_housekeeper", room_number="106").exists()

    client.force_login(anna)
    page = tablet(client)
    assert rooms_in_order(page)[0] == "106"
    assert "My rooms first: 1 assigned to me today." in re.sub(r"<[^>]+>", "", page)
    assert 'data-mine="true"' in page


def test_inspection_may_be_kept_for_supervisors(client, morning, settings):
    settings.HOUSEKEEPING_INSPECTION = "supervisor"
    maid = UserFactory(username="maid2", role="Housekeeping")
    client.force_login(maid)
    url = reverse("rooms:housekeeping_set_status", args=["106"])
    refused = client.post(url, {"status": "inspected"}, headers=HTMX)
    assert "Only a housekeeping supervisor may mark a room inspected" in refused.content.decode()
    assert Room.objects.get(number="106").housekeeping_status == HousekeepingStatus.CLEAN

    supervisor = UserFactory(username="sup2", role="Housekeeping")
    supervisor.user_permissions.add(Permission.objects.get(codename="supervise_housekeeping"))
    client.force_login(supervisor)
    client.post(url, {"status": "inspected"}, headers=HTMX)
    assert Room.objects.get(number="106").housekeeping_status == HousekeepingStatus.INSPECTED

    settings.HOUSEKEEPING_INSPECTION = "anyone"
    client.force_login(maid)
    client.post(reverse("rooms:housekeeping_set_status", args=["101"]), {"status": "dirty"}, headers=HTMX)
    client.post(reverse("rooms:housekeeping_set_status", args=["101"]), {"status": "clean"}, headers=HTMX)
    client.post(reverse("rooms:housekeeping_set_status", args=["101"]), {"status": "inspected"}, headers=HTMX)
    assert Room.objects.get(number="101").housekeeping_status == HousekeepingStatus.INSPECTED

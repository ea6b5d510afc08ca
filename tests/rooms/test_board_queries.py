"""The room board costs a fixed number of SQL queries, whether the hotel has 10 rooms or 1,000."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotelpbx.core.timeutil import hotel_today
from rooms.models import Guest, HousekeepingStatus, Room, RoomType, ServiceState, Stay, StayStatus

pytestmark = pytest.mark.django_db

# Session, user, roles, floors, room types, rooms, in-house stays, PBX sync state, and the
# whole-hotel counts when a filter is on: a budget with some room for the PBX link's own reads.
MAX_BOARD_QUERIES = 20

# Each variant finds some rooms in a hotel of 10 rooms as in one of 1,000 (an empty result skips the
# prefetch, which would make the counts differ for a reason that has nothing to do with size).
BOARD_VARIANTS = [
    ("rooms:board", {}),
    ("rooms:board_partial", {}),
    ("rooms:board", {"occupancy": "occupied", "housekeeping": "dirty"}),
    ("rooms:board_partial", {"q": "Guest", "departing": "on"}),
    ("rooms:board_partial", {"floor": "1", "service": "out", "room_type": "STD"}),
]


def build_hotel(room_count: int, occupied_share: float = 0.6) -> None:
    """Rooms, guests and in-house stays in bulk (the services would take minutes for 1,000 rooms)."""
    types = [
        RoomType.objects.get_or_create(code=code, defaults={"name": code, "capacity": cap})[0]
        for code, cap in (("STD", 2), ("SGL", 1), ("STE", 4))
    ]
    hk = [HousekeepingStatus.INSPECTED, HousekeepingStatus.CLEAN, HousekeepingStatus.DIRTY]
    rooms = Room.objects.bulk_create(
        Room(
            number=f"{1 + i // 100}{i % 100:02d}",
            floor=1 + i // 100,
            extension=f"3{i:04d}",
            room_type=types[i % 3],
            housekeeping_status=hk[i % 3],
            dnd=i % 7 == 0,
            service_state=ServiceState.OUT_OF_ORDER if i % 10 == 9 else ServiceState.IN_SERVICE,
            service_reason="leak" if i % 10 == 9 else "",
        )
        for i in range(room_count)
    )
    occupied = [r for r in rooms if r.service_state == ServiceState.IN_SERVICE][
        : int(room_count * occupied_share)
    ]
    guests = Guest.objects.bulk_create(
        Guest(first_name="Test", last_name=f"Guest{i}") for i in range(len(occupied))
    )
    today = hotel_today()
    Stay.objects.bulk_create(
        Stay(
            guest=guest,
            room=room,
            room_type=room.room_type,
            arrival=today - timedelta(days=2),
            departure=today if i % 5 == 0 else today + timedelta(days=2),
            status=StayStatus.IN_HOUSE,
            voicemail_pin="1234",
        )
        for i, (guest, room) in enumerate(zip(guests, occupied, strict=True))
    )


def count_queries(client, view_name: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse(view_name), params, HTTP_HX_REQUEST="true" if "partial" in view_name else None
        )
    assert response.status_code == 200
    return len(captured)


def board_query_counts(client) -> list[int]:
    client.get(reverse("rooms:board"))  # warm up: first request may refresh the session
    return [count_queries(client, name, params) for name, params in BOARD_VARIANTS]


def test_board_for_1000_rooms_stays_within_the_query_budget(desk_client, django_assert_max_num_queries):
    build_hotel(1000)
    assert Stay.objects.filter(status=StayStatus.IN_HOUSE).count() == 600
    desk_client.get(reverse("rooms:board"))
    for view_name, params in BOARD_VARIANTS:
        with django_assert_max_num_queries(MAX_BOARD_QUERIES):
            response = desk_client.get(reverse(view_name), params)
        assert response.status_code == 200
        if not params:
            assert response.content.decode().count("data-room=") == 1000


def test_board_queries_do_not_grow_with_the_hotel(client, front_desk_user):
    client.force_login(front_desk_user)
    build_hotel(10)
    small = board_query_counts(client)
    Stay.objects.all().delete()
    Guest.objects.all().delete()
    Room.objects.all().delete()
    build_hotel(1000)
    large = board_query_counts(client)
    assert small == large, f"10 rooms: {small}, 1,000 rooms: {large}"
    assert max(large) <= MAX_BOARD_QUERIES

"""A board refresh when nothing changed is a 304; any change the board shows makes it a 200 again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx.models import CommandStatus, PbxCommand, RouteGap
from rooms.services import room_set_status, stay_change_departure
from tests.factories import GuestFactory, RoomFactory, StayFactory, in_house_stay
from tests.rooms.board_html import tile

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def refresh(client, etag=None, **params):
    headers = dict(HTMX, **({"If-None-Match": etag} if etag else {}))
    return client.get(reverse("rooms:board_partial"), params, headers=headers)


def test_an_unchanged_board_is_not_modified_and_each_change_refreshes_it(
    desk_client, django_assert_max_num_queries
):
    room = RoomFactory(number="101")
    stay = in_house_stay(room=RoomFactory(number="102"), departure=hotel_today() + timedelta(days=2))
    first = refresh(desk_client)
    assert first.status_code == 200 and first["ETag"]
    etag = first["ETag"]

    with django_assert_max_num_queries(7):  # session, user, roles, its touch... and one of aggregates
        again = refresh(desk_client, etag)
    assert again.status_code == 304 and again.content == b""

    changes = [
        lambda: room_set_status(room=room, status="dirty"),
        lambda: stay_change_departure(stay=stay, departure=hotel_today() + timedelta(days=3)),
        lambda: StayFactory(room=RoomFactory(number="103")),
        lambda: PbxCommand.objects.create(extension="2101", seq=1, op="update", status=CommandStatus.PENDING),
        # a phone that cannot dial out (firmware without outroute/update) is marked on its tile
        lambda: RouteGap.objects.create(extension="2101", missing=["International"], reason="no update"),
        # the worker retried the pending command: its tile says why it is still waiting
        lambda: PbxCommand.objects.filter(extension="2101").update(
            attempts=1, next_attempt_at=timezone.now(), last_error="PBX unreachable"
        ),
    ]
    for change in changes:
        change()
        changed = refresh(desk_client, etag)
        assert changed.status_code == 200, change
        etag = changed["ETag"]
        assert refresh(desk_client, etag).status_code == 304

    assert refresh(desk_client, etag, floor="1").status_code == 200  # other filters, other board


def test_a_guest_or_a_room_type_changed_in_the_admin_refreshes_the_board(admin_client):
    guest = GuestFactory(first_name="Ada", last_name="Gold")
    stay = in_house_stay(room=RoomFactory(number="101"), guest=guest)
    etag = refresh(admin_client)["ETag"]
    assert refresh(admin_client, etag).status_code == 304

    form = {"first_name": "Ada", "last_name": "Gold", "language": guest.language, "vip": "on"}
    assert admin_client.post(f"/admin/rooms/guest/{guest.pk}/change/", form).status_code == 302
    changed = refresh(admin_client, etag)
    assert changed.status_code == 200
    assert "occupied by Gold, VIP" in tile(changed.content.decode(), "101").label
    etag = changed["ETag"]

    room_type = stay.room.room_type
    form = {"code": "DBL", "name": room_type.name, "capacity": 2, "rack_rate": "119.00"}
    assert admin_client.post(f"/admin/rooms/roomtype/{room_type.pk}/change/", form).status_code == 302
    changed = refresh(admin_client, etag)
    assert changed.status_code == 200 and "Room 101, DBL" in tile(changed.content.decode(), "101").label

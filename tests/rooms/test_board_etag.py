"""A board refresh when nothing changed is a 304; any change the board shows makes it a 200 again."""

from datetime import timedelta

import pytest
from django.urls import reverse

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx.models import CommandStatus, PbxCommand, RouteGap
from rooms.services import room_set_status, stay_change_departure
from tests.factories import RoomFactory, StayFactory, in_house_stay

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
    ]
    for change in changes:
        change()
        changed = refresh(desk_client, etag)
        assert changed.status_code == 200, change
        etag = changed["ETag"]
        assert refresh(desk_client, etag).status_code == 304

    assert refresh(desk_client, etag, floor="1").status_code == 200  # other filters, other board

"""A room assigned to a reservation is kept for that guest; the room picker says what each room can do."""

import html
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from hotelpbx.core.models import AuditEntry
from hotelpbx.core.timeutil import hotel_today
from rooms import selectors
from rooms.errors import RoomHeld
from rooms.models import HousekeepingStatus, ServiceState, StayStatus
from rooms.selectors import PickerFilters
from rooms.services import stay_check_in, stay_reserve
from tests.factories import GuestFactory, RoomFactory, RoomTypeFactory, StayFactory, in_house_stay
from tests.rooms.board_html import tile

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def words_of(response) -> str:
    """What a reader sees: tags dropped, white space collapsed."""
    return " ".join(strip_tags(text_of(response)).split())


@pytest.fixture
def vip_arrival(room_type):
    """Room 101 is kept for Ms Müller (VIP), arriving today at 14:00."""
    room = RoomFactory(number="101", room_type=room_type)
    guest = GuestFactory(first_name="Greta", last_name="Müller", vip=True)
    return StayFactory(room=room, guest=guest, eta=time(14, 0))


def test_a_held_room_is_refused_to_another_guest_and_taken_only_with_a_reason(vip_arrival, front_desk_user):
    other = StayFactory(room=None, room_type=vip_arrival.room.room_type)
    with pytest.raises(RoomHeld) as refused:
        stay_check_in(stay=other, room=vip_arrival.room, by=front_desk_user)
    assert "Room 101 is held for Müller (VIP), arriving today at 14:00." in refused.value.message
    other.refresh_from_db()
    assert other.status == StayStatus.RESERVED

    stay_check_in(stay=other, room=vip_arrival.room, by=front_desk_user, hold_override="VIP upgraded to 501")
    entry = AuditEntry.objects.get(action="room.hold_override")
    assert entry.actor == front_desk_user and entry.room_number == "101"
    assert "given to" in entry.summary and "VIP upgraded to 501" in entry.summary


def test_a_reservation_for_other_dates_does_not_hold_the_room_tonight(room_type):
    room = RoomFactory(number="102", room_type=room_type)
    StayFactory(room=room, arrival=hotel_today() + timedelta(days=3))
    tonight = StayFactory(room=None, room_type=room_type)
    assert stay_check_in(stay=tonight, room=room).status == StayStatus.IN_HOUSE


def test_a_future_reservation_cannot_be_given_a_room_held_on_those_nights(vip_arrival):
    with pytest.raises(RoomHeld):
        stay_reserve(
            guest=GuestFactory(),
            arrival=hotel_today() + timedelta(days=1),
            departure=hotel_today() + timedelta(days=4),
            room=vip_arrival.room,
        )


def test_the_board_and_the_tablet_mark_the_held_room(vip_arrival, desk_client, client, housekeeping_user):
    board = text_of(desk_client.get(reverse("rooms:board")))
    held = tile(desk_client.get(reverse("rooms:board")).content.decode(), "101")
    assert "held" in held.classes and "held" in held.marks
    assert "held for Müller (VIP), arriving today at 14:00" in held.label
    assert "Held for an arrival" in board  # the legend

    client.force_login(housekeeping_user)
    tablet = text_of(client.get(reverse("rooms:housekeeping")))
    assert 'data-arrival="today"' in tablet
    assert "Arrival today at 14:00 (VIP)" in tablet
    assert "Müller" not in tablet  # housekeeping sees no arriving guest's name


def test_walk_in_picker_leaves_the_held_room_out_of_the_choices(vip_arrival, desk_client):
    RoomFactory(number="103", room_type=vip_arrival.room.room_type)
    response = desk_client.get(reverse("rooms:walk_in"))
    assert [r.number for r in response.context["rooms"]] == ["103"]
    assert [r.number for r in response.context["held_rooms"]] == ["101"]
    text = text_of(response)
    assert 'data-room-choice="101"' not in text and 'data-held-choice="101"' in text

    refused = desk_client.post(
        reverse("rooms:walk_in"),
        {
            "last_name": "Walker",
            "language": "en",
            "departure": (hotel_today() + timedelta(days=1)).isoformat(),
            "adults": "1",
            "phone_class": "national",
            "room": "101",
        },
    )
    assert "Room 101 is held for Müller (VIP), arriving today at 14:00." in text_of(refused)
    assert not vip_arrival.room.stays.filter(status=StayStatus.IN_HOUSE).exists()


def test_check_in_of_an_arrival_whose_room_was_taken_says_so_and_selects_an_alternative(vip_arrival):
    in_house_stay(room=RoomFactory(number="199"), guest=GuestFactory(last_name="Early"))
    # another desk gave room 101 away with a reason
    walk = StayFactory(
        room=None, room_type=vip_arrival.room.room_type, guest=GuestFactory(last_name="Walker")
    )
    stay_check_in(stay=walk, room=vip_arrival.room, hold_override="no other room")
    alternative = RoomFactory(number="104", room_type=vip_arrival.room.room_type)

    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="desk2", role="Front desk"))
    response = client.get(reverse("rooms:check_in", args=[vip_arrival.pk]))
    text = text_of(response)
    assert "Room 101, booked for this guest, cannot be used: Occupied by Walker" in words_of(response)
    assert "Best alternatives: 104 (STD); room 104 is selected below." in words_of(response)
    assert response.context["selected"] == alternative.number
    assert 'value="104" checked' in text
    assert 'value="101" checked' not in text


def test_picker_labels_upgrades_and_shows_rooms_that_are_not_ready_with_the_reason(room_type):
    suite = RoomTypeFactory(code="STE", name="Suite", capacity=2, rack_rate="300.00")
    single = RoomTypeFactory(code="SGL", name="Single", capacity=2, rack_rate="80.00")
    RoomFactory(number="201", room_type=room_type)
    RoomFactory(number="202", room_type=suite, features="sea view, balcony")
    RoomFactory(number="203", room_type=single)
    RoomFactory(number="204", room_type=room_type, housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(
        number="305", room_type=room_type, service_state=ServiceState.OUT_OF_ORDER, service_reason="Leak"
    )
    picker = selectors.room_picker(adults=2, room_type=room_type)
    by_number = {r.number: r for r in picker.rooms}
    # the booked type first, then upgrades, then downgrades; rooms that cannot be taken last
    numbers = [r.number for r in picker.rooms]
    assert numbers[:3] == ["201", "202", "203"] and set(numbers[3:]) == {"204", "305"}
    assert (by_number["201"].fit, by_number["202"].fit, by_number["203"].fit) == ("", "Upgrade", "Downgrade")
    assert by_number["204"].problem == "Not ready: dirty."
    assert by_number["305"].problem == "Out of order: Leak"
    assert picker.best.number == "201"

    assert [r.number for r in selectors.room_picker(filters=PickerFilters(floor=3)).rooms] == ["305"]
    assert [r.number for r in selectors.room_picker(filters=PickerFilters(feature="sea")).rooms] == ["202"]
    assert [r.number for r in selectors.room_picker(filters=PickerFilters(room_type="SGL")).rooms] == ["203"]


def test_picker_for_a_later_stay_ignores_today_s_dirt_and_a_guest_leaving_before(room_type):
    room = RoomFactory(number="401", room_type=room_type, housekeeping_status=HousekeepingStatus.DIRTY)
    in_house_stay(
        room=RoomFactory(number="402", room_type=room_type), departure=hotel_today() + timedelta(days=2)
    )
    later = selectors.room_picker(
        arrival=hotel_today() + timedelta(days=2), departure=hotel_today() + timedelta(days=4)
    )
    assert {r.number: r.problem for r in later.rooms} == {"401": "", "402": ""}
    assert room.number in [r.number for r in later.rooms]


def test_picker_fragment_follows_its_filters_and_disables_rooms_not_ready(desk_client, room_type):
    RoomFactory(number="501", room_type=room_type)
    RoomFactory(number="502", room_type=room_type, housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(number="601", room_type=room_type)
    text = text_of(desk_client.get(reverse("rooms:room_suggestions"), {"picker_floor": "5"}))
    assert 'value="501"' in text and 'value="601"' not in text
    assert 'value="502" disabled' in text and "Not ready: dirty." in text


def test_picker_for_a_stay_uses_its_party_and_dates(desk_client, room_type):
    stay = StayFactory(room=None, room_type=room_type, adults=2)
    RoomFactory(number="701", room_type=RoomTypeFactory(code="SGL", capacity=1))
    RoomFactory(number="702", room_type=room_type)
    text = text_of(desk_client.get(reverse("rooms:room_suggestions"), {"picker_stay": stay.pk}))
    assert 'value="702"' in text and 'value="701"' not in text

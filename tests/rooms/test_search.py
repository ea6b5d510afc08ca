"""Searching people as the desk types them: accents and case never matter, on SQLite and PostgreSQL."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from hotelpbx.core.timeutil import hotel_today
from rooms import selectors
from rooms.models import Guest, Stay, StayStatus
from rooms.search import fold
from rooms.selectors import BoardFilters
from tests.factories import GuestFactory, RoomFactory, in_house_stay

pytestmark = pytest.mark.django_db

MULLERS = ["Müller", "Muller", "MÜLLER", "müller", "Müllér", "Mǖller", "Mueller-Müller", "Schmidt-Müller"]


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_fold_drops_accents_and_case():
    assert fold("  Müller ") == "muller"
    assert fold("Łódź") == "lodz"
    assert fold("Straße") == "strasse"
    assert fold("ØSTERGÅRD  Søren") == "ostergard soren"
    assert fold(None) == ""


def test_muller_finds_every_muller_and_lodz_finds_lodz():
    for name in MULLERS:
        GuestFactory(first_name="Anna", last_name=name)
    GuestFactory(first_name="Jan", last_name="Miller")
    lodz = GuestFactory(first_name="Łucja", last_name="Łódź")

    found = {g.last_name for g in selectors.guest_search("muller")}
    assert found == set(MULLERS)
    assert list(selectors.guest_search("lodz")) == [lodz]
    assert list(selectors.guest_search("LUCJA lodz")) == [lodz]
    assert len(selectors.guest_search("MÜLLER anna")) == len(MULLERS)


def test_the_folded_name_follows_renames_and_bulk_creates():
    guest = GuestFactory(first_name="Zoë", last_name="Smith")
    guest.last_name = "Ñúñez"
    guest.save(update_fields=["last_name"])
    assert Guest.objects.get(pk=guest.pk).search_name == "zoe nunez"
    Guest.objects.bulk_create([Guest(first_name="Çağla", last_name="Öztürk")])
    assert Guest.objects.get(last_name="Öztürk").search_name == "cagla ozturk"


def test_board_finds_an_in_house_guest_without_accents():
    room = RoomFactory(number="214")
    in_house_stay(room=room, guest=GuestFactory(first_name="Jürgen", last_name="Müller"))
    RoomFactory(number="215")
    numbers = [r.number for r in selectors.board_rooms(BoardFilters(query="muller"), annotate=False)]
    assert numbers == ["214"]
    numbers = [r.number for r in selectors.board_rooms(BoardFilters(query="JURGEN"), annotate=False)]
    assert numbers == ["214"]
    assert [r.number for r in selectors.board_rooms(BoardFilters(query="21"), annotate=False)] == [
        "214",
        "215",
    ]


def test_guest_search_page_board_and_in_house_list_find_muller(desk_client):
    in_house_stay(room=RoomFactory(number="301"), guest=GuestFactory(first_name="Jörg", last_name="Müller"))
    in_house_stay(room=RoomFactory(number="302"), guest=GuestFactory(first_name="Ada", last_name="Lovelace"))

    guests = text_of(desk_client.get(reverse("rooms:guest_search"), {"q": "muller"}))
    assert "Müller" in guests and "Lovelace" not in guests

    board = text_of(desk_client.get(reverse("rooms:board"), {"q": "muller"}))
    assert 'data-room="301"' in board and 'data-room="302"' not in board

    in_house = text_of(desk_client.get(reverse("rooms:in_house"), {"q": "jorg"}))
    assert "Müller" in in_house and "Lovelace" not in in_house
    assert 'name="q"' in in_house and 'value="jorg"' in in_house
    nobody = text_of(desk_client.get(reverse("rooms:in_house"), {"q": "nobody"}))
    assert "No guest in house matches “nobody”." in nobody
    by_room = text_of(desk_client.get(reverse("rooms:in_house"), {"q": "302"}))
    assert "Lovelace" in by_room and "Müller" not in by_room


def test_walk_in_lookup_finds_a_guest_typed_without_accents(desk_client):
    guest = GuestFactory(first_name="Łucja", last_name="Wąsowska")
    page = text_of(desk_client.get(reverse("rooms:walk_in"), {"guest_q": "wasowska"}))
    assert f'value="{guest.pk}"' in page


def _walk_in(client, room, **guest_fields):
    data = {
        "language": "en",
        "departure": (hotel_today() + timedelta(days=1)).isoformat(),
        "adults": "1",
        "phone_class": "national",
        "room": room.number,
        **guest_fields,
    }
    return client.post(reverse("rooms:walk_in"), data)


def test_a_walk_in_for_a_guest_already_in_house_warns_until_confirmed(desk_client):
    in_house_stay(room=RoomFactory(number="401"), guest=GuestFactory(first_name="Jörg", last_name="Müller"))
    free = RoomFactory(number="402")

    refused = _walk_in(desk_client, free, first_name="jorg", last_name="MULLER")
    assert refused.status_code == 200
    text = text_of(refused)
    assert "Already in house: Jörg Müller in room 401." in text
    assert 'name="confirm_in_house"' in text
    assert not Stay.objects.filter(room=free).exists()
    assert Guest.objects.count() == 1

    confirmed = _walk_in(desk_client, free, first_name="jorg", last_name="MULLER", confirm_in_house="on")
    assert confirmed.status_code == 302
    assert Stay.objects.get(room=free).status == StayStatus.IN_HOUSE


def test_a_walk_in_for_an_existing_guest_in_house_warns(desk_client):
    guest = GuestFactory(first_name="Ada", last_name="Lovelace")
    in_house_stay(room=RoomFactory(number="501"), guest=guest)
    refused = _walk_in(desk_client, RoomFactory(number="502"), guest=guest.pk)
    assert "Already in house: Ada Lovelace in room 501." in text_of(refused)


def _reserve(client, arrival, departure, **guest_fields):
    data = {
        "language": "en",
        "arrival": arrival.isoformat(),
        "departure": departure.isoformat(),
        "adults": "1",
        "phone_class": "national",
        **guest_fields,
    }
    return client.post(reverse("rooms:reservation_new"), data)


def test_a_new_reservation_for_a_guest_in_house_on_those_dates_warns_until_confirmed(desk_client):
    today = hotel_today()
    in_house_stay(
        room=RoomFactory(number="403"),
        guest=GuestFactory(first_name="Jörg", last_name="Müller"),
        departure=today + timedelta(days=3),
    )
    refused = _reserve(
        desk_client,
        today + timedelta(days=1),
        today + timedelta(days=4),
        last_name="MULLER",
        first_name="jorg",
    )
    assert refused.status_code == 200
    text = text_of(refused)
    assert "Already in house: Jörg Müller in room 403." in text
    assert 'name="confirm_in_house"' in text
    assert Stay.objects.filter(status=StayStatus.RESERVED).count() == 0
    assert Guest.objects.count() == 1

    confirmed = _reserve(
        desk_client,
        today + timedelta(days=1),
        today + timedelta(days=4),
        first_name="jorg",
        last_name="MULLER",
        confirm_in_house="on",
    )
    assert confirmed.status_code == 302
    assert Stay.objects.filter(status=StayStatus.RESERVED).count() == 1


def test_a_guest_in_house_booking_after_leaving_is_not_warned(desk_client):
    today = hotel_today()
    guest = GuestFactory(first_name="Ada", last_name="Lovelace")
    in_house_stay(room=RoomFactory(number="503"), guest=guest, departure=today + timedelta(days=2))
    later = _reserve(desk_client, today + timedelta(days=2), today + timedelta(days=5), guest=guest.pk)
    assert later.status_code == 302


def test_moving_a_reservation_onto_the_guests_stay_in_house_warns_until_confirmed(desk_client):
    from tests.factories import StayFactory

    today = hotel_today()
    guest = GuestFactory(first_name="Ada", last_name="Lovelace")
    in_house_stay(room=RoomFactory(number="504"), guest=guest, departure=today + timedelta(days=3))
    booking = StayFactory(
        guest=guest, room=None, arrival=today + timedelta(days=10), departure=today + timedelta(days=12)
    )
    url = reverse("rooms:reservation_edit", args=[booking.pk])
    data = {"adults": "1", "phone_class": "national", "room": ""}
    unchanged = {**data, "arrival": booking.arrival.isoformat(), "departure": booking.departure.isoformat()}
    assert desk_client.post(url, {**unchanged, "notes": "late arrival"}).status_code == 302

    earlier = {
        **data,
        "arrival": (today + timedelta(days=1)).isoformat(),
        "departure": (today + timedelta(days=4)).isoformat(),
    }
    refused = desk_client.post(url, earlier)
    assert refused.status_code == 200
    assert "Already in house: Ada Lovelace in room 504." in text_of(refused)
    booking.refresh_from_db()
    assert booking.arrival == today + timedelta(days=10)

    assert desk_client.post(url, {**earlier, "confirm_in_house": "on"}).status_code == 302
    booking.refresh_from_db()
    assert booking.arrival == today + timedelta(days=1)


def test_the_walk_in_and_the_new_reservation_ask_for_the_same_guest_fields(desk_client):
    fields = ("first_name", "last_name", "language", "vip", "email", "phone", "document_number")
    for url in (reverse("rooms:walk_in"), reverse("rooms:reservation_new")):
        page = text_of(desk_client.get(url))
        for name in fields:
            assert f'name="{name}"' in page, (url, name)
        assert "Language of phone prompts." in page

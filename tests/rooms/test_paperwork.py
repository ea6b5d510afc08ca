"""Desk paperwork: notes on stays and rooms, and a registration card to print and sign."""

import html

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from hotelpbx.core.models import AuditEntry
from tests.factories import GuestFactory, RoomFactory, RoomTypeFactory, StayFactory, in_house_stay

pytestmark = pytest.mark.django_db


def words(response) -> str:
    return " ".join(strip_tags(html.unescape(response.content.decode())).split())


def test_stay_and_room_notes_are_edited_on_their_pages(desk_client):
    stay = in_house_stay(room=RoomFactory(number="120"))
    response = desk_client.post(
        reverse("rooms:stay_notes", args=[stay.pk]), {"notes": "Feather-free pillows"}, follow=True
    )
    assert "Notes saved." in words(response)
    assert "Feather-free pillows" in response.content.decode()
    stay.refresh_from_db()
    assert stay.notes == "Feather-free pillows"

    room_page = desk_client.post(
        reverse("rooms:room_notes", args=["120"]), {"notes": "Window sticks"}, follow=True
    )
    assert "Window sticks" in room_page.content.decode()
    assert AuditEntry.objects.filter(action__in=["stay.notes", "room.notes"]).count() == 2

    too_long = desk_client.post(reverse("rooms:room_notes", args=["120"]), {"notes": "x" * 4001}, follow=True)
    assert "Notes are limited to 4000 characters." in words(too_long)


def test_the_registration_card_has_guest_dates_room_rate_and_a_signature_line(desk_client):
    suite = RoomTypeFactory(code="STE", name="Junior suite", rack_rate="180.00")
    guest = GuestFactory(
        first_name="Zoë", last_name="Ångström", email="zoe@example.org", document_number="X99"
    )
    stay = StayFactory(room=RoomFactory(number="501", room_type=suite), guest=guest)
    detail = desk_client.get(reverse("rooms:stay_detail", args=[stay.pk])).content.decode()
    assert reverse("rooms:registration_card", args=[stay.pk]) in detail

    card = words(desk_client.get(reverse("rooms:registration_card", args=[stay.pk])))
    assert "Registration card" in card and "Zoë Ångström" in card and "X99" in card
    assert "501 · Junior suite" in card
    assert f"{stay.nights} nights" in card
    assert "180.00 EUR per night · 360.00 EUR for the stay" in card
    assert "Guest's signature" in card

"""The desk types names as they come: without accents, in any case."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import GuestFactory, RoomFactory, UserFactory, in_house_stay

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_muller_and_lodz_are_found_on_the_board_guests_and_in_house(desk_page):
    in_house_stay(room=RoomFactory(number="101"), guest=GuestFactory(first_name="Jörg", last_name="Müller"))
    in_house_stay(room=RoomFactory(number="102"), guest=GuestFactory(first_name="Ada", last_name="Lovelace"))
    GuestFactory(first_name="Łucja", last_name="Łódź")
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")

    page.goto(reverse("rooms:board"))
    page.fill("#id_q", "muller")
    expect(page.locator('[data-room="102"]')).to_have_count(0)
    expect(page.locator('[data-room="101"]')).to_contain_text("Müller")

    page.goto(reverse("rooms:guest_search"))
    page.fill("input[name=q]", "LODZ")
    page.press("input[name=q]", "Enter")
    expect(page.locator("table")).to_contain_text("Łódź")

    page.goto(reverse("rooms:in_house"))
    page.fill("input[name=q]", "jorg muller")
    page.press("input[name=q]", "Enter")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table")).to_contain_text("Müller")


def test_the_walk_in_lookup_lists_the_guests_found_open_to_pick(desk_page):
    GuestFactory(first_name="Jörg", last_name="Müller", email="jorg@example.org")
    GuestFactory(first_name="Anna", last_name="Mueller-Müller")
    GuestFactory(first_name="Ada", last_name="Lovelace")
    RoomFactory(number="101")
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")

    page.goto(reverse("rooms:walk_in"))
    page.fill("#guest_q", "muller")
    expect(page.locator("#guest-found")).to_contain_text("2 guests found for “muller”: pick one above")
    listed = page.locator("#id_guest")
    expect(listed).to_have_attribute("size", "3")  # new guest and both Müllers, open to see
    expect(listed.locator("option", has_text="Müller, Jörg")).to_be_visible()
    expect(listed).not_to_contain_text("Lovelace")
    listed.select_option(label="Müller, Jörg · jorg@example.org")
    expect(page.locator("#new-guest")).to_be_hidden()

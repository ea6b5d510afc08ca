"""A reservation made today for a later date shows up on that day's arrivals and checks in on the day."""

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from hotelpbx.core.timeutil import hotel_now, hotel_today
from rooms.models import Stay, StayStatus
from tests.factories import RoomFactory, UserFactory

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reservation_then_arrival_on_a_later_date_then_check_in(desk_page):
    RoomFactory(number="101")
    RoomFactory(number="102")
    UserFactory(username="desk", role="Front desk")
    arrival = hotel_today() + timedelta(days=2)
    page = desk_page
    sign_in(page, "desk")

    # From the timeline, a free cell of room 102 two days ahead opens a reservation for it.
    page.goto(reverse("rooms:timeline"))
    expect(page.locator('[data-timeline-room="102"] [data-state="free"]')).to_have_count(14)
    screenshot(page, "timeline")
    page.locator(f'[data-timeline-room="102"] [data-day="{arrival.isoformat()}"] a').click()
    expect(page.locator("#id_arrival")).to_have_value(arrival.isoformat())
    expect(page.locator("#room-102")).to_be_checked()
    page.fill("#id_last_name", "Ångström")
    page.fill("#id_departure", (arrival + timedelta(days=3)).isoformat())
    page.fill("#id_eta", "16:00")
    page.get_by_role("button", name="Make the reservation").click()
    expect(page.locator(".messages")).to_contain_text("Reservation made for Ångström")
    stay = Stay.objects.get(guest__last_name="Ångström")
    assert (stay.arrival, stay.room.number, stay.eta) == (arrival, "102", time(16, 0))

    # Today's arrivals do not list her; two days on they do.
    page.goto(reverse("rooms:arrivals"))
    expect(page.locator("main")).not_to_contain_text("Ångström")
    page.get_by_label("Next day").click()
    page.get_by_label("Next day").click()
    expect(page.locator("h1")).to_contain_text(f"{arrival.day}")
    expect(page.locator("table")).to_contain_text("Ångström")

    # On the day she arrives, the desk checks her in to her room.
    on_the_day = datetime.combine(arrival, time(16, 5), tzinfo=hotel_now().tzinfo)
    # The desk's pages poll; once the clock jumps, their expired session sends them to the login page
    # on their own, racing the test's own navigation there. The shift starts from a blank page instead.
    page.goto("about:blank")
    with time_machine.travel(on_the_day, tick=True):
        sign_in(page, "desk")  # a new shift: yesterday's session has expired
        page.goto(reverse("rooms:arrivals"))
        row = page.locator("tr", has_text="Ångström")
        row.get_by_role("link", name="Check in").click()
        expect(page.locator("#room-102")).to_be_checked()
        page.get_by_role("button", name=re.compile("check in", re.I)).last.click()
        page.wait_for_url(re.compile(rf"/stays/{stay.pk}/$"))
        stay.refresh_from_db()
        assert stay.status == StayStatus.IN_HOUSE and stay.room.number == "102"


def test_a_reservation_for_a_guest_already_in_house_warns_before_it_is_made(desk_page):
    from tests.factories import GuestFactory, in_house_stay

    today = hotel_today()
    in_house_stay(
        room=RoomFactory(number="201"),
        guest=GuestFactory(first_name="Jürgen", last_name="Müller"),
        departure=today + timedelta(days=3),
    )
    RoomFactory(number="202")
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")

    page.goto(reverse("rooms:reservation_new"))
    page.fill("#id_first_name", "jurgen")
    page.fill("#id_last_name", "muller")  # typed without accents, as a busy desk does
    page.fill("#id_arrival", (today + timedelta(days=1)).isoformat())
    page.fill("#id_departure", (today + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Make the reservation").click()
    expect(page.locator("#form-errors")).to_contain_text("Already in house: Jürgen Müller in room 201")
    confirm = page.get_by_label("This is a different guest, or a second room for the same guest")
    expect(confirm).to_be_visible()
    screenshot(page, "reservation-guest-already-in-house")
    assert not Stay.objects.filter(status=StayStatus.RESERVED).exists()

    confirm.check()
    page.get_by_role("button", name="Make the reservation").click()
    expect(page.locator(".messages")).to_contain_text("Reservation made for jurgen muller")
    assert Stay.objects.filter(status=StayStatus.RESERVED).count() == 1


def test_the_room_choices_follow_the_dates_typed_into_a_new_reservation(desk_page):
    from tests.factories import GuestFactory, StayFactory, in_house_stay

    today = hotel_today()
    in_house_stay(room=RoomFactory(number="101"), departure=today + timedelta(days=2))
    StayFactory(
        room=RoomFactory(number="102"),
        guest=GuestFactory(last_name="Later"),
        arrival=today + timedelta(days=5),
        departure=today + timedelta(days=7),
    )
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")
    page.goto(reverse("rooms:reservation_new"))
    # tonight: 101 is occupied and cannot be picked, 102 is free
    expect(page.locator("#room-101")).to_be_disabled()
    expect(page.locator("#room-102")).to_be_enabled()

    page.fill("#id_departure", (today + timedelta(days=6)).isoformat())
    page.fill("#id_arrival", (today + timedelta(days=5)).isoformat())
    page.locator("#id_arrival").dispatch_event("change")
    # in five days: 101 is free again, 102 is kept for the guest arriving then
    expect(page.locator("#room-101")).to_be_enabled()
    expect(page.locator("details.held-rooms")).to_contain_text("102")
    screenshot(page, "reservation-room-choices-follow-the-dates", full_page=True)
    page.fill("#id_last_name", "Novak")
    page.locator('label[for="room-101"]').click()
    page.get_by_role("button", name="Make the reservation").click()
    expect(page.locator(".messages")).to_contain_text("Reservation made for Novak")
    assert Stay.objects.get(guest__last_name="Novak").room.number == "101"

"""Every desk page fits a 1024 px screen: no sideways scrolling, date inputs whole, board tiles readable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from hotelpbx.core.timeutil import hotel_today
from rooms.models import HousekeepingStatus, Room, ServiceState
from tests.factories import (
    GuestFactory,
    RoomFactory,
    RoomTypeFactory,
    StayFactory,
    UserFactory,
    in_house_stay,
)

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 1024, "height": 768}
MIN_TILE_TEXT_PX = 13


def overflow(page) -> dict:
    return page.evaluate(
        "({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )


def cut_date_inputs(page) -> list[str]:
    return page.evaluate(
        """[...document.querySelectorAll('input[type=date]')]
             .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width < 140)
             .map(el => el.name)"""
    )


@pytest.fixture
def hotel():
    suite = RoomTypeFactory(code="STE", name="Junior suite with a long name", capacity=4, rack_rate="250.00")
    rooms = [RoomFactory(number=f"{f}{n:02d}") for f in (1, 2, 3) for n in range(1, 25)]
    RoomFactory(number="401", room_type=suite, features="sea view, balcony, accessible")
    today = hotel_today()
    stays = [
        in_house_stay(
            room=room,
            guest=GuestFactory(first_name="Maximiliane-Charlotte", last_name=f"Schwarzenberg-Müller {i}"),
            departure=today + timedelta(days=1 + i % 3),
        )
        for i, room in enumerate(rooms[::4])
    ]
    Room.objects.filter(pk__in=[r.pk for r in rooms[1::5]]).update(
        housekeeping_status=HousekeepingStatus.DIRTY
    )
    Room.objects.filter(pk=rooms[-1].pk).update(
        service_state=ServiceState.OUT_OF_ORDER, service_reason="Water damage in the bathroom ceiling"
    )
    reservation = StayFactory(
        room=rooms[2], guest=GuestFactory(first_name="Greta", last_name="Lindqvist-Åberg", vip=True)
    )
    UserFactory(username="desk", role="Front desk")
    return {"stay": stays[0], "reservation": reservation, "room": rooms[0]}


def desk_pages(hotel) -> dict[str, str]:
    stay, reservation = hotel["stay"], hotel["reservation"]
    return {
        "board": reverse("rooms:board"),
        "arrivals": reverse("rooms:arrivals"),
        "departures": reverse("rooms:departures"),
        "in-house": reverse("rooms:in_house"),
        "guests": reverse("rooms:guest_search") + "?q=muller",
        "guest": reverse("rooms:guest_detail", args=[stay.guest.pk]),
        "room": reverse("rooms:room_detail", args=[hotel["room"].number]),
        "stay": reverse("rooms:stay_detail", args=[stay.pk]),
        "check-in": reverse("rooms:check_in", args=[reservation.pk]),
        "walk-in": reverse("rooms:walk_in"),
        "check-out": reverse("rooms:check_out", args=[stay.pk]),
        "move": reverse("rooms:room_move", args=[stay.pk]),
        "pbx": reverse("pbx:status"),
        "timeline": reverse("rooms:timeline"),
        "new-reservation": reverse("rooms:reservation_new"),
        "change-reservation": reverse("rooms:reservation_edit", args=[reservation.pk]),
        "extend": reverse("rooms:change_departure", args=[stay.pk]),
        "registration-card": reverse("rooms:registration_card", args=[stay.pk]),
        "housekeeping": reverse("rooms:housekeeping"),
        "calls": reverse("billing:calls"),
    }


def test_no_desk_page_scrolls_sideways_at_1024(browser, live_server, hotel):
    context = browser.new_context(viewport=NARROW, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "desk")
    too_wide, cut = {}, {}
    for name, url in desk_pages(hotel).items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        size = overflow(page)
        if size["scroll"] > size["client"]:
            too_wide[name] = size
            screenshot(page, f"too-wide-1024-{name}")
        if dates := cut_date_inputs(page):
            cut[name] = dates
    context.close()
    assert not too_wide, f"pages scrolling sideways at 1024 px: {too_wide}"
    assert not cut, f"date inputs too narrow to show a whole date: {cut}"


def test_the_navbar_collapses_at_1024_and_opens_on_demand(browser, live_server, hotel):
    context = browser.new_context(viewport=NARROW, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "desk")
    page.goto(reverse("rooms:board"))
    menu = page.get_by_role("link", name="Departures")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Show the menu").click()
    expect(menu).to_be_visible()
    context.close()


def test_board_tile_text_is_at_least_13_px_and_the_legend_names_every_mark(browser, live_server, hotel):
    context = browser.new_context(viewport=NARROW, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "desk")
    page.goto(reverse("rooms:board"))
    sizes = page.evaluate(
        """[...document.querySelectorAll('.room-grid > a, .room-grid > a *')]
             .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
             .map(el => parseFloat(getComputedStyle(el).fontSize))"""
    )
    assert sizes and min(sizes) >= MIN_TILE_TEXT_PX, f"smallest tile text: {min(sizes)} px"
    legend = page.locator(".board-legend")
    for mark in ("Occupied", "VIP", "Held for an arrival", "Phone set-up pending", "Out of order"):
        expect(legend).to_contain_text(mark)
    screenshot(page, "desk-board-1024")
    context.close()


def test_the_registration_card_prints_without_the_navigation(desk_page, hotel):
    sign_in(desk_page, "desk")
    desk_page.goto(reverse("rooms:registration_card", args=[hotel["stay"].pk]))
    expect(desk_page.get_by_role("button", name="Print")).to_be_visible()
    desk_page.emulate_media(media="print")
    expect(desk_page.locator(".app-navbar")).to_be_hidden()
    expect(desk_page.get_by_role("button", name="Print")).to_be_hidden()
    expect(desk_page.locator("#registration-card")).to_contain_text("Guest's signature")
    screenshot(desk_page, "registration-card-print")

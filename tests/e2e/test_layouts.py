"""Every desk page fits a 1440 and a 1024 px screen, and an upright tablet (768 px) too: no sideways
scrolling, whole date inputs, readable board tiles and tablet cards, thumb-sized targets on the tablet."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import expect

from billing.models import MinibarItem
from billing.services import folio_post_charge, house_account
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
    UserFactory(username="maid", role="Housekeeping")
    supervisor = UserFactory(username="sup", role="Housekeeping")
    supervisor.user_permissions.add(Permission.objects.get(codename="supervise_housekeeping"))
    MinibarItem.objects.create(code="11", name="Sparkling mineral water 0.5 l", price="3.50")
    MinibarItem.objects.create(code="12", name="Salted almonds", price="4.20", tax_rate="7")
    account = house_account("Restaurant")
    folio_post_charge(folio=account, kind="service", description="Dinner for two", amount=Decimal("86.40"))
    return {"stay": stays[0], "reservation": reservation, "room": rooms[0], "house_account": account}


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
        "cancel-reservation": reverse("rooms:reservation_cancel", args=[reservation.pk]),
        "extend": reverse("rooms:change_departure", args=[stay.pk]),
        "registration-card": reverse("rooms:registration_card", args=[stay.pk]),
        "housekeeping": reverse("rooms:housekeeping"),
        "wake-ups": reverse("wakeup:board"),
        "wake-up-alerts": reverse("wakeup:alerts"),
        "wake-up-report": reverse("wakeup:report"),
        "folio": reverse("billing:folio", args=[stay.pk]),
        "house-accounts": reverse("billing:house_accounts"),
        "house-account": reverse("billing:house_account", args=[hotel["house_account"].pk]),
        "late-charges": reverse("billing:late_charges"),
        "calls": reverse("billing:calls"),
    }


def tablet_pages(hotel) -> dict[str, str]:
    return {
        "housekeeping": reverse("rooms:housekeeping"),
        "minibar": reverse("billing:minibar_tablet", args=[hotel["room"].number]),
    }


# Where the desk and the housekeepers work: a desk screen, a tablet in landscape, a tablet upright.
SIZES = {
    "desk-1440": {"width": 1440, "height": 900},
    "landscape-1024": {"width": 1024, "height": 768},
    "portrait-768": {"width": 768, "height": 1024},
}
TOUCH_MIN_PX = 44


def small_text(page, selector: str) -> list[str]:
    """Text under MIN_TILE_TEXT_PX inside the elements `selector` finds (room tiles, tablet cards)."""
    return page.evaluate(
        """([selector, min]) => [...document.querySelectorAll(selector)]
             .flatMap(card => [card, ...card.querySelectorAll('*')])
             .filter(el => el.offsetParent !== null)
             .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
             .filter(el => parseFloat(getComputedStyle(el).fontSize) < min)
             .map(el => `${el.textContent.trim().slice(0, 30)} (${getComputedStyle(el).fontSize})`)
             .slice(0, 5)""",
        [selector, MIN_TILE_TEXT_PX],
    )


def small_touch_targets(page) -> list[str]:
    """Buttons, links and fields in a tablet page's main part that a thumb cannot hit (under 44 px)."""
    return page.evaluate(
        """(min) => [...document.querySelectorAll(
                'main button, main a, main select, main input:not([type=hidden]), main summary')]
             .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden'))
             .filter(el => !(el.tagName === 'A' && el.closest('p, li, td, dd')))  // a link in a sentence
             .filter(el => el.getBoundingClientRect().height < min)
             .map(el => `${el.tagName} ${(el.textContent || el.name || '').trim().slice(0, 30)}`
                        + ` (${Math.round(el.getBoundingClientRect().height)} px)`)
             .slice(0, 8)""",
        TOUCH_MIN_PX,
    )


def cut_labels(page) -> list[str]:
    """Buttons whose label is wider than the button (cut or spilling over its border)."""
    return page.evaluate(
        """[...document.querySelectorAll('main button, main .btn, main .hk-btn')]
             .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
             .map(el => `${el.textContent.trim().slice(0, 30)} (${el.scrollWidth} > ${el.clientWidth} px)`)
             .slice(0, 5)"""
    )


def columns(page, selector: str) -> int:
    return page.evaluate(
        """(selector) => new Set([...document.querySelectorAll(selector)]
             .map(el => Math.round(el.getBoundingClientRect().left))).size""",
        selector,
    )


@pytest.mark.parametrize("size", SIZES)
def test_every_desk_and_tablet_page_fits_and_reads_well(browser, live_server, hotel, size):
    """At each size, as a desk agent and as a housekeeper: no sideways scrolling, whole date inputs, the
    board's legend, text on tiles and cards of at least 13 px; on the tablet pages touch targets of 44 px,
    three columns of rooms in landscape and two upright."""
    viewport = SIZES[size]
    problems: dict[str, list] = {}

    def look(page, who: str, name: str, url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found = []
        wide = overflow(page)
        if wide["scroll"] > wide["client"]:
            found.append(f"scrolls sideways ({wide['scroll']} > {wide['client']} px)")
        if dates := cut_date_inputs(page):
            found.append(f"date inputs cut: {dates}")
        if cut := cut_labels(page):
            found.append(f"button labels cut: {cut}")
        if tiny := small_text(page, ".room-tile, article.hk-card, .room-choice"):
            found.append(f"text under {MIN_TILE_TEXT_PX} px: {tiny}")
        if name == "board" and not page.locator(".board-legend").is_visible():
            found.append("no legend")
        if who == "tablet":
            if small := small_touch_targets(page):
                found.append(f"touch targets under {TOUCH_MIN_PX} px: {small}")
            wanted = {"landscape-1024": 3, "portrait-768": 2}.get(size, 0)
            if name.startswith("housekeeping") and columns(page, "article.hk-card") < wanted:
                found.append(f"fewer than {wanted} columns of rooms")
        screenshot(page, f"layout-{size}-{who}-{name}")
        if found:
            problems[f"{who} {name}"] = found

    for who, username, pages in (
        ("desk", "desk", desk_pages(hotel)),
        ("tablet", "maid", tablet_pages(hotel)),
        ("tablet", "sup", {"housekeeping-supervisor": reverse("rooms:housekeeping")}),
    ):
        context = browser.new_context(viewport=viewport, has_touch=who == "tablet", base_url=live_server.url)
        page = context.new_page()
        sign_in(page, username)
        for name, url in pages.items():
            look(page, who, name, url)
        context.close()
    assert not problems, f"at {size}: {problems}"


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

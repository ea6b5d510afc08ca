"""The desk and a housekeeping tablet, side by side in a real Chromium, on one live server."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from hotelpbx.core.timeutil import hotel_today
from rooms.models import HousekeepingStatus, Room, RoomStatusChange, ServiceState, StatusSource
from rooms.services import room_set_status
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory, in_house_stay

from .conftest import TABLET_VIEWPORT, has_no_horizontal_scroll, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOUCH_MIN_PX = 44


def tile(page, number: str):
    return page.locator(f'[data-room="{number}"]').first


def has_class(name: str) -> re.Pattern:
    """A board tile's state is one class list (rooms/board_tiles.py): occ, dirty, clean, held..."""
    return re.compile(rf"(^|\s){name}(\s|$)")


def test_check_in_at_the_desk_then_housekeeping_cleans_next_door_and_the_board_follows(
    fast_board, desk_page, tablet_page
):
    arriving_room = RoomFactory(number="101", housekeeping_status=HousekeepingStatus.INSPECTED)
    RoomFactory(number="102", housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(number="103", housekeeping_status=HousekeepingStatus.INSPECTED)
    guest = GuestFactory(first_name="Ingrid", last_name="Lindqvist")
    reservation = StayFactory(room=arriving_room, guest=guest)
    UserFactory(username="desk", role="Front desk")
    housekeeper = UserFactory(username="maid", role="Housekeeping")

    # The desk checks the guest in through the check-in form.
    desk = desk_page
    sign_in(desk, "desk")
    desk.goto(reverse("rooms:check_in", args=[reservation.pk]))
    desk.get_by_role("button", name=re.compile(r"check.?in", re.I)).last.click()
    desk.wait_for_url(lambda url: reverse("rooms:check_in", args=[reservation.pk]) not in url)

    # The board shows the room occupied.
    desk.goto(reverse("rooms:board"))
    expect(tile(desk, "101")).to_have_class(has_class("occ"))
    expect(tile(desk, "101")).to_contain_text("Lindqvist")
    expect(tile(desk, "102")).to_have_class(has_class("dirty"))
    expect(tile(desk, "102")).to_contain_text("Dirty")
    desk.evaluate("window.__sameBoard = true")  # gone if the page reloads
    screenshot(desk, "desk-board-after-check-in")

    # On the tablet, housekeeping cleans next door (102) with one tap.
    tablet = tablet_page
    sign_in(tablet, "maid")
    expect(tablet).to_have_url(re.compile(r"/housekeeping/"))
    card = tablet.locator("#room-102")
    expect(card.locator(".hk-status")).to_have_text("Dirty")
    expect(tablet.locator("#room-101")).to_contain_text("Lindqvist")
    expect(tablet.locator("#room-101")).not_to_contain_text("Ingrid")
    card.get_by_role("button", name="Clean", exact=True).tap()
    expect(card).to_have_attribute("data-hk-status", "clean")
    expect(card.locator(".hk-status")).to_have_text("Clean")
    expect(card.get_by_role("status")).to_contain_text("Room 102: clean.")
    expect(tablet.locator("#hk-summary")).to_contain_text("0 departing today, 0 dirty, 3 rooms.")
    screenshot(tablet, "tablet-after-cleaning-102")

    change = RoomStatusChange.objects.get(room__number="102")
    assert (change.source, change.changed_by_id) == (StatusSource.TABLET, housekeeper.pk)

    # The desk's board picks it up at its own next refresh, without a reload.
    expect(tile(desk, "102")).to_have_class(has_class("clean"), timeout=10_000)
    expect(tile(desk, "102")).to_contain_text("Clean")
    assert desk.evaluate("window.__sameBoard === true")
    expect(tile(desk, "101")).to_have_class(has_class("occ"))
    expect(tile(desk, "101")).to_contain_text("Lindqvist")
    screenshot(desk, "desk-board-after-housekeeping")


def test_board_shows_84_rooms_at_1440_without_horizontal_scrolling(fast_board, desk_page):
    rooms = [RoomFactory(number=f"{floor}{n:02d}") for floor in range(1, 5) for n in range(1, 22)]
    today = hotel_today()
    for room in rooms[::3]:
        in_house_stay(room=room, departure=today + timedelta(days=2))
    for room in rooms[1::7]:
        Room.objects.filter(pk=room.pk).update(housekeeping_status=HousekeepingStatus.DIRTY)
    Room.objects.filter(pk=rooms[-1].pk).update(
        service_state=ServiceState.OUT_OF_ORDER, service_reason="Water damage in the bathroom ceiling"
    )
    UserFactory(username="desk", role="Front desk")

    sign_in(desk_page, "desk")
    desk_page.goto(reverse("rooms:board"))

    expect(desk_page.locator("[data-room]")).to_have_count(84)
    assert has_no_horizontal_scroll(desk_page), "the board scrolls sideways at 1440x900"
    screenshot(desk_page, "desk-board-84-rooms-1440")


def test_tablet_page_fits_768_and_every_button_is_touch_sized(tablet_page):
    rooms = [RoomFactory(number=f"{floor}{n:02d}") for floor in (1, 2) for n in range(1, 13)]
    today = hotel_today()
    in_house_stay(
        room=rooms[0],
        guest=GuestFactory(last_name="Vandenberghe-Oyelaran"),
        arrival=today - timedelta(days=3),
        departure=today,
    )
    in_house_stay(room=rooms[1], guest=GuestFactory(last_name="Ng"))
    Room.objects.filter(pk=rooms[1].pk).update(dnd=True, housekeeping_status=HousekeepingStatus.DIRTY)
    dirty_rooms = [r.pk for r in rooms[2:6]]
    Room.objects.filter(pk__in=dirty_rooms).update(housekeeping_status=HousekeepingStatus.DIRTY)
    Room.objects.filter(pk=rooms[7].pk).update(housekeeping_status=HousekeepingStatus.CLEAN)
    Room.objects.filter(pk=rooms[8].pk).update(
        service_state=ServiceState.OUT_OF_ORDER, service_reason="Heating / air conditioning: no heat"
    )
    UserFactory(username="maid", role="Housekeeping")

    page = tablet_page
    sign_in(page, "maid")
    expect(page.locator("article[data-room]")).to_have_count(24)
    assert has_no_horizontal_scroll(page), "the tablet page scrolls sideways at 768x1024"
    screenshot(page, "tablet-768-all-floors")
    screenshot(page, "tablet-768-all-floors-full", full_page=True)

    # Every button and floor choice is big enough for a thumb.
    targets = page.locator(".hk-btn:visible, .hk-floor:visible")
    assert targets.count() > 24 * 3
    boxes = [(target.inner_text().strip(), target.bounding_box()) for target in targets.all()]
    too_small = [(label, box) for label, box in boxes if box["height"] < TOUCH_MIN_PX]
    assert not too_small, f"touch targets under {TOUCH_MIN_PX}px: {too_small[:5]}"

    # A refused tap says why on the card: a dirty room cannot be inspected.
    dirty = page.locator(f"#room-{rooms[2].number}")
    dirty.get_by_role("button", name="Inspected", exact=True).tap()
    expect(dirty.get_by_role("alert")).to_have_text(
        re.compile("A dirty room must be cleaned before it can be inspected.")
    )
    expect(dirty).to_have_attribute("data-hk-status", "dirty")
    screenshot(page, "tablet-refused-tap", of=dirty)

    # Out of order: a reason is needed; the reason chips are touch-sized too.
    vacant = page.locator(f"#room-{rooms[9].number}")
    vacant.get_by_text("Out of order…").tap()
    chips = vacant.locator(".hk-reason span")
    expect(chips.first).to_be_visible()
    assert all(chip.bounding_box()["height"] >= TOUCH_MIN_PX for chip in chips.all())
    vacant.get_by_role("button", name=re.compile("out of order")).tap()
    expect(vacant.get_by_role("alert")).to_contain_text("a reason is required")
    vacant.get_by_text("Plumbing", exact=True).tap()
    vacant.get_by_label("Details").fill("shower drain blocked")
    screenshot(page, "tablet-out-of-order-form", of=vacant)
    vacant.get_by_role("button", name=re.compile("out of order")).tap()
    expect(vacant).to_have_attribute("data-service", "out_of_order")
    expect(vacant).to_contain_text("Out of order: Plumbing: shower drain blocked")
    screenshot(page, "tablet-out-of-order-done", of=vacant)
    assert has_no_horizontal_scroll(page)

    # Floor 2 only.
    page.get_by_role("link", name="Floor 2").tap()
    expect(page.locator("article[data-room]")).to_have_count(12)
    screenshot(page, "tablet-768-floor-2")


def test_tablet_list_refreshes_itself_with_changes_made_elsewhere(settings, tablet_page):
    settings.HOUSEKEEPING_REFRESH_SECONDS = 1
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.INSPECTED)
    RoomFactory(number="102", housekeeping_status=HousekeepingStatus.INSPECTED)
    UserFactory(username="maid", role="Housekeeping")
    page = tablet_page
    sign_in(page, "maid")
    expect(page.locator("article[data-room]")).to_have_count(2)
    expect(page.locator("article[data-room]").first).to_have_attribute("data-room", "101")
    page.evaluate("window.__sameTablet = true")

    # The desk (or a code on the room phone) marks 102 dirty: the tablet shows it, dirty rooms first.
    room_set_status(room=Room.objects.get(number="102"), status="dirty", source=StatusSource.DESK)

    expect(page.locator("#room-102")).to_have_attribute("data-hk-status", "dirty", timeout=8_000)
    expect(page.locator("article[data-room]").first).to_have_attribute("data-room", "102")
    expect(page.locator("#hk-summary")).to_contain_text("1 dirty")
    assert page.evaluate("window.__sameTablet === true"), "the tablet page reloaded instead of refreshing"


def test_tablet_without_javascript_still_sets_the_status(browser, live_server):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)
    UserFactory(username="maid", role="Housekeeping")
    context = browser.new_context(
        viewport=TABLET_VIEWPORT, has_touch=True, java_script_enabled=False, base_url=live_server.url
    )
    page = context.new_page()
    try:
        sign_in(page, "maid")
        page.locator("#room-101").get_by_role("button", name="Clean", exact=True).tap()

        expect(page).to_have_url(re.compile(r"/housekeeping/#room-101$"))
        expect(page.get_by_role("status").first).to_contain_text("Room 101: clean.")
        expect(page.locator("#room-101 .hk-status")).to_have_text("Clean")
        screenshot(page, "tablet-no-javascript")
    finally:
        context.close()


def test_a_tap_that_fails_or_finds_the_session_gone_is_never_silent(tablet_page):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)
    UserFactory(username="maid", role="Housekeeping")
    page = tablet_page
    sign_in(page, "maid")
    card = page.locator("#room-101")

    # The server fails: the card says the tap was not saved.
    page.route("**/housekeeping/rooms/101/status/", lambda route: route.fulfill(status=500, body="boom"))
    card.get_by_role("button", name="Clean", exact=True).tap()
    expect(card.get_by_role("alert")).to_contain_text("Not saved (error 500)")
    page.unroute("**/housekeeping/rooms/101/status/")

    # The shared tablet's session ran out: the next tap lands on the sign-in page, not inside a card.
    page.context.clear_cookies(name="sessionid")
    card.get_by_role("button", name="Clean", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("input[name=username]")).to_be_visible()
    assert Room.objects.get(number="101").housekeeping_status == HousekeepingStatus.DIRTY

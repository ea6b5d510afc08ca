"""The tablet in landscape: three columns or more, the work in order, and a supervisor's assignments."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import expect

from hotelpbx.core.timeutil import hotel_today
from rooms.models import HousekeepingStatus, Room
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory, in_house_stay

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANDSCAPE = {"width": 1024, "height": 768}


def test_tablet_order_landscape_columns_and_assignment(browser, live_server):
    rooms = {n: RoomFactory(number=n) for n in ("101", "102", "103", "104", "105", "106")}
    today = hotel_today()
    in_house_stay(room=rooms["104"], arrival=today - timedelta(days=2), departure=today)
    Room.objects.filter(number__in=["102", "103"]).update(housekeeping_status=HousekeepingStatus.DIRTY)
    StayFactory(room=rooms["103"], guest=GuestFactory(last_name="Arriving", vip=True))
    UserFactory(username="anna", first_name="Anna", role="Housekeeping")
    supervisor = UserFactory(username="sup", first_name="Sofia", role="Housekeeping")
    supervisor.user_permissions.add(Permission.objects.get(codename="supervise_housekeeping"))

    def tablet():
        context = browser.new_context(viewport=LANDSCAPE, has_touch=True, base_url=live_server.url)
        context.set_default_timeout(10_000)
        return context, context.new_page()

    # The supervisor gives room 105 to Anna.
    context, page = tablet()
    sign_in(page, "sup")
    page.goto(reverse("rooms:housekeeping"))
    cards = page.locator("article.hk-card")
    expect(cards).to_have_count(6)
    order = cards.evaluate_all("els => els.map(e => e.dataset.room)")
    assert order[:3] == ["103", "102", "104"], order
    expect(page.locator("#room-103")).to_contain_text("Arrival today (VIP)")
    lefts = cards.evaluate_all(
        "els => new Set(els.map(e => Math.round(e.getBoundingClientRect().left))).size"
    )
    assert lefts >= 3, f"{lefts} columns in landscape"
    page.select_option("#assign-105", label="Anna")
    page.locator("#room-105").get_by_role("button", name="Assign").click()
    expect(page.locator("#room-105")).to_contain_text("Room 105: assigned to Anna.")
    screenshot(page, "tablet-landscape-supervisor")
    context.close()

    # Anna sees her room first.
    context, page = tablet()
    sign_in(page, "anna")
    page.goto(reverse("rooms:housekeeping"))
    first = page.locator("article.hk-card").first
    expect(first).to_have_attribute("data-room", "105")
    expect(first).to_contain_text("My room")
    expect(page.locator("#hk-mine")).to_contain_text("1 assigned to me today")
    context.close()

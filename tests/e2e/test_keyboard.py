"""Keyboard and screen readers: `/` goes to the search, tiles say what the colours and icons say."""

import re
from datetime import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory, in_house_stay

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_slash_focuses_the_search_and_tiles_are_reachable_with_full_labels(desk_page):
    in_house_stay(room=RoomFactory(number="101"), guest=GuestFactory(last_name="Gold", vip=True))
    StayFactory(
        room=RoomFactory(number="102"), guest=GuestFactory(last_name="Next", vip=True), eta=time(9, 0)
    )
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")

    for name, field in [
        ("rooms:board", "#id_q"),
        ("rooms:in_house", "#in-house-q"),
        ("rooms:guest_search", "input[name=q]"),
        ("rooms:walk_in", "#guest_q"),
    ]:
        page.goto(reverse(name))
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("/")
        expect(page.locator(field)).to_be_focused()

    # a page without a search box: "/" goes to the guest search
    page.goto(reverse("rooms:arrivals"))
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("/")
    page.wait_for_url(re.compile(r"/guests/"))

    page.goto(reverse("rooms:board"))
    tile = page.locator('[data-room="101"]')
    expect(tile).to_have_attribute("aria-label", re.compile(r"occupied by Gold, VIP"))
    expect(page.locator('[data-room="102"]')).to_have_attribute(
        "aria-label", re.compile(r"held for Next \(VIP\), arriving today at 09:00")
    )
    page.locator("#id_q").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.room === '101'"):
            break
    else:
        pytest.fail("room tile 101 is not reachable with Tab")

"""The board's refresh asks with its ETag: unchanged is a 304 that leaves the board as it is."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rooms.models import Room
from tests.factories import RoomFactory, UserFactory

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_unchanged_refreshes_are_304_and_a_change_still_shows(fast_board, desk_page):
    RoomFactory(number="101")
    RoomFactory(number="102")
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/board/partial/" in r.url else None)
    asked = []
    page.on(
        "request",
        lambda r: asked.append(r.headers.get("if-none-match")) if "/board/partial/" in r.url else None,
    )
    sign_in(page, "desk")
    page.goto(reverse("rooms:board"))
    expect(page.locator("[data-room]")).to_have_count(2)
    page.wait_for_timeout(7_000)  # a few refreshes at 2 s
    assert any(asked) and 304 in statuses, (statuses, asked)
    expect(page.locator("[data-room]")).to_have_count(2)  # a 304 swaps nothing away

    Room.objects.filter(number="102").update(housekeeping_status="dirty")
    Room.objects.get(number="102").save()  # updated_at moves, as every service's save does
    expect(page.locator('[data-room="102"]')).to_contain_text("Dirty", timeout=10_000)
    expect(page.locator('[data-room="102"]')).to_have_class(re.compile(r"(^|\s)dirty(\s|$)"))

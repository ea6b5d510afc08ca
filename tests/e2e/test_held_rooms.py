"""A room kept for today's VIP is not offered to a walk-in; if it was taken anyway, her check-in says so."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from hotelpbx.core.models import AuditEntry
from hotelpbx.core.timeutil import hotel_today
from rooms.models import StayStatus
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_held_room_is_not_offered_then_taken_with_a_reason_and_the_vip_check_in_offers_alternatives(
    desk_page,
):
    held = RoomFactory(number="101")
    RoomFactory(number="102")
    RoomFactory(number="103")
    vip = StayFactory(
        room=held, guest=GuestFactory(first_name="Greta", last_name="Müller", vip=True), eta=time(14, 0)
    )
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")

    # The board marks the held room.
    page.goto(reverse("rooms:board"))
    tile = page.locator('[data-room="101"]')
    expect(tile).to_have_class(re.compile(r"(^|\s)held(\s|$)"))
    expect(tile.locator("i.held")).to_be_visible()  # the bookmark mark
    tile.hover()  # the mouse reads the same words as a tooltip
    expect(tile).to_have_attribute("title", re.compile("held for Müller \\(VIP\\), arriving today at 14:00"))
    expect(tile).to_have_attribute(
        "aria-label", re.compile("held for Müller \\(VIP\\), arriving today at 14:00")
    )

    # A walk-in is not offered room 101 among the choices.
    page.goto(reverse("rooms:walk_in"))
    choices = page.locator("[data-room-choice]")
    expect(choices).to_have_count(2)
    expect(page.locator('[data-room-choice="101"]')).to_have_count(0)
    screenshot(page, "walk-in-held-room-set-apart")

    # Taking it anyway needs a reason, which is audited.
    page.fill("#id_last_name", "Walker")
    page.fill("#id_departure", (hotel_today() + timedelta(days=1)).isoformat())
    page.locator("details.held-rooms summary").click()
    page.locator('label[for="room-101"]').click()
    page.get_by_role("button", name="Create and check in").click()
    expect(page.locator("#form-errors")).to_contain_text("Room 101 is held for Müller (VIP)")
    expect(page.locator("#id_hold_override")).to_be_visible()  # the held rooms stay open
    page.fill("#id_hold_override", "Guest insists, VIP gets 102")
    page.get_by_role("button", name="Create and check in").click()
    page.wait_for_url(re.compile(r"/stays/\d+/"))
    assert AuditEntry.objects.filter(action="room.hold_override", room_number="101").exists()

    # The VIP's check-in says her room was taken and selects the best alternative.
    page.goto(reverse("rooms:check_in", args=[vip.pk]))
    expect(page.locator("#booked-room-taken")).to_contain_text(
        "Room 101, booked for this guest, cannot be used"
    )
    expect(page.locator("#booked-room-taken")).to_contain_text("Best alternatives: 102")
    expect(page.locator("#room-102")).to_be_checked()
    expect(page.locator("#room-101")).to_be_disabled()
    expect(page.locator('[data-room-choice="101"]')).to_contain_text("Occupied by Walker")
    page.get_by_role("button", name=re.compile("check in", re.I)).last.click()
    page.wait_for_url(re.compile(rf"/stays/{vip.pk}/$"))
    vip.refresh_from_db()
    assert vip.status == StayStatus.IN_HOUSE and vip.room.number == "102"

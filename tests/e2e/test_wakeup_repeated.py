"""The desk sets an every-day wake-up from the stay page and sees it as one line with each day below."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from hotelpbx.core.timeutil import hotel_today
from rooms.models import StayStatus
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory

from .conftest import has_no_horizontal_scroll, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_every_day_wake_up_set_on_the_stay_page_shows_its_next_day_and_every_day(desk_page, settings):
    settings.PBX_URL = ""  # no PBX link: the days stay scheduled
    today = hotel_today()
    stay = StayFactory(
        room=RoomFactory(number="214", extension="2214"),
        arrival=today,
        departure=today + timedelta(days=3),
        status=StayStatus.IN_HOUSE,
        guest=GuestFactory(last_name="Okafor", language="en"),
    )
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")
    page.goto(reverse("rooms:stay_detail", args=[stay.pk]))

    panel = page.locator("#stay-wakeups")
    panel.locator("#stay-wakeup-day").fill((today + timedelta(days=1)).isoformat())
    panel.locator("#stay-wakeup-clock").fill("06:30")
    panel.locator("#stay-wakeup-repeat").select_option("daily")
    panel.get_by_role("button", name="Set wake-up").click()

    page.goto(reverse("rooms:stay_detail", args=[stay.pk]))
    series = page.locator("#stay-wakeups .wakeup-series")
    expect(series).to_have_count(1)
    expect(series).to_contain_text("Every day of the stay")
    expect(series.locator(".wakeup-next")).to_contain_text("06:30")
    expect(series.locator(".wakeup-day")).to_have_count(3)
    expect(series.get_by_role("button", name="Cancel all days")).to_be_visible()
    assert has_no_horizontal_scroll(page)
    screenshot(page, "stay-every-day-wake-up", of=page.locator("#stay-wakeups"))

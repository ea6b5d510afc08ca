"""The desk finds a guest's calls of the day from the menu on a 1024 px screen, filters them by a name
typed without accents and follows a charged call to its folio line, in a real Chromium."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import FolioLine
from billing.services import tariff_import
from tests.billing.conftest import STANDARD_TARIFF, send_cdr
from tests.factories import GuestFactory, RoomFactory, UserFactory, in_house_stay

from .conftest import has_no_horizontal_scroll, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 1024, "height": 768}


def test_the_desk_filters_the_days_calls_and_opens_the_folio_line_at_1024(browser, live_server, settings):
    settings.PBX_TIME_ZONE = settings.HOTEL_TIME_ZONE = "Europe/Berlin"
    tariff_import(text=STANDARD_TARIFF)
    muller = in_house_stay(
        room=RoomFactory(number="101", extension="2101"),
        guest=GuestFactory(first_name="Maximiliane-Charlotte", last_name="Schwarzenberg-Müller"),
    )
    in_house_stay(
        room=RoomFactory(number="102", extension="2102"),
        guest=GuestFactory(first_name="Marie", last_name="Curie"),
    )
    soon = timezone.now() + timedelta(seconds=20)
    send_cdr("e2e.1", at=soon, src="2101", dst="00442071234567", talk=190)  # charged 0.80
    send_cdr("e2e.2", at=soon, src="2102", dst="0900123456", talk=61)  # barred
    send_cdr("e2e.3", at=soon, src="2102", dst="0800123456", talk=61)  # free
    UserFactory(username="desk", role="Front desk")

    context = browser.new_context(viewport=NARROW, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "desk")
    page.goto(reverse("rooms:board"))
    page.get_by_role("button", name="Show the menu").click()
    page.get_by_role("button", name="Billing").click()  # the desk's money pages share one menu
    page.get_by_role("link", name="Calls", exact=True).click()

    calls = page.locator("#calls tbody tr")
    expect(calls).to_have_count(3)
    expect(page.locator("#calls thead")).to_contain_text("Started (Europe/Berlin)")
    expect(page.locator("#calls")).to_contain_text("barred number (not charged)")
    assert has_no_horizontal_scroll(page), "the calls page scrolls sideways at 1024 px"
    screenshot(page, "desk-calls-1024", full_page=True)

    page.get_by_label("Guest").fill("schwarzenberg muller")
    page.get_by_role("button", name="Filter").click()
    expect(calls).to_have_count(1)
    row = calls.first
    expect(row).to_contain_text("Maximiliane-Charlotte Schwarzenberg-Müller")
    expect(row).to_contain_text("00442071234xxx")
    expect(row).to_contain_text("0.80 EUR")
    assert has_no_horizontal_scroll(page)

    row.get_by_role("link", name="Folio line").click()
    line = FolioLine.objects.get(call_record__callid="e2e.1")
    expect(page).to_have_url(re.compile(rf"/billing/stays/{muller.pk}/folio/#line-{line.pk}$"))
    expect(page.locator(f"#line-{line.pk}")).to_contain_text("International mobile, 3 min 10 s")
    context.close()

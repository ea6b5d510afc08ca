# ruff: noqa: RUF001  (guests read a multiplication sign, U+00D7)
"""Minibar on a housekeeping tablet, then the desk settles the folio, issues and prints the invoice,
in a real Chromium."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import FolioLine, MinibarItem
from billing.services import tariff_import
from rooms.models import Stay, StayStatus
from tests.billing.conftest import STANDARD_TARIFF, send_cdr
from tests.factories import GuestFactory, RoomFactory, UserFactory, in_house_stay

from .conftest import has_no_horizontal_scroll, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOUCH_MIN_PX = 44


def test_tablet_minibar_then_folio_payment_check_out_and_invoice(desk_page, tablet_page, settings):
    settings.PBX_TIME_ZONE = settings.HOTEL_TIME_ZONE
    settings.CHECKOUT_CALL_WAIT_SECONDS = 0
    tariff_import(text=STANDARD_TARIFF)
    stay = in_house_stay(
        room=RoomFactory(number="101", extension="2101"),
        guest=GuestFactory(first_name="Ada", last_name="Lovelace"),
    )
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"), tax_rate=Decimal("7"))
    MinibarItem.objects.create(code="2001", name="Peanuts", price=Decimal("4.20"), tax_rate=Decimal("19"))
    send_cdr("1700000500.1", at=timezone.now() + timedelta(seconds=30), src="2101", talk=190)
    UserFactory(username="maid", role="Housekeeping")
    UserFactory(username="desk", role="Front desk")

    # Housekeeping counts the minibar on the tablet, from the room's card.
    tablet = tablet_page
    sign_in(tablet, "maid")
    tablet.locator("#room-101").get_by_role("link", name="Minibar").tap()
    # sizes are measured once the minibar page and its stylesheets have loaded
    tablet.wait_for_url(re.compile(r"/billing/minibar/rooms/101/$"), wait_until="load")
    water = tablet.get_by_label(re.compile("^Water"))
    assert water.bounding_box()["height"] >= TOUCH_MIN_PX
    water.fill("2")
    tablet.get_by_label(re.compile("^Peanuts")).fill("1")
    submit = tablet.get_by_role("button", name=re.compile("Post minibar"))
    assert submit.bounding_box()["height"] >= TOUCH_MIN_PX
    assert has_no_horizontal_scroll(tablet)
    submit.tap()
    expect(tablet.locator(".messages")).to_contain_text("Room 101: 3 minibar items posted.")
    screenshot(tablet, "tablet-minibar-posted")
    assert FolioLine.objects.filter(kind="minibar").count() == 2

    # The desk opens the folio from the stay page, sees the charges, takes the payment, checks out.
    desk = desk_page
    sign_in(desk, "desk")
    desk.goto(reverse("rooms:stay_detail", args=[stay.pk]))
    desk.locator("#stay-folio").click()
    expect(desk.locator("#folio-group-call")).to_contain_text("International mobile, 3 min 10 s")
    expect(desk.locator("#folio-group-minibar")).to_contain_text("Minibar: 2 × Water")
    expect(desk.locator("#folio-balance")).to_contain_text("12.00 EUR")  # 0.80 + 7.00 + 4.20
    desk.locator("#folio-check-out").get_by_role("button", name="Check out").click()
    expect(desk.locator("#form-errors")).to_contain_text("The folio has a balance of 12.00 EUR")
    payment = desk.locator("#folio-payment")
    payment.get_by_label(re.compile("Amount received")).fill("12.00")
    payment.get_by_label(re.compile("Paid by")).select_option("card")
    payment.get_by_role("button", name="Record payment").click()
    expect(desk.locator("#folio-balance")).to_contain_text("0.00 EUR")
    desk.locator("#folio-check-out").get_by_role("button", name="Check out").click()
    expect(desk.locator(".messages")).to_contain_text("checked out of room 101")
    assert Stay.objects.get(pk=stay.pk).status == StayStatus.CHECKED_OUT
    screenshot(desk, "desk-folio-settled", full_page=True)

    # The invoice reads well: itemised, masked number, taxes per rate, nothing owed.
    desk.locator("#issue-invoice").click()
    invoice = desk.locator("#invoice-body")
    expect(invoice).to_contain_text(re.compile(r"Invoice \d{4}-00001"))
    expect(invoice).to_contain_text("00442071234xxx")
    expect(invoice).to_contain_text("Contains 7 % tax on 7.00")
    expect(invoice).to_contain_text("Balance due")
    screenshot(desk, "desk-invoice", full_page=True)
    pdf = desk.request.get(desk.locator("#invoice-pdf").get_attribute("href"))  # with the desk's session
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")

# ruff: noqa: RUF001  (guests read a multiplication sign, U+00D7)
"""The invoice a guest takes home: itemised calls with masked numbers, minibar, taxes per rate, totals,
as printable HTML and as PDF, numbered without gaps."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceCounter, MinibarItem
from billing.services import (
    BillingError,
    MinibarCount,
    folio_for_stay,
    folio_record_payment,
    invoice_issue,
    minibar_post,
)
from rooms import services as rooms
from tests.billing.conftest import send_cdr
from tests.factories import GuestFactory, RoomFactory, StayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def folio_with_everything(standard_tariff):
    room = RoomFactory(extension="2101", number="101")
    stay = rooms.stay_check_in(
        stay=StayFactory(room=room, guest=GuestFactory(first_name="Marie", last_name="Curie"))
    )
    send_cdr(
        "1700000400.1", at=timezone.now() + timedelta(minutes=1), src="2101", dst="00442071234567", talk=190
    )
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"), tax_rate=Decimal("7"))
    minibar_post(room=room, counts=[MinibarCount("1045", 2)], source="desk", idempotency_key="t1")
    folio = folio_for_stay(stay)
    folio_record_payment(folio=folio, amount=Decimal("5.00"), method="cash")
    return folio


def test_the_invoice_itemises_calls_with_masked_numbers_minibar_taxes_and_totals(
    desk_client, folio_with_everything
):
    response = desk_client.post(reverse("billing:invoice_issue", args=[folio_with_everything.stay.pk]))
    invoice = Invoice.objects.get()
    assert response.url == reverse("billing:invoice", args=[invoice.pk])
    page = desk_client.get(response.url).content.decode()
    year = timezone.now().year
    assert f"Invoice {year}-00001" in page
    assert "Marie Curie" in page and "Room 101" in page
    assert "International mobile, 3 min 10 s: 0.20 for the first 2 min + 2 × 0.30 per min" in page
    assert "00442071234xxx" in page and "00442071234567" not in page  # INVOICE_MASK_DIGITS=3
    assert "Minibar: 2 × Water" in page
    assert "Contains 7 % tax on 7.00 (net 6.54)" in page  # 7.00 * 7/107 = 0.458 -> 0.46
    assert "Contains 19 % tax on 0.80 (net 0.67)" in page  # 0.80 * 19/119 = 0.128 -> 0.13
    assert "7.80 EUR" in page and "-5.00 EUR" in page and "2.80 EUR" in page  # charges, payments, due


def test_the_pdf_is_a_real_pdf_of_the_same_invoice(desk_client, folio_with_everything):
    invoice = invoice_issue(folio=folio_with_everything)
    response = desk_client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 3000
    assert f'filename="invoice-{invoice.label}.pdf"' in response["Content-Disposition"]


def test_invoice_numbers_run_without_gaps_and_a_refused_invoice_takes_no_number(
    folio_with_everything, settings
):
    first = invoice_issue(folio=folio_with_everything)
    empty = folio_for_stay(StayFactory(room=RoomFactory()))
    with pytest.raises(BillingError, match="no lines to invoice"):
        invoice_issue(folio=empty)
    second = invoice_issue(folio=folio_with_everything)
    assert (first.number, second.number) == (1, 2)
    assert InvoiceCounter.objects.get().last_number == 2


def test_an_invoice_shows_the_folio_as_it_was_when_issued(desk_client, folio_with_everything):
    invoice = invoice_issue(folio=folio_with_everything)
    folio_record_payment(folio=folio_with_everything, amount=Decimal("2.80"), method="card")
    page = desk_client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert "2.80 EUR" in page and "-7.80" not in page


def test_masking_can_be_switched_off(desk_client, folio_with_everything, settings):
    settings.INVOICE_MASK_DIGITS = 0
    invoice = invoice_issue(folio=folio_with_everything)
    assert "00442071234567" in desk_client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()

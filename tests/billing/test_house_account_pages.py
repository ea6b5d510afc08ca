"""House accounts at the desk: charges that belong to no stay ("Restaurant", "Lost & found") are opened,
posted, paid and voided with the same ledger rules as a guest's folio."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from billing.models import Folio, FolioKind, FolioLine
from billing.services import folio_balance, folio_post_charge, house_account
from hotelpbx.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def words(response) -> str:
    return " ".join(strip_tags(html.unescape(response.content.decode())).split())


def test_the_desk_menu_leads_to_the_house_accounts_with_their_balances(desk_client):
    restaurant = house_account("Restaurant")
    folio_post_charge(
        folio=restaurant, kind="service", description="Dinner, table 4", amount=Decimal("48.50")
    )
    house_account("Lost & found")
    board = desk_client.get(reverse("rooms:board")).content.decode()
    assert reverse("billing:house_accounts") in board

    text = words(desk_client.get(reverse("billing:house_accounts")))
    assert text.index("Lost & found") < text.index("Restaurant")
    assert "Restaurant" in text and "48.50" in text


def test_opening_an_account_lands_on_it_and_the_same_name_opens_the_same_account(
    desk_client, front_desk_user
):
    response = desk_client.post(reverse("billing:house_accounts"), {"name": "  Lost &  found "})
    account = Folio.objects.get(kind=FolioKind.HOUSE)
    assert account.name == "Lost & found"
    assert response.status_code == 302 and response.url == reverse("billing:house_account", args=[account.pk])
    assert AuditEntry.objects.filter(action="folio.house_open", actor=front_desk_user).exists()

    again = desk_client.post(reverse("billing:house_accounts"), {"name": "lost & FOUND"}, follow=True)
    assert "House account Lost & found is already open" in words(again)
    assert Folio.objects.filter(kind=FolioKind.HOUSE).count() == 1


def test_an_account_without_a_name_is_refused_in_words(desk_client):
    response = desk_client.post(reverse("billing:house_accounts"), {"name": "   "})
    assert response.status_code == 400
    assert "This field is required." in words(response)
    assert not Folio.objects.filter(kind=FolioKind.HOUSE).exists()


def test_charges_and_payments_are_posted_and_a_line_voided_with_a_reason(desk_client):
    account = house_account("Restaurant")
    url = reverse("billing:house_account", args=[account.pk])
    charge = {"kind": "service", "description": "Dinner, table 4", "amount": "48.50", "tax_rate": "7"}
    response = desk_client.post(
        reverse("billing:house_account_charge", args=[account.pk]), charge, follow=True
    )
    assert "Dinner, table 4 posted to Restaurant." in words(response)
    assert folio_balance(account) == Decimal("48.50")

    paid = {"amount": "20.00", "method": "cash", "reference": "till 2"}
    desk_client.post(reverse("billing:house_account_payment", args=[account.pk]), paid)
    text = words(desk_client.get(url))
    assert "Payment, cash (till 2)" in text and "Balance 28.50" in text

    line = FolioLine.objects.get(description="Dinner, table 4")
    void_url = reverse("billing:house_account_void", args=[account.pk, line.pk])
    refused = desk_client.post(void_url, {"reason": ""}, follow=True)
    assert "Say why the line is voided" in words(refused)
    desk_client.post(void_url, {"reason": "Wrong table"})
    assert folio_balance(account) == Decimal("-20.00")
    assert "Void: Dinner, table 4" in words(desk_client.get(url))


def test_a_charge_without_a_description_is_refused_and_nothing_is_posted(desk_client):
    account = house_account("Restaurant")
    bad = {"kind": "service", "description": "", "amount": "10", "tax_rate": "0"}
    response = desk_client.post(reverse("billing:house_account_charge", args=[account.pk]), bad)
    assert response.status_code == 400
    assert not account.lines.exists()


def test_a_stay_folio_is_not_a_house_account(desk_client):
    from billing.services import folio_for_stay
    from tests.factories import in_house_stay

    folio = folio_for_stay(in_house_stay())
    assert desk_client.get(reverse("billing:house_account", args=[folio.pk])).status_code == 404


def test_housekeeping_cannot_open_the_house_accounts(housekeeping_client):
    assert housekeeping_client.get(reverse("billing:house_accounts")).status_code == 403

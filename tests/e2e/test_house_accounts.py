"""A desk agent finds the house accounts in the Billing menu, opens one and posts a charge to it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import UserFactory

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_desk_opens_a_house_account_from_the_billing_menu_and_posts_a_charge(browser, live_server):
    UserFactory(username="desk", role="Front desk")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "desk")
    page.goto(reverse("rooms:board"))

    page.get_by_role("button", name="Show the menu").click()  # collapsed at 1024 px
    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="House accounts").click()
    expect(page.locator("h1")).to_have_text("House accounts")

    page.get_by_label("Name of the account").fill("Lost & found")
    page.get_by_role("button", name="Open").click()
    expect(page.locator("h1")).to_have_text("House account Lost & found")

    page.locator("#charge_description").fill("Courier: charger sent to Mr Okafor")
    page.locator("#charge_amount").fill("14.90")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("posted to Lost & found")
    expect(page.locator("#folio-balance")).to_contain_text("14.90")
    screenshot(page, "house-account-1024", full_page=True)

    page.get_by_role("link", name="House accounts").click()
    expect(page.locator('[data-account="Lost & found"]')).to_contain_text("14.90")
    context.close()

"""A wake-up alert the desk left unanswered reaches the manager wherever the manager is working: set
apart on the manager's pages, the Django admin included, and acknowledged from there."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from hotelpbx.core.timeutil import hotel_today
from rooms.models import StayStatus
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory
from wakeup import services
from wakeup.models import WakeupStatus

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_the_unanswered_alert_in_the_admin_and_acknowledges_it_there(desk_page, settings):
    settings.PBX_URL = ""  # no PBX link: nobody is dialled
    settings.WAKEUP_MANAGER_AFTER_MINUTES = 10
    today = hotel_today()
    stay = StayFactory(
        room=RoomFactory(number="318", extension="2318"),
        arrival=today,
        departure=today + timedelta(days=3),
        status=StayStatus.IN_HOUSE,
        guest=GuestFactory(last_name="Lindqvist", language="en"),
    )
    [wakeup] = services.wakeup_set(stay=stay, day=today + timedelta(days=1), clock=time(6, 30))
    services.escalate(wakeup, "Not answered (no answer): go or call the room.")
    services.alert_to_manager(wakeup.alert.pk, timezone.now())
    UserFactory(username="manager", role="Manager", is_staff=True)
    page = desk_page
    sign_in(page, "manager")

    for name in ("billing:tariffs", "admin:index"):
        page.goto(reverse(name))
        alert = page.locator("#wakeup-alerts .wakeup-alert-manager")
        expect(alert).to_contain_text("Unanswered for 10 min — sent to you")
        expect(alert).to_contain_text("Wake-up room 318")
        expect(alert).to_contain_text("No manager extension is set: the manager was not called.")
        assert alert.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(33, 37, 41)"  # dark
        # the strip's sound component (Alpine, wakeupAlarm) runs here too: it beeps while alerts are open
        page.wait_for_function("() => !!document.querySelector('#wakeup-alerts')._x_dataStack")
        screenshot(page, f"manager-wake-up-alert-on-{name.replace(':', '-')}")

    alert.get_by_placeholder("What was done").fill("Called the room myself, guest awake")
    alert.get_by_role("button", name="Acknowledge as").click()
    expect(page.locator("#wakeup-alerts .wakeup-alert")).to_have_count(0)
    wakeup.refresh_from_db()
    assert wakeup.status == WakeupStatus.HANDLED
    assert wakeup.alert.action_taken == "Called the room myself, guest awake"

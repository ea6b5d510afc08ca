"""Script injection, tried in a real Chromium: a crafted link runs nothing, and the pages work under the CSP.

Each page is opened with each payload in each query parameter it reads, signed in as the front desk,
a manager (who also has the admin) and housekeeping. No dialog may open and the browser may report no
Content Security Policy violation: the app's own scripts run without inline code or `eval`.
"""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rooms.models import HousekeepingStatus, Room
from rooms.services import room_set_status
from tests.factories import (
    GuestFactory,
    RoomFactory,
    RoomTypeFactory,
    StayFactory,
    UserFactory,
    in_house_stay,
)

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "'+alert(document.domain)+'",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "</script><script>alert(1)</script>",
    "';alert(1);//\\",
]

# Records every CSP violation the browser reports, before any of the page's own code runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                              (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


class Watch:
    """Dialogs, CSP violations and console errors of one page."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message} at {self.page.url}")
        dialog.dismiss()

    def _console(self, message):
        if message.type == "error" or "Content Security Policy" in message.text:
            self.console.append(f"{message.text} at {self.page.url}")

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 500, f"{url}: {response and response.status}"
        # Alpine and htmx have started by the load event; give timers and the badge a moment.
        self.page.wait_for_timeout(150)
        violations = self.page.evaluate("window.__cspViolations || []")
        self.console += [f"CSP violation {v} at {url}" for v in violations]

    def assert_clean(self) -> None:
        assert not self.dialogs, "a payload ran:\n" + "\n".join(self.dialogs)
        csp = [line for line in self.console if "Content Security Policy" in line or "CSP" in line]
        assert not csp, "the CSP blocked the app's own code:\n" + "\n".join(csp)
        # a GET for a page that does not exist (an id in a payload) may log a 404; nothing else may fail
        others = [line for line in self.console if "404" not in line and "400" not in line]
        assert not others, "errors in the browser:\n" + "\n".join(others)


def with_payloads(path: str, params: list[str]) -> list[str]:
    return [f"{path}?{urlencode({param: payload})}" for param in params for payload in PAYLOADS]


@pytest.fixture
def hotel():
    double = RoomTypeFactory(code="DBL", name="Double")
    room = RoomFactory(number="101", room_type=double, housekeeping_status=HousekeepingStatus.INSPECTED)
    RoomFactory(number="102", room_type=double, housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(number="201", room_type=double, housekeeping_status=HousekeepingStatus.INSPECTED)
    guest = GuestFactory(first_name="Ingrid", last_name="Lindqvist")
    GuestFactory(first_name="Oskar", last_name="Lindgren")
    reservation = StayFactory(room=RoomFactory(number="103", room_type=double), guest=guest)
    staying = in_house_stay(room=room, guest=GuestFactory(last_name="Okafor"))
    UserFactory(username="desk", role="Front desk")
    UserFactory(username="boss", role="Manager", is_staff=True, is_superuser=True)
    UserFactory(username="maid", role="Housekeeping")
    return {"guest": guest, "reservation": reservation, "staying": staying, "room": room}


def desk_urls(hotel) -> list[str]:
    reservation, staying, guest = hotel["reservation"], hotel["staying"], hotel["guest"]
    urls = (
        with_payloads(
            reverse("rooms:board"),
            ["floor", "occupancy", "housekeeping", "service", "room_type", "departing", "q"],
        )
        + with_payloads(reverse("rooms:guest_search"), ["q"])
        + with_payloads(reverse("rooms:walk_in"), ["guest", "room", "guest_q"])
        + with_payloads(reverse("rooms:room_suggestions"), ["adults", "room_type", "room"])
    )
    # pages that read no parameter still get one
    for path in [
        reverse("home"),
        reverse("rooms:arrivals"),
        reverse("rooms:departures"),
        reverse("rooms:in_house"),
        reverse("rooms:guest_detail", args=[guest.pk]),
        reverse("rooms:room_detail", args=[hotel["room"].number]),
        reverse("rooms:stay_detail", args=[staying.pk]),
        reverse("rooms:check_in", args=[reservation.pk]),
        reverse("rooms:check_out", args=[staying.pk]),
        reverse("rooms:room_move", args=[staying.pk]),
        reverse("pbx:status"),
    ]:
        urls.append(f"{path}?{urlencode({'q': PAYLOADS[0], 'next': PAYLOADS[1]})}")
    return urls


def test_a_crafted_link_runs_no_script_on_any_desk_page(hotel, desk_page):
    watch = Watch(desk_page)
    sign_in(desk_page, "desk")
    for url in desk_urls(hotel):
        watch.open(url)
    watch.assert_clean()


def test_a_crafted_link_runs_no_script_for_a_manager_nor_in_the_admin(hotel, desk_page):
    watch = Watch(desk_page)
    sign_in(desk_page, "boss")
    urls = with_payloads(reverse("rooms:board"), ["q"]) + with_payloads(reverse("rooms:walk_in"), ["guest"])
    urls += [
        reverse("admin:index"),
        *with_payloads(reverse("admin:rooms_room_changelist"), ["q", "o"]),
        *with_payloads(reverse("admin:rooms_guest_changelist"), ["q"]),
        reverse("admin:rooms_room_change", args=[hotel["room"].pk]),
        reverse("admin:rooms_stay_add"),
        reverse("admin:auth_user_changelist"),
    ]
    for url in urls:
        watch.open(url)
    # The admin's own scripts work: the changelist's "select all" ticks every row.
    watch.open(reverse("admin:rooms_room_changelist"))
    desk_page.locator("#action-toggle").check()
    expect(desk_page.locator("input.action-select:checked")).to_have_count(4)
    expect(desk_page.locator(".action-counter")).to_contain_text("4 of 4 selected")
    watch.assert_clean()


def test_a_crafted_link_runs_no_script_on_the_housekeeping_tablet(hotel, tablet_page):
    watch = Watch(tablet_page)
    sign_in(tablet_page, "maid")
    for url in with_payloads(reverse("rooms:housekeeping"), ["floor"]) + with_payloads(
        reverse("rooms:housekeeping_partial"), ["floor"]
    ):
        watch.open(url)
    # Under the CSP the tablet still works: a tap marks room 102 clean through htmx.
    watch.open(reverse("rooms:housekeeping"))
    card = tablet_page.locator("#room-102")
    card.get_by_role("button", name="Clean", exact=True).tap()
    expect(card).to_have_attribute("data-hk-status", "clean")
    watch.assert_clean()


def test_the_walk_in_form_works_under_the_csp_and_the_guest_link_only_selects_a_guest(hotel, desk_page):
    watch = Watch(desk_page)
    sign_in(desk_page, "desk")
    page = desk_page
    new_guest = page.locator("#new-guest")

    # The link from a guest's page picks the guest: the new-guest fields are hidden (Alpine).
    watch.open(f"{reverse('rooms:walk_in')}?guest={hotel['guest'].pk}")
    expect(page.locator("#id_guest")).to_have_value(str(hotel["guest"].pk))
    expect(new_guest).to_be_hidden()
    page.select_option("#id_guest", "")
    expect(new_guest).to_be_visible()

    # Searching (htmx) fills the picker; choosing a found guest hides the fields again (Alpine).
    page.fill("#guest_q", "Lindgren")
    expect(page.locator("#id_guest option")).to_have_count(2)
    expect(page.locator("#guest-picker")).to_contain_text("1 guest found for “Lindgren”: pick one above")
    oskar = page.locator("#id_guest option", has_text="Lindgren").get_attribute("value")
    page.select_option("#id_guest", oskar)
    expect(new_guest).to_be_hidden()

    # A payload in the guest parameter is a guest that does not exist: nothing runs, a new guest it is.
    watch.open(f"{reverse('rooms:walk_in')}?{urlencode({'guest': PAYLOADS[0]})}")
    expect(new_guest).to_be_visible()
    watch.assert_clean()


def test_the_board_filters_and_refreshes_under_the_csp(hotel, fast_board, desk_page):
    watch = Watch(desk_page)
    sign_in(desk_page, "desk")
    page = desk_page
    watch.open(reverse("rooms:board"))
    expect(page.locator("[data-room]")).to_have_count(4)
    page.fill("#id_q", "Okafor")  # htmx filters as one types
    expect(page.locator("[data-room]")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=Okafor"))
    # the board polls by itself: a change made elsewhere shows up without a reload
    page.fill("#id_q", "")
    expect(page.locator("[data-room]")).to_have_count(4)
    page.evaluate("window.__sameBoard = true")
    room_set_status(room=Room.objects.get(number="102"), status=HousekeepingStatus.CLEAN)
    expect(page.locator('[data-room="102"]').first).to_contain_text("Clean", timeout=10_000)
    assert page.evaluate("window.__sameBoard === true")
    watch.assert_clean()


def test_the_tablet_does_not_refresh_under_someone_typing_a_reason(hotel, settings, tablet_page):
    settings.HOUSEKEEPING_REFRESH_SECONDS = 1
    watch = Watch(tablet_page)
    sign_in(tablet_page, "maid")
    page = tablet_page
    card = page.locator("#room-201")
    card.get_by_text("Out of order…").tap()
    card.get_by_label("Details").fill("window will not close")

    # A change made elsewhere waits while the form is open: what was typed stays.
    Room.objects.filter(number="102").update(housekeeping_status=HousekeepingStatus.CLEAN)
    page.wait_for_timeout(3_000)
    expect(card.get_by_label("Details")).to_have_value("window will not close")
    expect(page.locator("#room-102")).to_have_attribute("data-hk-status", "dirty")

    # Closed again, the next refresh brings the change.
    card.get_by_text("Out of order…").tap()
    expect(page.locator("#room-102")).to_have_attribute("data-hk-status", "clean", timeout=5_000)
    watch.assert_clean()

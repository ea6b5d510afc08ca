"""The housekeeping tablet page, as the person holding the tablet sees it."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from hotelpbx.core.timeutil import hotel_today
from rooms.models import HousekeepingStatus, Room, RoomStatusChange, ServiceState, StatusSource
from tests.factories import GuestFactory, RoomFactory, StayFactory, in_house_stay

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def page(client, **params) -> str:
    response = client.get(reverse("rooms:housekeeping"), params)
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, number: str) -> str:
    """The HTML of one room's card."""
    match = re.search(rf'<article id="room-{number}".*?</article>', html, re.S)
    assert match, f"no card for room {number}"
    return match.group(0)


def text(html: str) -> str:
    """Visible words only, whitespace collapsed: what a person reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rooms_in_order(html: str) -> list[str]:
    return re.findall(r'<article id="room-[^"]+"[^>]*?data-room="([^"]+)"', html, re.S)


def tap(client, number: str, status: str, *, htmx: bool = True, **data):
    url = reverse("rooms:housekeeping_set_status", args=[number])
    return client.post(url, {"status": status, **data}, headers=HTMX if htmx else {}, follow=not htmx)


# ---- the list -----------------------------------------------------------------------------------


def test_vacant_dirty_first_then_departures_then_clean_then_inspected(housekeeping_client):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.INSPECTED)
    RoomFactory(number="102", housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(number="103", housekeeping_status=HousekeepingStatus.CLEAN)
    departing = RoomFactory(number="104")
    today = hotel_today()
    in_house_stay(room=departing, arrival=today - timedelta(days=2), departure=today)

    html = page(housekeeping_client)

    # a vacant dirty room can be sold today once cleaned; the departure is still occupied
    assert rooms_in_order(html) == ["102", "104", "103", "101"]
    assert "Departing today" in text(card(html, "104"))
    assert "Dirty" in text(card(html, "102"))
    assert "1 departing today, 1 dirty, 4 rooms" in text(html)


def test_a_floor_button_shows_that_floor_only(housekeeping_client):
    RoomFactory(number="101")
    RoomFactory(number="201")
    RoomFactory(number="202")

    html = page(housekeeping_client, floor="2")

    assert sorted(rooms_in_order(html)) == ["201", "202"]
    assert 'aria-current="page"' in re.search(r'<a[^>]*href="[^"]*floor=2"[^>]*>', html).group(0)
    assert "All floors" in text(html)
    # the refresh asks for the same floor every 30 s
    assert re.search(r'hx-get="[^"]*/housekeeping/partial/\?floor=2"', html)
    assert 'data-poll-seconds="30"' in html


def test_the_refresh_returns_the_list_without_the_page(housekeeping_client):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)
    RoomFactory(number="201")

    response = housekeeping_client.get(reverse("rooms:housekeeping_partial"), {"floor": "1"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert rooms_in_order(html) == ["101"]


def test_card_shows_surname_only_and_no_money(housekeeping_client):
    room = RoomFactory(number="105", room_type__rack_rate="119.00")
    guest = GuestFactory(
        first_name="Ottoline", last_name="Fairweather", email="otto@example.org", phone="+44 20 7946 0958"
    )
    in_house_stay(room=room, guest=guest)

    html = page(housekeeping_client)
    seen = text(card(html, "105"))

    assert "Fairweather" in seen
    assert "Occupied" in seen
    for private in ("Ottoline", "otto@example.org", "7946", "119.00", "119,00"):
        assert private not in html


def test_card_shows_dnd_and_out_of_order_reason(housekeeping_client):
    RoomFactory(number="106", dnd=True)
    RoomFactory(number="107", service_state=ServiceState.OUT_OF_ORDER, service_reason="Window broken")

    html = page(housekeeping_client)

    assert "Do not disturb" in text(card(html, "106"))
    seen = text(card(html, "107"))
    assert "Out of order: Window broken" in seen
    assert "Back in service" in seen


# ---- one tap ------------------------------------------------------------------------------------


def test_one_tap_cleans_the_room_and_records_who_from_the_tablet(housekeeping_client, housekeeping_user):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)

    response = tap(housekeeping_client, "101", "clean", floor="1")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<article id="room-101"')  # only the card, swapped in place
    assert 'data-hk-status="clean"' in html
    assert "Room 101: clean." in text(html)
    assert 'role="status"' in html
    # the floor's counts come along, out of band
    summary = re.search(r'<p id="hk-summary"[^>]*hx-swap-oob="true".*?</p>', html, re.S)
    assert "0 departing today, 0 dirty, 1 room on floor 1." in text(summary.group(0))
    room = Room.objects.get(number="101")
    assert room.housekeeping_status == HousekeepingStatus.CLEAN
    change = RoomStatusChange.objects.get(room=room)
    assert (change.from_status, change.to_status) == ("dirty", "clean")
    assert change.source == StatusSource.TABLET
    assert change.changed_by == housekeeping_user


def test_the_tap_works_without_javascript(housekeeping_client):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.CLEAN)

    response = tap(housekeeping_client, "101", "inspected", htmx=False, floor="1")

    assert response.redirect_chain[-1] == (reverse("rooms:housekeeping") + "?floor=1#room-101", 302)
    html = response.content.decode()
    assert "Room 101: inspected." in text(html)
    assert "Inspected" in text(card(html, "101"))
    assert RoomStatusChange.objects.get().source == StatusSource.TABLET


def test_invalid_transition_shows_the_rule_on_the_card(housekeeping_client):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)

    response = tap(housekeeping_client, "101", "inspected")

    assert response.status_code == 200  # htmx 2 swaps only 2xx: the card carries the error
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "A dirty room must be cleaned before it can be inspected." in text(html)
    assert 'data-hk-status="dirty"' in html
    assert "hx-swap-oob" not in html
    assert not RoomStatusChange.objects.exists()


def test_invalid_transition_without_javascript_says_why_on_the_page(housekeeping_client):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.DIRTY)

    response = tap(housekeeping_client, "101", "inspected", htmx=False)

    assert response.status_code == 200
    assert "A dirty room must be cleaned before it can be inspected." in text(response.content.decode())


def test_unknown_status_is_a_message_not_an_error_page(housekeeping_client):
    RoomFactory(number="101")

    response = tap(housekeeping_client, "101", "sparkling")

    assert response.status_code == 200
    assert "Choose a status." in text(response.content.decode())


def test_unknown_room_is_not_found(housekeeping_client):
    assert tap(housekeeping_client, "999", "clean").status_code == 404


# ---- out of order -------------------------------------------------------------------------------


def test_out_of_order_without_a_reason_is_refused(housekeeping_client):
    RoomFactory(number="101")

    response = tap(housekeeping_client, "101", "out_of_order", reason_preset="", reason_text="  ")

    html = response.content.decode()
    assert response.status_code == 200
    assert "a reason is required" in text(html)
    assert '<details class="hk-ooo" open>' in html  # the reason form stays open for a retry
    assert Room.objects.get(number="101").service_state == ServiceState.IN_SERVICE


def test_out_of_order_with_a_reason_and_back_in_service(housekeeping_client, housekeeping_user):
    RoomFactory(number="101", housekeeping_status=HousekeepingStatus.INSPECTED)

    response = tap(
        housekeeping_client, "101", "out_of_order", reason_preset="Plumbing", reason_text="tap drips"
    )

    seen = text(response.content.decode())
    assert "Out of order: Plumbing: tap drips" in seen
    assert "Back in service" in seen
    room = Room.objects.get(number="101")
    assert (room.service_state, room.service_reason) == (ServiceState.OUT_OF_ORDER, "Plumbing: tap drips")

    response = tap(housekeeping_client, "101", "in_service")

    html = response.content.decode()
    assert "Room 101: back in service." in text(html)
    assert 'data-hk-status="dirty"' in html  # maintenance leaves a room that must be cleaned
    assert list(RoomStatusChange.objects.values_list("to_status", "source", "changed_by")) == [
        ("in_service", "tablet", housekeeping_user.pk),
        ("out_of_order", "tablet", housekeeping_user.pk),
    ]


def test_an_occupied_room_cannot_go_out_of_order(housekeeping_client):
    room = RoomFactory(number="101")
    in_house_stay(room=room)

    response = tap(housekeeping_client, "101", "out_of_order", reason_preset="Electrical")

    assert "The room is occupied" in text(response.content.decode())
    assert Room.objects.get(number="101").service_state == ServiceState.IN_SERVICE


# ---- what housekeeping may not open -------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name, by_stay",
    [
        ("rooms:board", None),
        ("rooms:guest_search", None),
        ("rooms:in_house", None),
        ("rooms:guest_detail", "guest"),
        ("rooms:stay_detail", "stay"),
    ],
)
def test_housekeeping_is_refused_guest_pages(housekeeping_client, url_name, by_stay):
    guest = GuestFactory(first_name="Ottoline", last_name="Fairweather")
    stay = in_house_stay(room=RoomFactory(number="101"), guest=guest)
    args = [] if by_stay is None else [guest.pk if by_stay == "guest" else stay.pk]

    response = housekeeping_client.get(reverse(url_name, args=args), {"q": "Fairweather"})

    assert response.status_code == 403
    assert "Ottoline" not in response.content.decode()
    assert "Fairweather" not in response.content.decode()


def test_housekeeping_page_offers_no_link_to_guest_pages(housekeeping_client):
    guest = GuestFactory(first_name="Ottoline", last_name="Fairweather")
    stay = in_house_stay(room=RoomFactory(number="101"), guest=guest)

    html = page(housekeeping_client)

    for url in (reverse("rooms:guest_detail", args=[guest.pk]), reverse("rooms:stay_detail", args=[stay.pk])):
        assert f'href="{url}"' not in html


def test_reservations_are_not_shown_as_occupied(housekeeping_client):
    room = RoomFactory(number="101")
    StayFactory(room=room, guest=GuestFactory(last_name="Arrivington"))

    seen = text(card(page(housekeeping_client), "101"))

    assert "Vacant" in seen
    assert "Arrivington" not in seen


def test_out_of_service_is_the_desks_decision(housekeeping_client):
    RoomFactory(number="101", service_state=ServiceState.OUT_OF_SERVICE, service_reason="Renovation")

    seen = text(card(page(housekeeping_client), "101"))
    assert "Out of service: Renovation" in seen
    assert "Back in service" not in seen

    response = tap(housekeeping_client, "101", "in_service")

    assert "only the desk can put it back" in text(response.content.decode())
    assert Room.objects.get(number="101").service_state == ServiceState.OUT_OF_SERVICE


@pytest.mark.parametrize(
    ("service_state", "status"),
    [("none", "out_of_service"), ("out_of_service", "in_service")],
)
def test_housekeeping_cannot_change_out_of_service_from_the_desk_page_either(
    housekeeping_client, service_state, status
):
    from rooms.models import Room

    reason = "Renovation" if service_state != "none" else ""
    room = RoomFactory(service_state=service_state, service_reason=reason)
    response = housekeeping_client.post(
        f"/rooms/{room.number}/status/", {"status": status, "reason": "test"}, HTTP_HX_REQUEST="true"
    )
    assert "only the" in response.content.decode().lower() or "front desk" in response.content.decode()
    assert Room.objects.get(pk=room.pk).service_state == service_state

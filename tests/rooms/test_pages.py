"""Front-desk pages, through the test client: what the desk sees, and what each form does."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from hotelpbx.core.timeutil import hotel_today
from rooms.models import Guest, HousekeepingStatus, RoomMove, RoomStatusChange, ServiceState, Stay, StayStatus
from tests.factories import GuestFactory, RoomFactory, RoomTypeFactory, StayFactory, in_house_stay
from tests.rooms.board_html import tile

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    """The response body as the user reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def hotel(room_type):
    """A small hotel: an in-house guest, a reservation with a ready room, and a dirty vacant room."""
    suite = RoomTypeFactory(code="STE", name="Junior suite", capacity=4)
    rooms = [RoomFactory(room_type=room_type) for _ in range(4)]
    suite_room = RoomFactory(room_type=suite)
    dirty = RoomFactory(room_type=room_type, housekeeping_status=HousekeepingStatus.DIRTY)
    guest_in = GuestFactory(first_name="Grace", last_name="Hopper")
    stay_in = in_house_stay(guest=guest_in, room=rooms[0])
    reservation = StayFactory(
        guest=GuestFactory(first_name="Alan", last_name="Turing"), room=rooms[1], adults=2
    )
    return {
        "rooms": rooms,
        "suite_room": suite_room,
        "dirty": dirty,
        "stay_in": stay_in,
        "reservation": reservation,
    }


# ----------------------------------------------------------------------------------------------------
# Every page renders
# ----------------------------------------------------------------------------------------------------


def test_every_desk_page_renders_with_its_key_content(desk_client, hotel):
    stay_in, reservation = hotel["stay_in"], hotel["reservation"]
    room = stay_in.room
    pages = {
        reverse("rooms:board"): ["Room board", f'data-room="{room.number}"', "Hopper"],
        reverse("rooms:arrivals"): ["Arrivals", "Turing", reverse("rooms:check_in", args=[reservation.pk])],
        reverse("rooms:in_house"): ["In house", "Hopper", reverse("rooms:room_move", args=[stay_in.pk])],
        reverse("rooms:guest_search") + "?q=hop": ["Hopper", "Grace"],
        reverse("rooms:guest_detail", args=[stay_in.guest.pk]): ["Grace Hopper", "In house"],
        reverse("rooms:room_detail", args=[room.number]): [f"Room {room.number}", "Hopper", "Status history"],
        reverse("rooms:stay_detail", args=[stay_in.pk]): [
            "Grace Hopper",
            "Voicemail PIN",
            stay_in.voicemail_pin,
        ],
        reverse("rooms:walk_in"): ["Walk-in check-in", "New guest", 'name="room"'],
        reverse("rooms:check_in", args=[reservation.pk]): ["Check in Alan Turing", reservation.room.number],
        reverse("rooms:check_out", args=[stay_in.pk]): ["Check out Grace Hopper", room.number],
        reverse("rooms:room_move", args=[stay_in.pk]): ["Move Grace Hopper", "New room"],
        reverse("rooms:room_suggestions") + "?adults=3": [hotel["suite_room"].number],
    }
    for url, expected in pages.items():
        response = desk_client.get(url)
        assert response.status_code == 200, url
        text = page_text(response)
        for snippet in expected:
            assert snippet in text, f"{snippet!r} missing on {url}"


def test_departures_lists_guests_leaving_today(desk_client, room):
    stay = in_house_stay(
        room=room,
        guest=GuestFactory(last_name="Leaving"),
        arrival=hotel_today() - timedelta(days=2),
        departure=hotel_today(),
    )
    text = page_text(desk_client.get(reverse("rooms:departures")))
    assert "Leaving" in text
    assert reverse("rooms:check_out", args=[stay.pk]) in text


def test_navbar_shows_desk_links_and_a_logout_form(desk_client, hotel):
    text = page_text(desk_client.get(reverse("rooms:board")))
    for label in ("Board", "Arrivals", "Departures", "In house", "Guests", "Check-in"):
        assert label in text
    assert f'action="{reverse("logout")}"' in text
    assert 'id="pbx-badge"' in text
    assert '<meta name="csrf-token"' in text  # static/js/app.js sends it with every htmx request
    assert "cdn" not in text.lower()


def test_unknown_room_and_stay_are_friendly_404s(desk_client, db):
    response = desk_client.get(reverse("rooms:room_detail", args=["999"]))
    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert desk_client.get(reverse("rooms:stay_detail", args=[424242])).status_code == 404


# ----------------------------------------------------------------------------------------------------
# Check-in of a reservation
# ----------------------------------------------------------------------------------------------------


def test_check_in_through_the_form_puts_the_guest_in_house_and_shows_the_pin(desk_client, hotel):
    reservation = hotel["reservation"]
    response = desk_client.post(
        reverse("rooms:check_in", args=[reservation.pk]),
        {"room": reservation.room.number},
        follow=True,
    )
    reservation.refresh_from_db()
    assert reservation.status == StayStatus.IN_HOUSE
    assert response.redirect_chain[-1][0] == reverse("rooms:stay_detail", args=[reservation.pk])
    text = page_text(response)
    assert "is checked in to room" in text
    assert reservation.voicemail_pin and reservation.voicemail_pin in text
    assert 'id="voicemail-pin"' in text


def test_check_in_suggests_rooms_that_fit_ready_first(desk_client, hotel):
    reservation = StayFactory(room=None, room_type=hotel["suite_room"].room_type, adults=3)
    response = desk_client.get(reverse("rooms:check_in", args=[reservation.pk]))
    numbers = [r.number for r in response.context["rooms"]]
    assert numbers == [hotel["suite_room"].number]  # only the suite takes 3 adults


def test_check_in_into_a_dirty_room_is_refused_with_the_message(desk_client, hotel):
    reservation = hotel["reservation"]
    dirty = hotel["dirty"]
    response = desk_client.post(reverse("rooms:check_in", args=[reservation.pk]), {"room": dirty.number})
    assert response.status_code == 200
    text = page_text(response)
    assert f"Room {dirty.number} is dirty." in text
    assert "Choose a ready room or ask housekeeping." in text
    assert 'name="confirm_not_ready"' not in text  # block_dirty: nothing to confirm
    reservation.refresh_from_db()
    assert reservation.status == StayStatus.RESERVED


def test_check_in_in_warn_mode_asks_to_confirm_then_checks_in(desk_client, hotel, settings):
    settings.CHECKIN_ROOM_READINESS = "warn"
    reservation, dirty = hotel["reservation"], hotel["dirty"]
    url = reverse("rooms:check_in", args=[reservation.pk])
    first = desk_client.post(url, {"room": dirty.number})
    assert "Confirm to check in anyway" in page_text(first)
    assert 'name="confirm_not_ready"' in page_text(first)
    second = desk_client.post(url, {"room": dirty.number, "confirm_not_ready": "on"})
    assert second.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == StayStatus.IN_HOUSE and reservation.room == dirty


def test_check_in_without_a_room_shows_a_field_error(desk_client, hotel):
    reservation = StayFactory(room=None, room_type=hotel["rooms"][0].room_type)
    response = desk_client.post(reverse("rooms:check_in", args=[reservation.pk]), {})
    assert "Choose a room for this guest." in page_text(response)
    response = desk_client.post(reverse("rooms:check_in", args=[reservation.pk]), {"room": "nope"})
    assert "There is no room nope." in page_text(response)


def test_check_in_of_a_stay_already_in_house_is_a_message(desk_client, hotel):
    response = desk_client.get(reverse("rooms:check_in", args=[hotel["stay_in"].pk]), follow=True)
    assert "already in house" in page_text(response)


# ----------------------------------------------------------------------------------------------------
# Walk-in
# ----------------------------------------------------------------------------------------------------


def test_walk_in_with_a_new_guest(desk_client, hotel):
    room = hotel["rooms"][2]
    response = desk_client.post(
        reverse("rooms:walk_in"),
        {
            "first_name": "Katherine",
            "last_name": "Johnson",
            "language": "en",
            "vip": "on",
            "email": "kj@example.org",
            "phone": "+1 555 0100",
            "document_number": "P1234",
            "departure": (hotel_today() + timedelta(days=3)).isoformat(),
            "adults": "1",
            "phone_class": "local",
            "room": room.number,
        },
        follow=True,
    )
    guest = Guest.objects.get(last_name="Johnson")
    assert guest.vip and guest.document_number == "P1234"
    stay = Stay.objects.get(guest=guest)
    assert stay.status == StayStatus.IN_HOUSE and stay.room == room and stay.phone_class == "local"
    text = page_text(response)
    assert f"Katherine Johnson is checked in to room {room.number}" in text
    assert stay.voicemail_pin in text


def test_walk_in_with_an_existing_guest(desk_client, hotel):
    guest = GuestFactory(last_name="Lamarr", first_name="Hedy")
    search = desk_client.get(reverse("rooms:walk_in"), {"guest_q": "lamarr"})
    assert f'value="{guest.pk}"' in page_text(search)
    room = hotel["rooms"][3]
    response = desk_client.post(
        reverse("rooms:walk_in"),
        {
            "guest": guest.pk,
            "language": "en",
            "departure": (hotel_today() + timedelta(days=1)).isoformat(),
            "adults": "2",
            "phone_class": "national",
            "room": room.number,
        },
    )
    assert response.status_code == 302
    assert Stay.objects.get(guest=guest).status == StayStatus.IN_HOUSE
    assert Guest.objects.filter(last_name="Lamarr").count() == 1


def test_walk_in_shows_field_errors_and_keeps_no_guest_when_refused(desk_client, hotel):
    response = desk_client.post(reverse("rooms:walk_in"), {"language": "en", "adults": "1"})
    text = page_text(response)
    assert "Pick an existing guest or give the new guest" in text
    assert "Choose a room for this guest." in text
    assert "This field is required." in text  # departure

    dirty = hotel["dirty"]
    response = desk_client.post(
        reverse("rooms:walk_in"),
        {
            "last_name": "Refused",
            "language": "en",
            "departure": (hotel_today() + timedelta(days=1)).isoformat(),
            "adults": "1",
            "phone_class": "national",
            "room": dirty.number,
        },
    )
    assert response.status_code == 200
    assert f"Room {dirty.number} is dirty." in page_text(response)
    assert not Guest.objects.filter(last_name="Refused").exists()


def test_walk_in_into_an_occupied_room_is_refused(desk_client, hotel):
    response = desk_client.post(
        reverse("rooms:walk_in"),
        {
            "last_name": "Late",
            "language": "en",
            "departure": (hotel_today() + timedelta(days=1)).isoformat(),
            "adults": "1",
            "phone_class": "national",
            "room": hotel["stay_in"].room.number,
        },
    )
    assert "is occupied; choose another room." in page_text(response)


def test_room_suggestions_fragment_follows_party_size_and_type(desk_client, hotel):
    response = desk_client.get(reverse("rooms:room_suggestions"), {"adults": 4}, HTTP_HX_REQUEST="true")
    text = page_text(response)
    assert "<html" not in text
    assert f'value="{hotel["suite_room"].number}"' in text
    assert f'value="{hotel["rooms"][2].number}"' not in text  # a double room does not take 4 adults
    response = desk_client.get(reverse("rooms:room_suggestions"), {"adults": 1})
    text = page_text(response)
    assert text.index(f'value="{hotel["rooms"][2].number}"') < text.index(f'value="{hotel["dirty"].number}"')


# ----------------------------------------------------------------------------------------------------
# Check-out
# ----------------------------------------------------------------------------------------------------


def test_check_out_once_then_again_shows_a_friendly_message(desk_client, room):
    stay = in_house_stay(room=room, arrival=hotel_today() - timedelta(days=2), departure=hotel_today())
    url = reverse("rooms:check_out", args=[stay.pk])
    page = desk_client.get(url)
    assert "Early departure" not in page_text(page)
    first = desk_client.post(url, follow=True)
    stay.refresh_from_db()
    assert stay.status == StayStatus.CHECKED_OUT
    assert "checked out of room" in page_text(first)

    second = desk_client.post(url, follow=True)
    assert second.status_code == 200
    text = page_text(second)
    assert "is already checked out" in text
    assert "Nothing more to do." in text
    room.refresh_from_db()
    assert room.housekeeping_status == HousekeepingStatus.DIRTY


def test_early_departure_requires_a_reason(desk_client, room):
    stay = in_house_stay(room=room, departure=hotel_today() + timedelta(days=3))
    url = reverse("rooms:check_out", args=[stay.pk])
    assert "Early departure" in page_text(desk_client.get(url))
    refused = desk_client.post(url, {"reason": "  "})
    assert refused.status_code == 200
    assert "The guest leaves before the booked date: say why." in page_text(refused)
    stay.refresh_from_db()
    assert stay.status == StayStatus.IN_HOUSE

    done = desk_client.post(url, {"reason": "Flight moved"})
    assert done.status_code == 302
    stay.refresh_from_db()
    assert stay.status == StayStatus.CHECKED_OUT and stay.early_departure
    assert "Flight moved" in stay.notes


# ----------------------------------------------------------------------------------------------------
# Room move
# ----------------------------------------------------------------------------------------------------


def test_room_move(desk_client, hotel):
    stay = hotel["stay_in"]
    old_room, new_room = stay.room, hotel["rooms"][2]
    response = desk_client.post(
        reverse("rooms:room_move", args=[stay.pk]),
        {"room": new_room.number, "reason": "noisy street"},
        follow=True,
    )
    stay.refresh_from_db()
    assert stay.room == new_room
    move = RoomMove.objects.get(stay=stay)
    assert move.from_room == old_room and move.reason == "noisy street"
    text = page_text(response)
    assert f"moved from room {old_room.number} to room {new_room.number}" in text
    old_room.refresh_from_db()
    assert old_room.housekeeping_status == HousekeepingStatus.DIRTY


def test_room_move_to_an_out_of_order_room_is_refused(desk_client, hotel):
    target = RoomFactory(
        room_type=hotel["rooms"][0].room_type,
        service_state=ServiceState.OUT_OF_ORDER,
        service_reason="broken window",
    )
    response = desk_client.post(
        reverse("rooms:room_move", args=[hotel["stay_in"].pk]), {"room": target.number}
    )
    assert response.status_code == 200
    assert "is out of order (broken window); choose another room." in page_text(response)


# ----------------------------------------------------------------------------------------------------
# Room status and DND
# ----------------------------------------------------------------------------------------------------


def test_room_status_change_via_post(desk_client, hotel, front_desk_user):
    room = hotel["dirty"]
    url = reverse("rooms:room_status", args=[room.number])
    response = desk_client.post(url, {"status": "clean"}, follow=True)
    room.refresh_from_db()
    assert room.housekeeping_status == HousekeepingStatus.CLEAN
    change = RoomStatusChange.objects.get(room=room)
    assert change.changed_by == front_desk_user and change.source == "desk"
    text = page_text(response)
    assert f"Room {room.number}: clean." in text
    assert "Front desk" in text  # history shows where the change came from

    refused = desk_client.post(url, {"status": "clean"}, follow=True)
    assert "The room is already clean." in page_text(refused)


def test_out_of_service_needs_a_reason_and_is_answered_as_a_fragment_for_htmx(desk_client, hotel):
    room = hotel["rooms"][3]
    url = reverse("rooms:room_status", args=[room.number])
    refused = desk_client.post(url, {"status": "out_of_order"}, HTTP_HX_REQUEST="true")
    text = page_text(refused)
    assert refused.status_code == 200
    assert text.lstrip().startswith(("{#", "<div")) and "<html" not in text
    assert 'id="room-status"' in text
    assert "a reason is required" in text

    until = (hotel_today() + timedelta(days=2)).isoformat()
    done = desk_client.post(
        url, {"status": "out_of_order", "reason": "broken tap", "until": until}, HTTP_HX_REQUEST="true"
    )
    room.refresh_from_db()
    assert room.service_state == ServiceState.OUT_OF_ORDER and room.service_reason == "broken tap"
    assert "broken tap" in page_text(done) and "Back in service" in page_text(done)
    assert done["HX-Trigger"] == "room-changed"


def test_occupied_room_cannot_go_out_of_service(desk_client, hotel):
    room = hotel["stay_in"].room
    response = desk_client.post(
        reverse("rooms:room_status", args=[room.number]),
        {"status": "out_of_service", "reason": "paint"},
        follow=True,
    )
    assert "The room is occupied" in page_text(response)


def test_dnd_toggle_via_post(desk_client, hotel):
    room = hotel["stay_in"].room
    url = reverse("rooms:room_dnd", args=[room.number])
    desk_client.post(url, {"dnd": "on"})
    room.refresh_from_db()
    assert room.dnd
    fragment = desk_client.post(url, {"dnd": "off"}, HTTP_HX_REQUEST="true")
    room.refresh_from_db()
    assert not room.dnd
    assert "do not disturb off" in page_text(fragment)
    assert desk_client.get(url).status_code == 405


# ----------------------------------------------------------------------------------------------------
# Board filters and partial
# ----------------------------------------------------------------------------------------------------


def _tiles(response) -> set[str]:
    import re

    return set(re.findall(r'data-room="([^"]+)"', response.content.decode()))


def test_board_tiles_say_their_state_in_words_and_in_classes(desk_client, hotel):
    page = desk_client.get(reverse("rooms:board")).content.decode()
    occupied = tile(page, hotel["stay_in"].room.number)
    assert "occ" in occupied.classes and "Hopper" in occupied.text
    assert "occupied by Hopper" in occupied.label
    dirty = tile(page, hotel["dirty"].number)
    assert "occ" not in dirty.classes and "dirty" in dirty.classes  # the colour of its left edge
    assert "Vacant" in dirty.text and "Dirty" in dirty.text  # text, not only colour
    assert "vacant, dirty" in dirty.label
    assert dirty.href == reverse("rooms:room_detail", args=[hotel["dirty"].number])
    assert 'data-poll-seconds="10"' in page


def test_board_filters(desk_client, hotel):
    board = reverse("rooms:board")
    everyone = {r.number for r in hotel["rooms"]} | {hotel["suite_room"].number, hotel["dirty"].number}
    assert _tiles(desk_client.get(board)) == everyone
    assert _tiles(desk_client.get(board, {"occupancy": "occupied"})) == {hotel["stay_in"].room.number}
    assert _tiles(desk_client.get(board, {"housekeeping": "dirty"})) == {hotel["dirty"].number}
    assert _tiles(desk_client.get(board, {"room_type": "STE"})) == {hotel["suite_room"].number}
    assert _tiles(desk_client.get(board, {"q": "hopp"})) == {hotel["stay_in"].room.number}
    assert hotel["stay_in"].room.number not in _tiles(desk_client.get(board, {"occupancy": "vacant"}))
    assert _tiles(desk_client.get(board, {"departing": "on"})) == set()
    assert _tiles(desk_client.get(board, {"floor": "99"})) == everyone  # an unknown floor is ignored
    filtered = desk_client.get(board, {"housekeeping": "dirty"})
    assert filtered.context["counts"]["total"] == len(everyone)  # counts stay for the whole hotel
    assert "showing" in page_text(filtered)


def test_board_out_of_service_filter_shows_the_reason(desk_client, hotel):
    room = hotel["rooms"][3]
    room.service_state, room.service_reason = ServiceState.OUT_OF_SERVICE, "repainting"
    room.save()
    response = desk_client.get(reverse("rooms:board"), {"service": "out"})
    assert _tiles(response) == {room.number}
    assert "OOS: repainting" in page_text(response)


def test_board_partial_returns_only_the_fragment(desk_client, hotel):
    response = desk_client.get(
        reverse("rooms:board_partial"),
        {"housekeeping": "dirty"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER="board-filters",
    )
    text = page_text(response)
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="board-body"')
    assert "<html" not in text and "navbar" not in text and 'id="board-filters"' not in text
    assert _tiles(response) == {hotel["dirty"].number}
    assert response["HX-Replace-Url"] == reverse("rooms:board") + "?housekeeping=dirty"

    poll = desk_client.get(
        reverse("rooms:board_partial"), HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="board-body"
    )
    assert "HX-Replace-Url" not in poll

    # the full board asked by htmx (e.g. hx-boost) also answers with the fragment
    boosted = desk_client.get(reverse("rooms:board"), HTTP_HX_REQUEST="true")
    assert "<html" not in page_text(boosted)


def test_board_refresh_interval_comes_from_settings(desk_client, hotel, settings):
    settings.BOARD_REFRESH_SECONDS = 25
    assert 'data-poll-seconds="25"' in page_text(desk_client.get(reverse("rooms:board")))


def test_room_move_to_the_same_room_is_refused_with_the_message(desk_client, hotel):
    stay = hotel["stay_in"]
    response = desk_client.post(reverse("rooms:room_move", args=[stay.pk]), {"room": stay.room.number})
    assert response.status_code == 200
    assert "The guest is already in that room; pick a different one." in page_text(response)


def test_walk_in_from_the_room_page_preselects_the_room(desk_client, hotel):
    room = hotel["rooms"][3]
    room_page = page_text(desk_client.get(reverse("rooms:room_detail", args=[room.number])))
    link = f"{reverse('rooms:walk_in')}?room={room.number}"
    assert link in room_page
    text = page_text(desk_client.get(link))
    assert f'value="{room.number}" checked' in text


def test_voicemail_pin_is_not_shown_once_the_guest_has_left(desk_client, room):
    stay = in_house_stay(room=room, arrival=hotel_today() - timedelta(days=1), departure=hotel_today())
    desk_client.post(reverse("rooms:check_out", args=[stay.pk]))
    stay.refresh_from_db()
    text = page_text(desk_client.get(reverse("rooms:stay_detail", args=[stay.pk])))
    assert "Voicemail PIN" not in text
    assert "Checked out" in text and "by desk" in text


def test_board_count_chips_link_to_their_filter(desk_client, hotel):
    text = page_text(desk_client.get(reverse("rooms:board")))
    assert f'href="{reverse("rooms:board")}?housekeeping=dirty"' in text
    assert f'href="{reverse("rooms:board")}?occupancy=occupied"' in text


def test_board_and_room_page_show_the_phone_sync_problem(desk_client, hotel):
    from hotelpbx.pbx.models import CommandStatus, PbxCommand

    failed, pending = hotel["rooms"][2], hotel["rooms"][3]
    PbxCommand.objects.create(
        extension=failed.extension, seq=1, op="update", status=CommandStatus.FAILED,
        last_errno="10002", last_error="Extension not found on the PBX",
    )  # fmt: skip
    PbxCommand.objects.create(extension=pending.extension, seq=1, op="update", status=CommandStatus.PENDING)
    page = desk_client.get(reverse("rooms:board")).content.decode()
    refused = tile(page, failed.number)
    assert "phone set-up failed: PBX refused (10002): Extension not found on the PBX" in refused.label
    assert refused.marks == ["failed"]
    waiting = tile(page, pending.number)
    assert "phone set-up pending: waiting for the PBX" in waiting.label and waiting.marks == ["pending"]
    assert page.count('<i class="failed">') + page.count('<i class="pending">') == 2  # two tiles, no other
    room_page = page_text(desk_client.get(reverse("rooms:room_detail", args=[failed.number])))
    assert "Room phone: Failed — PBX refused (10002): Extension not found on the PBX" in room_page


def test_the_desk_can_change_the_class_of_phone_service_at_check_in(desk_client):
    from rooms.models import PhoneClass

    reservation = StayFactory(phone_class=PhoneClass.LOCAL)
    page = desk_client.get(reverse("rooms:check_in", args=[reservation.pk])).content.decode()
    assert 'value="local" selected' in page
    desk_client.post(
        reverse("rooms:check_in", args=[reservation.pk]),
        {"room": reservation.room.number, "phone_class": PhoneClass.INTERNATIONAL},
    )
    reservation.refresh_from_db()
    assert reservation.status == "in_house" and reservation.phone_class == PhoneClass.INTERNATIONAL

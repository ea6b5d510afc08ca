"""Beyond today: reservations made, changed and cancelled; stays extended or shortened; lists for any day;
the availability timeline; and a room type that is full refuses one more guest unless the desk says why."""

import html
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from hotelpbx.core.models import AuditEntry
from hotelpbx.core.timeutil import hotel_today
from rooms import selectors
from rooms.errors import Overbooked, RoomHeld, RoomRuleError
from rooms.models import Guest, ServiceState, Stay, StayStatus
from rooms.services import stay_change_departure, stay_reserve, stay_update_reservation
from tests.factories import GuestFactory, RoomFactory, StayFactory, in_house_stay

pytestmark = pytest.mark.django_db


def words(response) -> str:
    return " ".join(strip_tags(html.unescape(response.content.decode())).split())


def day(n: int):
    return hotel_today() + timedelta(days=n)


@pytest.fixture
def two_doubles(room_type):
    return [RoomFactory(number="101", room_type=room_type), RoomFactory(number="102", room_type=room_type)]


def test_a_room_type_that_is_full_refuses_one_more_reservation_unless_overbooked_with_a_reason(
    two_doubles, room_type, front_desk_user
):
    StayFactory(room=None, room_type=room_type, arrival=day(3), departure=day(5))
    StayFactory(room=two_doubles[0], arrival=day(4), departure=day(6))
    with pytest.raises(Overbooked) as refused:
        stay_reserve(guest=GuestFactory(), arrival=day(4), departure=day(5), room_type=room_type)
    assert f"Every {room_type.name} room is taken on" in refused.value.message
    # other nights are fine
    stay_reserve(guest=GuestFactory(), arrival=day(6), departure=day(8), room_type=room_type)
    stay_reserve(
        guest=GuestFactory(),
        arrival=day(4),
        departure=day(5),
        room_type=room_type,
        overbook_reason="group contract",
        by=front_desk_user,
    )
    assert AuditEntry.objects.filter(action="stay.overbook", summary__contains="group contract").exists()


def test_an_out_of_order_room_does_not_count_until_it_is_back(two_doubles, room_type):
    two_doubles[1].service_state = ServiceState.OUT_OF_ORDER
    two_doubles[1].service_until = day(2)
    two_doubles[1].save()
    StayFactory(room=None, room_type=room_type, arrival=day(1), departure=day(5))
    assert selectors.full_nights(room_type, day(1), day(5)) == [day(1), day(2)]


def test_full_nights_over_any_span_are_the_nights_every_room_is_taken(two_doubles, room_type):
    """Counted from the stays, not night by night: a reservation from year 1 to 9999 (a PMS's
    placeholder, or abuse) is answered like any other."""
    from datetime import date

    StayFactory(room=two_doubles[0], arrival=day(1), departure=day(4))
    StayFactory(room=None, room_type=room_type, arrival=day(2), departure=day(6))
    two_doubles[1].service_state = ServiceState.OUT_OF_ORDER
    two_doubles[1].service_until = day(2)
    two_doubles[1].save()

    full = selectors.full_nights(room_type, date(1, 1, 1), date(9999, 12, 31))

    # day 1: one stay, no free room (the other is out of order); day 2: back, but two stays
    assert full == [day(1), day(2), day(3)]
    assert selectors.full_nights(room_type, day(3), day(3)) == []


def test_changing_a_reservation_keeps_the_rules(two_doubles, room_type):
    held = StayFactory(room=two_doubles[0], arrival=day(5), departure=day(7))
    stay = StayFactory(room=two_doubles[1], arrival=day(1), departure=day(3))
    changed = stay_update_reservation(
        stay=stay, arrival=day(2), departure=day(4), eta=time(18, 30), notes="cot"
    )
    assert (changed.arrival, changed.departure, changed.eta, changed.notes) == (
        day(2),
        day(4),
        time(18, 30),
        "cot",
    )
    with pytest.raises(RoomHeld):
        stay_update_reservation(stay=stay, room=held.room, arrival=day(5), departure=day(6))
    with pytest.raises(RoomRuleError, match="departure date must be after"):
        stay_update_reservation(stay=stay, departure=day(2))


def test_extend_and_shorten_an_in_house_stay(two_doubles):
    stay = in_house_stay(room=two_doubles[0], departure=day(2))
    StayFactory(room=two_doubles[0], arrival=day(4), departure=day(6), guest=GuestFactory(last_name="Next"))
    assert stay_change_departure(stay=stay, departure=day(4)).departure == day(4)
    with pytest.raises(RoomHeld, match="held for Next"):
        stay_change_departure(stay=stay, departure=day(5))
    assert stay_change_departure(stay=stay, departure=day(1)).departure == day(1)
    with pytest.raises(RoomRuleError, match="leaves today at the earliest"):
        stay_change_departure(stay=stay, departure=day(-1))


def test_arrivals_and_departures_for_any_day_with_date_navigation(desk_client, two_doubles):
    later = StayFactory(
        room=two_doubles[0], arrival=day(3), departure=day(5), guest=GuestFactory(last_name="Later")
    )
    StayFactory(room=two_doubles[1], guest=GuestFactory(last_name="Presentday"))
    response = desk_client.get(reverse("rooms:arrivals"), {"date": day(3).isoformat()})
    text = words(response)
    assert "Later" in text and "Presentday" not in text
    page = response.content.decode()
    assert f"?date={day(2).isoformat()}" in page and f"?date={day(4).isoformat()}" in page
    assert reverse("rooms:reservation_edit", args=[later.pk]) in page
    departures = words(desk_client.get(reverse("rooms:departures"), {"date": day(5).isoformat()}))
    assert "Later" in departures
    assert "Presentday" in words(desk_client.get(reverse("rooms:arrivals"), {"date": "not-a-date"}))


def test_reservation_pages_make_change_and_cancel(desk_client, two_doubles, room_type):
    response = desk_client.post(
        reverse("rooms:reservation_new"),
        {
            "first_name": "Zoë",
            "last_name": "Ångström",
            "language": "fr",
            "arrival": day(2).isoformat(),
            "departure": day(4).isoformat(),
            "adults": "2",
            "room_type": room_type.pk,
            "room": "",
            "phone_class": "international",
            "eta": "15:30",
            "notes": "Late dinner",
        },
    )
    assert response.status_code == 302
    stay = Stay.objects.get(guest__last_name="Ångström")
    assert (stay.status, stay.room, stay.eta, stay.guest.language) == (
        StayStatus.RESERVED,
        None,
        time(15, 30),
        "fr",
    )

    edit = reverse("rooms:reservation_edit", args=[stay.pk])
    assert "Change the reservation of Zoë Ångström" in words(desk_client.get(edit))
    form = {
        "arrival": day(2).isoformat(),
        "departure": day(5).isoformat(),
        "adults": "2",
        "room_type": room_type.pk,
        "room": "102",
        "phone_class": "international",
    }
    assert desk_client.post(edit, form).status_code == 302
    stay.refresh_from_db()
    assert (stay.departure, stay.room.number) == (day(5), "102")

    cancel = reverse("rooms:reservation_cancel", args=[stay.pk])
    assert "Reason for cancelling" in words(desk_client.post(cancel, {}))
    desk_client.post(cancel, {"reason": "flight cancelled"})
    stay.refresh_from_db()
    assert stay.status == StayStatus.CANCELLED


def test_overbooking_through_the_page_asks_for_a_reason(desk_client, room_type):
    RoomFactory(number="201", room_type=room_type)
    StayFactory(room=None, room_type=room_type, arrival=day(1), departure=day(3))
    data = {
        "last_name": "Over",
        "language": "en",
        "arrival": day(1).isoformat(),
        "departure": day(2).isoformat(),
        "adults": "1",
        "room_type": room_type.pk,
        "phone_class": "national",
    }
    refused = desk_client.post(reverse("rooms:reservation_new"), data)
    assert "is taken on" in words(refused) and 'name="overbook_reason"' in refused.content.decode()
    assert not Guest.objects.filter(last_name="Over").exists()
    assert (
        desk_client.post(reverse("rooms:reservation_new"), {**data, "overbook_reason": "VIP"}).status_code
        == 302
    )


def test_timeline_shows_rooms_by_day_and_links_free_cells_to_a_reservation(
    desk_client, two_doubles, room_type
):
    in_house_stay(room=two_doubles[0], departure=day(2), guest=GuestFactory(last_name="Inhouse"))
    StayFactory(room=two_doubles[1], arrival=day(3), departure=day(5), guest=GuestFactory(last_name="Booked"))
    RoomFactory(
        number="103", room_type=room_type, service_state=ServiceState.OUT_OF_ORDER, service_reason="x"
    )
    StayFactory(
        room=None,
        room_type=room_type,
        arrival=day(1),
        departure=day(2),
        guest=GuestFactory(last_name="Nowhere"),
    )
    data = selectors.availability_timeline(hotel_today(), 14)
    states = {row.room.number: [c["state"] for c in row.cells] for row in data["rows"]}
    assert states["101"][:3] == ["occupied", "occupied", "free"]
    assert states["102"][:6] == ["free", "free", "free", "reserved", "reserved", "free"]
    assert set(states["103"]) == {"out"}
    assert len(data["dates"]) == 14

    page = desk_client.get(reverse("rooms:timeline"))
    text = page.content.decode()
    assert f"/reservations/new/?room=102&amp;arrival={hotel_today().isoformat()}" in text
    assert "Nowhere" in words(page) and "1 reservation without a room" in words(page)


def test_the_room_picker_answers_for_the_dates_a_reservation_asks_for(desk_client):
    in_house_stay(room=RoomFactory(number="101"), departure=day(2))
    StayFactory(room=RoomFactory(number="102"), arrival=day(5), departure=day(7))
    url = reverse("rooms:room_suggestions")

    tonight = desk_client.get(url).content.decode()
    assert 'id="room-101" value="101" disabled' in tonight

    later = desk_client.get(url, {"arrival": day(5).isoformat(), "departure": day(6).isoformat()})
    text = later.content.decode()
    assert 'id="room-101" value="101">' in text or 'id="room-101" value="101" checked' in text
    assert "Held for other arrivals (1)" in words(later)

    # dates half typed (departure before arrival) count as one night
    half = desk_client.get(url, {"arrival": day(5).isoformat(), "departure": day(1).isoformat()})
    assert half.status_code == 200 and "Held for other arrivals (1)" in words(half)


def test_changing_a_reservation_the_picker_uses_the_new_dates_not_the_booked_ones(desk_client):
    booking = StayFactory(room=None, arrival=day(1), departure=day(2))
    in_house_stay(room=RoomFactory(number="101"), departure=day(3))
    url = reverse("rooms:room_suggestions")
    booked_dates = desk_client.get(url, {"picker_stay": booking.pk, "arrival": day(1), "departure": day(2)})
    assert 'id="room-101" value="101" disabled' in booked_dates.content.decode()
    moved = desk_client.get(url, {"picker_stay": booking.pk, "arrival": day(4), "departure": day(5)})
    assert 'id="room-101" value="101" disabled' not in moved.content.decode()


def test_a_reservation_for_a_later_day_is_not_checked_in_before_its_arrival(desk_client, room_type):
    from rooms.errors import StayStateError
    from rooms.services import stay_check_in

    later = StayFactory(room=RoomFactory(number="101", room_type=room_type), arrival=day(2), departure=day(4))
    page = words(desk_client.get(reverse("rooms:stay_detail", args=[later.pk])))
    assert "Arrives" in page and "Check in" not in page.split("Notes")[0]

    response = desk_client.get(reverse("rooms:check_in", args=[later.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("rooms:reservation_edit", args=[later.pk])
    assert "Arrived early? Change the reservation's arrival to today, then check in." in words(response)

    with pytest.raises(StayStateError, match="first change the reservation's arrival to today"):
        stay_check_in(stay=later)
    later.refresh_from_db()
    assert later.status == StayStatus.RESERVED


def test_long_notes_written_on_the_stay_page_do_not_block_changing_the_reservation(desk_client, room_type):
    RoomFactory(number="301", room_type=room_type)
    stay = StayFactory(room=None, room_type=room_type, arrival=day(2), departure=day(4))
    long_notes = "Allergic to feathers; " * 150  # 3,300 characters: the stay page's editor takes 4,000
    desk_client.post(reverse("rooms:stay_notes", args=[stay.pk]), {"notes": long_notes})
    stay.refresh_from_db()
    assert stay.notes == long_notes.strip()

    edit = reverse("rooms:reservation_edit", args=[stay.pk])
    form = {
        "arrival": day(2).isoformat(),
        "departure": day(5).isoformat(),
        "adults": "1",
        "room_type": room_type.pk,
        "room": "",
        "phone_class": "national",
        "notes": stay.notes,
    }
    assert desk_client.post(edit, form).status_code == 302
    stay.refresh_from_db()
    assert (stay.departure, stay.notes) == (day(5), long_notes.strip())


def test_timeline_sells_tonight_of_a_room_left_today_but_not_of_an_overstayer(two_doubles):
    """A guest leaving today frees tonight (same-day turnover: today's arrivals go into today's
    departures), so the room is free to reserve; one whose departure passed and who is still in house
    occupies the room today, and the days after are free."""
    in_house_stay(room=two_doubles[0], arrival=day(-2), departure=day(0))
    overstayer = in_house_stay(room=two_doubles[1], arrival=day(-3), departure=day(1))
    Stay.objects.filter(pk=overstayer.pk).update(departure=day(-1))

    rows = selectors.availability_timeline(hotel_today(), 14)["rows"]
    states = {row.room.number: [c["state"] for c in row.cells] for row in rows}
    assert states["101"][:2] == ["free", "free"]
    assert states["102"][:2] == ["occupied", "free"]


def test_a_wake_up_set_on_a_reservation_follows_the_room_the_desk_changes_to(
    desk_client, two_doubles, room_type
):
    from wakeup.services import wakeup_set

    stay = StayFactory(
        room=two_doubles[0], arrival=day(1), departure=day(3), status=StayStatus.RESERVED, room_type=room_type
    )
    [wakeup] = wakeup_set(stay=stay, day=day(2), clock=time(6, 30))
    form = {
        "arrival": day(1).isoformat(),
        "departure": day(3).isoformat(),
        "adults": "1",
        "room_type": room_type.pk,
        "room": "102",
        "phone_class": "international",
    }
    assert desk_client.post(reverse("rooms:reservation_edit", args=[stay.pk]), form).status_code == 302

    wakeup.refresh_from_db()
    assert (wakeup.room.number, wakeup.status) == ("102", "scheduled")
    board = words(desk_client.get(reverse("wakeup:board") + f"?day={day(2).isoformat()}"))
    assert "06:30 102" in board and "06:30 101" not in board

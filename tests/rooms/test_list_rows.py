"""The desk's lists (arrivals, departures, in house, guest search) share one row template: each row still
lines up under its page's headings and shows what that page promises."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from hotelpbx.core.timeutil import hotel_today
from tests.factories import GuestFactory, RoomFactory, RoomTypeFactory, StayFactory, in_house_stay

pytestmark = pytest.mark.django_db


class _Table(HTMLParser):
    """The first table's headings and its body rows, as the text of each cell."""

    def __init__(self):
        super().__init__()
        self.headings: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = self._done = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if self._done:
            return
        if tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self.headings if self._in_head else self._row).append(text)
            self._cell = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._done = True

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_of(response) -> list[dict[str, str]]:
    """Each body row as {heading: cell text}; fails when a row has more or fewer cells than headings."""
    assert response.status_code == 200
    assert "rooms/_list_row.html" in [t.name for t in response.templates]
    table = _Table()
    table.feed(response.content.decode())
    for row in table.rows:
        assert len(row) == len(table.headings), (table.headings, row)
    return [dict(zip(table.headings, row, strict=True)) for row in table.rows]


def day(d) -> str:
    return f"{d:%a} {d.day} {d:%b}"


@pytest.fixture
def today():
    return hotel_today()


def test_arrivals_rows(desk_client, today):
    suite = RoomTypeFactory(code="STE", name="Suite")
    StayFactory(
        guest=GuestFactory(last_name="Turing", first_name="Alan", vip=True),
        room=RoomFactory(number="301", room_type=suite),
        arrival=today - timedelta(days=1),
        departure=today + timedelta(days=2),
        adults=2,
    )
    StayFactory(guest=GuestFactory(last_name="Noether", first_name="Emmy"), room=None, room_type=suite)
    rows = table_of(desk_client.get(reverse("rooms:arrivals")))
    assert {row["Guest"]: row for row in rows} == {
        "Turing, Alan VIP": {
            "Guest": "Turing, Alan VIP",
            "Room": "301",
            "Type": "STE",
            "Arrival": f"{day(today - timedelta(days=1))} late",
            "Departure": day(today + timedelta(days=2)),
            "Nights": "3",
            "Adults": "2",
            "Actions": "Check in",
        },
        "Noether, Emmy": {
            "Guest": "Noether, Emmy",
            "Room": "not assigned",
            "Type": "STE",
            "Arrival": day(today),
            "Departure": day(today + timedelta(days=2)),
            "Nights": "2",
            "Adults": "1",
            "Actions": "Check in",
        },
    }


def test_departures_rows(desk_client, today):
    in_house_stay(
        guest=GuestFactory(last_name="Hopper", first_name="Grace"),
        room=RoomFactory(number="205"),
        arrival=today - timedelta(days=3),
        departure=today - timedelta(days=1),
    )
    rows = table_of(desk_client.get(reverse("rooms:departures")))
    assert rows == [
        {
            "Room": "205 STD",
            "Guest": "Hopper, Grace",
            "Arrival": day(today - timedelta(days=3)),
            "Departure": f"{day(today - timedelta(days=1))} overdue",
            "Nights": "2",
            "Actions": "Check out Stay",
        }
    ]


def test_in_house_rows(desk_client, today):
    stay = in_house_stay(
        guest=GuestFactory(last_name="Lamarr", first_name="Hedy"),
        room=RoomFactory(number="110"),
        arrival=today - timedelta(days=1),
        departure=today,
    )
    rows = table_of(desk_client.get(reverse("rooms:in_house")))
    assert rows == [
        {
            "Room": "110 STD",
            "Guest": "Lamarr, Hedy",
            "Arrival": day(today - timedelta(days=1)),
            "Departure": f"{day(today)} today",
            "Adults": "1",
            "Phone": stay.get_phone_class_display(),
            "Actions": "Check out Move Stay",
        }
    ]


def test_guest_search_rows(desk_client, today):
    guest = GuestFactory(last_name="Hamilton", first_name="Margaret", email="mh@example.com", phone="+4412")
    StayFactory(guest=guest, room=RoomFactory(number="402"), arrival=today)
    GuestFactory(last_name="Hamming", first_name="Richard")
    rows = table_of(desk_client.get(reverse("rooms:guest_search"), {"q": "hami"}))
    assert rows == [
        {
            "Guest": "Hamilton, Margaret",
            "Email": "mh@example.com",
            "Phone": "+4412",
            "Language": guest.get_language_display(),
            "Latest stay": f"{today.day} {today:%b %Y}, room 402 Reserved",
            "": "Walk-in",
        }
    ]
    rows = table_of(desk_client.get(reverse("rooms:guest_search"), {"q": "hamming"}))
    assert [(row["Email"], row["Phone"], row["Latest stay"]) for row in rows] == [("—", "—", "none")]

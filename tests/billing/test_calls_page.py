"""The desk's Calls page: the hotel's calls of a day in hotel-local time, filtered by room, guest (accents
ignored), direction and outcome, each with its room, guest, masked number, talk time, charge or the
reason it was not charged, and a link to the folio line that charges it."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import CallRecord, FolioLine
from rooms import services as rooms
from tests.billing.conftest import send_cdr
from tests.factories import GuestFactory, RoomFactory, StayFactory
from tests.rooms.test_list_rows import _Table

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
MORNING = datetime(2030, 5, 1, 8, 0, tzinfo=BERLIN)
NOON = datetime(2030, 5, 1, 12, 0, tzinfo=BERLIN)


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2030, 5, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def calls_of_the_day(standard_tariff, settings, desk_client, front_desk_user):
    """Two guests phoned on 1 May (and one call the night before, when room 101 was still empty)."""
    settings.INVOICE_MASK_DIGITS = 3
    with time_machine.travel(MORNING, tick=False) as clock:
        room_101 = RoomFactory(number="101", extension="2101")
        send_cdr("0.1", at=datetime(2030, 4, 30, 23, 30, tzinfo=BERLIN), src="2101", talk=40)
        muller = rooms.stay_check_in(
            stay=StayFactory(
                room=room_101,
                guest=GuestFactory(first_name="Jürgen", last_name="Müller"),
            )
        )
        curie = rooms.stay_check_in(
            stay=StayFactory(
                room=RoomFactory(number="102", extension="2102"),
                guest=GuestFactory(first_name="Marie", last_name="Curie"),
            )
        )
        clock.move_to(NOON)
        desk_client.force_login(front_desk_user)  # a session of this day, not of the real one
        send_cdr("1.1", at=at(9, 30), src="2101", dst="00442071234567", talk=190)  # charged 0.80
        send_cdr("1.2", at=at(10), src="2101", dst="0800123456", talk=60)  # free number
        send_cdr("1.3", at=at(10, 30), src="2102", dst="0900123456", talk=61)  # barred
        send_cdr("1.4", at=at(11), src="0301234567", dst="2102", talk=30, kind="Inbound")
        yield {"muller": muller, "curie": curie, "clock": clock}


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    table = _Table()
    table.feed(response.content.decode())
    for row in table.rows:
        assert len(row) == len(table.headings), (table.headings, row)
    return [dict(zip(table.headings, row, strict=True)) for row in table.rows]


def calls_page(client, **query):
    return client.get(reverse("billing:calls"), {"date": "2030-05-01", **query})


def test_the_days_calls_newest_first_with_local_times_masked_numbers_and_what_each_cost(
    desk_client, calls_of_the_day
):
    response = calls_page(desk_client)
    text = html.unescape(response.content.decode())
    assert "Calls of Wednesday 1 May 2030" in text and "times in Europe/Berlin" in text
    assert [
        (
            r["Started (Europe/Berlin)"],
            r["Room"],
            r["Guest"],
            r["Direction"],
            r["Number"],
            r["Talk"],
            r["Charge"],
        )
        for r in rows(response)
    ] == [
        ("11:00:00", "102", "Marie Curie", "Incoming", "0301234xxx", "0:30", "free: inbound"),
        (
            "10:30:00",
            "102",
            "Marie Curie",
            "Outgoing",
            "0900123xxx",
            "1:01",
            "not charged barred number (not charged)",
        ),
        ("10:00:00", "101", "Jürgen Müller", "Outgoing", "0800123xxx", "1:00", "free: free number"),
        ("09:30:00", "101", "Jürgen Müller", "Outgoing", "00442071234xxx", "3:10", "0.80 EUR"),
    ]
    assert "00442071234567" not in text  # the desk reads the number as the invoice prints it
    line = FolioLine.objects.get(call_record__callid="1.1")
    folio = reverse("billing:folio", args=[calls_of_the_day["muller"].pk])
    assert f'href="{folio}#line-{line.pk}"' in text
    assert f'id="line-{line.pk}"' in desk_client.get(folio).content.decode()


def test_filters_by_room_guest_without_accents_direction_and_outcome(desk_client, calls_of_the_day):
    def numbers(**query):
        return [r["Number"] for r in rows(calls_page(desk_client, **query))]

    assert numbers(room="101") == ["0800123xxx", "00442071234xxx"]
    assert numbers(guest="muller") == numbers(guest="MÜLLER jurgen") == ["0800123xxx", "00442071234xxx"]
    assert numbers(direction="inbound") == ["0301234xxx"]
    assert numbers(direction="outbound", room="102") == ["0900123xxx"]
    assert numbers(outcome="charged") == ["00442071234xxx"]
    assert numbers(outcome="free") == ["0301234xxx", "0800123xxx"]
    assert numbers(outcome="not_charged") == ["0900123xxx"]
    assert (
        "No calls match these filters on this day."
        in calls_page(desk_client, guest="nobody").content.decode()
    )


def test_the_day_before_shows_the_call_from_the_empty_room_with_why_it_was_not_charged(
    desk_client, calls_of_the_day
):
    [row] = rows(calls_page(desk_client, date="2030-04-30"))
    assert (row["Started (Europe/Berlin)"], row["Room"], row["Guest"]) == ("23:30:00", "101", "no stay")
    assert row["Charge"] == "not charged no stay in the room" and row["Folio"] == ""
    page = calls_page(desk_client, date="2030-04-30").content.decode()
    assert "?date=2030-04-29" in page and "?date=2030-05-01" in page


def test_a_wrong_filter_is_named_and_the_others_still_apply(desk_client, calls_of_the_day):
    response = calls_page(desk_client, date="2030-13-45", outcome="charged")
    assert "Day: Enter a valid date." in html.unescape(response.content.decode())
    assert [r["Charge"] for r in rows(response)] == ["0.80 EUR"]  # today (1 May), charged only
    unknown = calls_page(desk_client, outcome="sometimes")
    assert "Outcome: Select a valid choice." in html.unescape(unknown.content.decode())
    assert len(rows(unknown)) == 4


def test_the_list_is_paginated(desk_client, calls_of_the_day):
    for n in range(55):
        send_cdr(f"2.{n}", at=at(11, 30) + timedelta(seconds=n), src="2101", dst="0800123456", talk=5)
    first = calls_page(desk_client)
    assert len(rows(first)) == 50 and "Page 1 of 2" in first.content.decode()
    second = calls_page(desk_client, page=2)
    assert len(rows(second)) == 9
    assert CallRecord.objects.count() == 60


def test_the_desk_navigation_links_to_calls_and_housekeeping_may_not_open_it(
    desk_client, housekeeping_user, calls_of_the_day
):
    board = desk_client.get(reverse("rooms:board")).content.decode()
    assert f'href="{reverse("billing:calls")}"' in board
    maid = Client()
    maid.force_login(housekeeping_user)
    assert maid.get(reverse("billing:calls")).status_code == 403


def test_the_page_costs_the_same_queries_for_4_calls_as_for_50(desk_client, calls_of_the_day):
    with CaptureQueriesContext(connection) as few:
        assert len(rows(calls_page(desk_client))) == 4
    for n in range(46):
        send_cdr(f"3.{n}", at=at(11, 30) + timedelta(seconds=n), src="2101", dst="00442071234567", talk=70)
    with CaptureQueriesContext(connection) as many:
        assert len(rows(calls_page(desk_client))) == 50
    assert len(many) == len(few)

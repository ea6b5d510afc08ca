# ruff: noqa: RUF001  (guests read a multiplication sign, U+00D7, in "2 x Water")
"""Minibar from the room phone (DTMF reports, both API formats), the housekeeping tablet and the desk:
each posting lands once, on the guest in the room or, after departure, as a late charge of the last stay."""

import html
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import FolioLine, MinibarItem
from hotelpbx.pbx.ingest import store_report
from hotelpbx.pbx.processing import process_event
from rooms import services as rooms
from tests.billing.conftest import SN
from tests.factories import GuestFactory, RoomFactory, StayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"), tax_rate=Decimal("7"))
    MinibarItem.objects.create(code="2001", name="Peanuts", price=Decimal("4.20"), tax_rate=Decimal("19"))
    MinibarItem.objects.create(code="3003", name="Old wine", price=Decimal("30"), active=False)


@pytest.fixture
def guest_in_101(catalogue):
    room = RoomFactory(extension="2101", number="101")
    return rooms.stay_check_in(stay=StayFactory(room=room, guest=GuestFactory(last_name="Curie")))


def key_presses(digits: str, *, callid: str = "1700000900.1", fmt: str = "v1") -> None:
    """One DTMF report per key, with the digits so far, as the PBX sends them."""
    for flag, _ in enumerate(digits):
        so_far = digits[: flag + 1]
        if fmt == "v1":
            body = {"action": "DTMF", "callid": callid, "call": [{"ext": {"extid": "2101"}}]}
            body.update(info=so_far[-1], flag=str(flag), infos=so_far, sn=SN)
        else:
            member = {"ext": {"number": "2101", "channelid": "PJSIP/2101-1", "memberstatus": "ANSWERED"}}
            body = {"event": "DTMF", "callid": callid, "members": [member]}
            body.update(info=so_far[-1], flag=flag, infos=so_far, sn=SN)
        event, _ = store_report(raw=json.dumps(body).encode(), source_ip="127.0.0.1")
        process_event(event.pk)


def minibar_lines():
    return list(
        FolioLine.objects.filter(kind="minibar").values_list("description", "amount", "source", "late")
    )


@pytest.mark.parametrize("fmt", ["v1", "v2"])
def test_housekeeping_keys_item_and_quantity_on_the_room_phone(guest_in_101, fmt):
    key_presses("*71045*2#", fmt=fmt)
    assert minibar_lines() == [("Minibar: 2 × Water", Decimal("7.00"), "room_phone", False)]


def test_a_resent_report_or_the_same_sequence_keyed_twice_in_one_call_posts_once(guest_in_101):
    key_presses("*71045*2#")
    key_presses("*71045*2#")  # every report again (the PBX retrying)
    key_presses("*71045*2#*71045*2#*72001*1#")  # the same item keyed twice, then another item
    assert minibar_lines() == [
        ("Minibar: 2 × Water", Decimal("7.00"), "room_phone", False),
        ("Minibar: 1 × Peanuts", Decimal("4.20"), "room_phone", False),
    ]


def test_unknown_inactive_or_unfinished_codes_post_nothing(guest_in_101):
    key_presses("*79999*1#", callid="1.1")
    key_presses("*73003*1#", callid="1.2")
    key_presses("*71045*2", callid="1.3")  # never closed with #
    key_presses("12", callid="1.4")  # a room status code, not minibar
    assert minibar_lines() == []


def test_minibar_keyed_in_a_vacant_room_after_departure_is_a_late_charge_of_the_last_stay(guest_in_101):
    rooms.stay_check_out(stay=guest_in_101)
    key_presses("*71045*1#")
    line = FolioLine.objects.get()
    assert line.folio.stay == guest_in_101 and line.late


def test_the_tablet_posts_counts_for_a_room_once_even_when_tapped_twice(housekeeping_client, guest_in_101):
    url = reverse("billing:minibar_tablet", args=["101"])
    page = housekeeping_client.get(url).content.decode()
    assert 'name="qty_1045"' in page and 'name="qty_3003"' not in page  # inactive items are not offered
    key = page.split('name="key" value="', 1)[1].split('"', 1)[0]
    for _ in range(2):
        housekeeping_client.post(url, {"key": key, "qty_1045": "2", "qty_2001": "0"})
    assert [(d, a, s) for d, a, s, _ in minibar_lines()] == [
        ("Minibar: 2 × Water", Decimal("7.00"), "tablet")
    ]


def test_a_bad_count_on_the_tablet_is_refused_with_what_was_typed_kept(housekeeping_client, guest_in_101):
    url = reverse("billing:minibar_tablet", args=["101"])
    response = housekeeping_client.post(url, {"key": "k1", "qty_1045": "2", "qty_2001": "lots"})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Peanuts: 'lots' is not a count from 0 to 99." in page
    assert 'value="2"' in page and 'value="lots"' in page
    assert minibar_lines() == []


def test_each_room_card_on_the_housekeeping_tablet_opens_its_minibar(housekeeping_client, guest_in_101):
    page = housekeeping_client.get(reverse("rooms:housekeeping")).content.decode()
    assert reverse("billing:minibar_tablet", args=["101"]) in page

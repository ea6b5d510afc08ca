# ruff: noqa: RUF001  (guests read a multiplication sign, U+00D7, in "2 x 0.30")
"""The desk's folio: grouped lines with call details, payments, voids, and check-out that needs a settled
folio unless a manager lets the guest leave with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import CheckOutOverride, FolioLine, MinibarItem
from billing.services import MinibarCount, folio_balance, folio_for_stay, folio_post_charge, minibar_post
from hotelpbx.core.models import AuditEntry
from rooms import services as rooms
from rooms.models import Room, Stay, StayStatus
from tests.billing.conftest import send_cdr
from tests.factories import GuestFactory, RoomFactory, StayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stay_with_call(standard_tariff):
    room = RoomFactory(extension="2101", number="101")
    stay = rooms.stay_check_in(
        stay=StayFactory(room=room, guest=GuestFactory(first_name="Marie", last_name="Curie"))
    )
    send_cdr(
        "1700000300.1", at=timezone.now() + timedelta(minutes=1), src="2101", dst="00442071234567", talk=190
    )
    return stay


def test_the_stay_page_links_to_its_folio(desk_client, stay_with_call):
    page = desk_client.get(reverse("rooms:stay_detail", args=[stay_with_call.pk])).content.decode()
    assert reverse("billing:folio", args=[stay_with_call.pk]) in page


def test_the_folio_groups_lines_by_kind_with_call_details(desk_client, stay_with_call):
    page = desk_client.get(reverse("billing:folio", args=[stay_with_call.pk])).content.decode()
    assert 'id="folio-group-call"' in page
    assert "International mobile, 3 min 10 s: 0.20 for the first 2 min + 2 × 0.30 per min" in page
    assert "00442071234567" in page and "3:10" in page
    assert "Balance <strong>0.80 EUR</strong>" in page


def test_housekeeping_cannot_open_a_folio(housekeeping_client, stay_with_call):
    assert housekeeping_client.get(reverse("billing:folio", args=[stay_with_call.pk])).status_code == 403


def test_check_out_is_refused_with_a_balance_until_a_payment_settles_it(desk_client, stay_with_call):
    # the rooms check-out page refuses too, in the folio's words
    page = desk_client.post(reverse("rooms:check_out", args=[stay_with_call.pk]), {"reason": "flight"})
    assert "The folio has a balance of 0.80 EUR" in page.content.decode()
    refused = desk_client.post(reverse("billing:folio_check_out", args=[stay_with_call.pk]), {})
    assert refused.status_code == 400
    assert (
        "The folio has a balance of 0.80 EUR: record a payment on the folio page first"
        in refused.content.decode()
    )
    assert Stay.objects.get(pk=stay_with_call.pk).status == StayStatus.IN_HOUSE

    paid = desk_client.post(
        reverse("billing:folio_payment", args=[stay_with_call.pk]), {"amount": "0.80", "method": "card"}
    )
    assert paid.status_code == 302
    done = desk_client.post(reverse("billing:folio_check_out", args=[stay_with_call.pk]), {}, follow=True)
    assert "checked out of room 101" in done.content.decode()
    assert Stay.objects.get(pk=stay_with_call.pk).status == StayStatus.CHECKED_OUT
    line = FolioLine.objects.get(kind="payment")
    assert (line.amount, line.payment_method, line.posted_by.username) == (Decimal("-0.80"), "card", "desk")


def test_only_a_manager_lets_a_guest_leave_with_a_balance_and_the_reason_is_kept(
    client, desk_client, manager_user, stay_with_call
):
    refused = desk_client.post(
        reverse("billing:folio_check_out", args=[stay_with_call.pk]), {"override_reason": "company pays"}
    )
    assert "Only a manager can let a guest leave with a balance." in refused.content.decode()
    client.force_login(manager_user)
    page = client.get(reverse("billing:folio", args=[stay_with_call.pk])).content.decode()
    assert "let the guest leave with the balance" in page
    client.post(
        reverse("billing:folio_check_out", args=[stay_with_call.pk]), {"override_reason": "company pays"}
    )
    assert Stay.objects.get(pk=stay_with_call.pk).status == StayStatus.CHECKED_OUT
    override = CheckOutOverride.objects.get()
    assert (override.balance, override.reason, override.by) == (Decimal("0.80"), "company pays", manager_user)
    assert AuditEntry.objects.filter(action="folio.override").count() == 1


def test_voiding_a_line_from_the_folio_needs_a_reason_and_posts_a_reversal(desk_client, stay_with_call):
    line = FolioLine.objects.get()
    url = reverse("billing:folio_void", args=[stay_with_call.pk, line.pk])
    desk_client.post(url, {"reason": ""})
    assert FolioLine.objects.count() == 1
    desk_client.post(url, {"reason": "wrong room"})
    desk_client.post(url, {"reason": "wrong room"})  # a double click
    assert folio_balance(folio_for_stay(stay_with_call)) == Decimal("0.00")
    assert FolioLine.objects.count() == 2
    page = desk_client.get(reverse("billing:folio", args=[stay_with_call.pk])).content.decode()
    assert "voided" in page and "wrong room" in page


def test_bad_amounts_get_a_form_error_never_a_500(desk_client, stay_with_call):
    for data in (
        {"amount": "abc", "method": "cash"},
        {"amount": "-5", "method": "cash"},
        {"amount": "1", "method": "x"},
    ):
        response = desk_client.post(reverse("billing:folio_payment", args=[stay_with_call.pk]), data)
        assert response.status_code == 400
    response = desk_client.post(
        reverse("billing:folio_charge", args=[stay_with_call.pk]),
        {"kind": "service", "description": "Laundry", "amount": "-3", "tax_rate": "19"},
    )
    assert "A service charge is a positive amount" in response.content.decode()
    assert FolioLine.objects.count() == 1


def test_a_service_and_room_nights_are_posted_once(desk_client, stay_with_call):
    desk_client.post(
        reverse("billing:folio_charge", args=[stay_with_call.pk]),
        {"kind": "service", "description": "Laundry", "amount": "12.50", "tax_rate": "19"},
    )
    desk_client.post(reverse("billing:folio_room_nights", args=[stay_with_call.pk]))
    desk_client.post(reverse("billing:folio_room_nights", args=[stay_with_call.pk]))
    kinds = sorted(FolioLine.objects.values_list("kind", "amount"))
    assert kinds == [
        ("call", Decimal("0.80")),
        ("room_night", Decimal("119.00")),
        ("room_night", Decimal("119.00")),
        ("service", Decimal("12.50")),
    ]


def test_minibar_from_the_desk_posts_once_per_form(desk_client, stay_with_call):
    MinibarItem.objects.create(
        code="1045", name="Sparkling water", price=Decimal("3.50"), tax_rate=Decimal("19")
    )
    url = reverse("billing:folio_minibar", args=[stay_with_call.pk])
    for _ in range(2):  # a double click sends the same form twice
        desk_client.post(url, {"code": "1045", "quantity": "2", "key": "abc123"})
    line = FolioLine.objects.get(kind="minibar")
    assert (line.description, line.amount, line.source) == (
        "Minibar: 2 × Sparkling water",
        Decimal("7.00"),
        "desk",
    )
    response = desk_client.post(url, {"code": "9999", "quantity": "1", "key": "other"})
    assert "No active minibar item with code 9999" in response.content.decode()


def test_the_late_charges_page_lists_a_departed_guests_open_charges(desk_client, standard_tariff):
    room = RoomFactory(extension="2102", number="102")
    stay = rooms.stay_check_in(stay=StayFactory(room=room, guest=GuestFactory(last_name="Bohr")))
    started = timezone.now() + timedelta(seconds=5)
    rooms.stay_check_out(stay=stay)
    Stay.objects.filter(pk=stay.pk).update(checked_out_at=started + timedelta(seconds=30))
    send_cdr("1700000300.2", at=started, src="2102", talk=190)
    page = desk_client.get(reverse("billing:late_charges")).content.decode()
    assert "Bohr" in page and "0.80" in page
    assert Room.objects.get(pk=room.pk).number == "102"


def test_check_out_waits_briefly_for_a_call_in_progress_and_its_later_charge_is_late(stay_with_call):
    import time

    from billing.services import folio_check_out, folio_record_payment

    folio_record_payment(folio=folio_for_stay(stay_with_call), amount=Decimal("0.80"), method="cash")
    Room.objects.filter(pk=stay_with_call.room_id).update(phone_status="Busy")
    started = time.monotonic()
    folio_check_out(stay=stay_with_call, by=None, wait_seconds=0.5)
    assert time.monotonic() - started >= 0.5  # it waited for the call to end, then went ahead
    assert Stay.objects.get(pk=stay_with_call.pk).status == StayStatus.CHECKED_OUT
    call_start = stay_with_call.checked_in_at  # the call began while the guest was still in
    send_cdr("1700000300.9", at=call_start, src="2101", dst="0301234567", talk=125)
    late = FolioLine.objects.get(call_record__callid="1700000300.9")
    assert late.late and late.amount == Decimal("0.30")


def test_the_folio_says_where_each_posting_came_from_and_who_posted_it(
    desk_client, stay_with_call, housekeeping_user, front_desk_user
):
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"))
    room = stay_with_call.room
    minibar_post(
        room=room,
        counts=[MinibarCount("1045", 1)],
        source="tablet",
        by=housekeeping_user,
        idempotency_key="t1",
    )
    minibar_post(room=room, counts=[MinibarCount("1045", 2)], source="room_phone", idempotency_key="p1")
    folio_post_charge(
        folio=folio_for_stay(stay_with_call),
        kind="service",
        description="Laundry",
        amount=Decimal("9"),
        by=front_desk_user,
    )

    page = desk_client.get(reverse("billing:folio", args=[stay_with_call.pk])).content.decode()
    assert f"Housekeeping tablet · {housekeeping_user.username}" in page
    assert "Room phone</td>" in page
    assert f"Front desk · {front_desk_user.username}" in page
    assert "Call record</td>" in page

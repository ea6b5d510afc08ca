# ruff: noqa: RUF001  (guests read a multiplication sign, U+00D7, in "2 x 0.30")
"""Every chargeable call lands on its stay's folio exactly once, explained; the ledger is append-only."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing import selectors
from billing.models import CallRecord, Folio, FolioLine, LedgerIsAppendOnly, LineKind
from billing.rating import Reason
from billing.services import (
    BillingError,
    call_record_from_cdr,
    call_rerate,
    folio_balance,
    folio_for_stay,
    folio_line_reverse,
    folio_record_payment,
    tariff_import,
)
from rooms import services as rooms
from tests.billing.conftest import SN, STANDARD_TARIFF, pbx_time, send_cdr
from tests.factories import GuestFactory, RoomFactory, StayFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_stay(standard_tariff):
    room = RoomFactory(extension="2101", number="101")
    return rooms.stay_check_in(stay=StayFactory(room=room, guest=GuestFactory(last_name="Curie")))


def soon(minutes: int = 1):
    return timezone.now() + timedelta(minutes=minutes)


def test_an_answered_international_call_is_posted_once_with_its_explanation(guest_stay):
    started = soon()  # one moment: the PBX resends the very same record
    send_cdr("1700000000.1", at=started, src="2101", dst="00442071234567", talk=190)
    send_cdr("1700000000.1", at=started, src="2101", dst="00442071234567", talk=190)  # the PBX again
    line = FolioLine.objects.get()
    assert line.folio.stay == guest_stay
    assert line.kind == LineKind.CALL and line.amount == Decimal("0.80") and not line.late
    assert line.description == (
        "International mobile, 3 min 10 s: 0.20 for the first 2 min + 2 × 0.30 per min"
    )
    assert line.tax_rate == Decimal("19.00") and line.source == "call_record"
    record = CallRecord.objects.get()
    assert (record.outcome, record.reason, record.tariff_version.version) == ("charged", "charged", 1)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"kind": "Inbound", "src": "0301234567", "dst": "2101"}, Reason.INBOUND),
        ({"kind": "Internal", "dst": "2102"}, Reason.INTERNAL),
        ({"status": "NO ANSWER", "talk": 0}, Reason.NOT_ANSWERED),
        ({"status": "BUSY", "talk": 0}, Reason.NOT_ANSWERED),
        ({"dst": "112"}, Reason.EMERGENCY),
        ({"dst": "9112"}, Reason.EMERGENCY),
        ({"dst": "08001234567"}, Reason.FREE_NUMBER),
        ({"dst": "0900123456"}, Reason.BARRED),
        ({"dst": "5551234"}, Reason.NO_RULE),
        ({"dst": "0301234567", "talk": 5}, Reason.UNDER_GRACE),
        ({"src": "4999"}, Reason.UNKNOWN_EXTENSION),
    ],
)
def test_every_uncharged_call_keeps_its_reason_and_posts_nothing(guest_stay, changes, reason):
    send_cdr("1700000000.2", at=soon(), **{"src": "2101", **changes})
    record = CallRecord.objects.get()
    assert record.reason == reason
    assert FolioLine.objects.count() == 0


def test_a_call_from_a_vacant_room_is_listed_as_no_stay(standard_tariff):
    RoomFactory(extension="2107")
    send_cdr("1700000000.3", at=soon(), src="2107")
    assert [r.reason for r in selectors.uncharged_calls()] == [Reason.NO_STAY]


def test_no_matching_rule_is_listed_for_the_manager_never_silently_free(guest_stay):
    send_cdr("1700000000.4", at=soon(), src="2101", dst="5551234")
    listed = selectors.uncharged_calls()
    assert [(r.callee, r.reason_label) for r in listed] == [("5551234", "no tariff rule")]


def test_a_second_leg_under_the_same_callid_is_a_call_of_its_own(guest_stay):
    """A transfer or forward: same callid, another destination; both are billed (service level)."""
    first = SimpleNamespace(
        callid="1700000000.5",
        timestart=pbx_time(soon()),
        callfrom="2101",
        callto="00442071234567",
        call_seconds=200,
        talk_seconds=190,
        dst_trunk="SIP",
        src_trunk="",
        status="ANSWERED",
        type="Outbound",
    )
    second = SimpleNamespace(**{**vars(first), "callto": "0301234567", "talk_seconds": 61})
    call_record_from_cdr(cdr=first, serial=SN)
    call_record_from_cdr(cdr=second, serial=SN)
    call_record_from_cdr(cdr=first, serial=SN)  # a repeat of the first leg
    assert CallRecord.objects.count() == 2
    assert sorted(FolioLine.objects.values_list("amount", flat=True)) == [Decimal("0.20"), Decimal("0.80")]


def test_a_call_that_ends_after_check_out_is_a_late_charge_until_the_desk_settles_it(guest_stay):
    started = soon()
    with time_machine.travel(started + timedelta(minutes=2), tick=False):
        rooms.stay_check_out(stay=guest_stay)
    send_cdr("1700000000.6", at=started, src="2101", talk=190)
    line = FolioLine.objects.get()
    assert line.late and line.folio.stay == guest_stay
    assert [f.stay for f in selectors.late_charge_folios()] == [guest_stay]
    folio_record_payment(folio=line.folio, amount=Decimal("0.80"), method="card")
    assert selectors.late_charge_folios() == []


def test_a_call_reported_before_its_stay_exists_is_rated_when_the_stay_appears(
    standard_tariff, django_capture_on_commit_callbacks
):
    room = RoomFactory(extension="2103")
    stay = StayFactory(room=room)
    now = timezone.now()
    send_cdr("1700000000.7", at=now + timedelta(seconds=30), src="2103", talk=190)
    assert CallRecord.objects.get().reason == Reason.NO_STAY
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        rooms.stay_check_in(stay=stay)  # the desk entered the check-in a moment after the call began
    record = CallRecord.objects.get()
    assert (record.reason, record.stay) == (Reason.CHARGED, stay)
    assert folio_balance(folio_for_stay(stay)) == Decimal("0.80")


def test_posted_lines_are_never_changed_or_deleted_a_void_is_a_reversal_once(guest_stay):
    send_cdr("1700000000.8", at=soon(), src="2101", talk=190)
    line = FolioLine.objects.get()
    line.amount = Decimal("0.01")
    with pytest.raises(LedgerIsAppendOnly):
        line.save()
    with pytest.raises(LedgerIsAppendOnly):
        line.delete()
    with pytest.raises(LedgerIsAppendOnly):
        FolioLine.objects.filter(pk=line.pk).update(amount=0)
    with pytest.raises(LedgerIsAppendOnly):
        FolioLine.objects.all().delete()
    desk = UserFactory(username="desk1", role="Front desk")
    with pytest.raises(BillingError, match="Say why"):
        folio_line_reverse(line=line, by=desk, reason=" ")
    reversal = folio_line_reverse(line=line, by=desk, reason="guest disputes: wrong number")
    assert (reversal.amount, reversal.reverses, reversal.posted_by) == (Decimal("-0.80"), line, desk)
    with pytest.raises(BillingError, match="voided already"):
        folio_line_reverse(line=FolioLine.objects.get(pk=line.pk), by=desk, reason="again")
    assert folio_balance(line.folio) == Decimal("0.00")
    assert FolioLine.objects.count() == 2


def test_re_rating_after_a_tariff_fix_reverses_and_posts_never_edits(guest_stay):
    send_cdr("1700000000.9", at=soon(), src="2101", dst="0301234567", talk=125)
    assert FolioLine.objects.get().amount == Decimal("0.30")  # 3 x 0.09 + 10 %
    tariff_import(text=STANDARD_TARIFF.replace('unit_charge: "0.09"', 'unit_charge: "0.05"'))
    manager = UserFactory(username="boss1", role="Manager")
    desk = UserFactory(username="desk2", role="Front desk")
    record = CallRecord.objects.get()
    with pytest.raises(BillingError, match="Only a manager"):
        call_rerate(record=record, by=desk, reason="tariff corrected")
    call_rerate(record=record, by=manager, reason="tariff corrected")
    amounts = list(FolioLine.objects.order_by("id").values_list("amount", flat=True))
    assert amounts == [Decimal("0.30"), Decimal("-0.30"), Decimal("0.17")]
    record.refresh_from_db()
    assert (record.price, record.tariff_version.version, record.rating_revision) == (Decimal("0.17"), 2, 2)


@pytest.mark.django_db(transaction=True)
def test_raw_sql_cannot_change_or_delete_a_posted_line_on_postgresql(guest_stay):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; other databases rely on the model's guard")
    send_cdr("1700000001.0", at=soon(), src="2101", talk=190)
    line_id = FolioLine.objects.get().pk
    for sql in (
        "UPDATE billing_folioline SET amount = 0 WHERE id = %s",
        "DELETE FROM billing_folioline WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [line_id])
    assert FolioLine.objects.get(pk=line_id).amount == Decimal("0.80")


def test_a_house_account_takes_postings_without_a_stay(db):
    from billing.services import folio_post_charge, house_account

    account = house_account("Conference room")
    folio_post_charge(folio=account, kind="service", description="Coffee break", amount=Decimal("42.00"))
    assert folio_balance(account) == Decimal("42.00")
    assert Folio.objects.get().stay is None

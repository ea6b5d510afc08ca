"""Reports and desks racing each other on PostgreSQL (threads, real row locks): nothing doubles, nothing
is dropped."""

import threading
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import CallRecord, FolioLine
from billing.services import call_record_from_cdr, folio_balance, folio_for_stay, tariff_import
from rooms import services as rooms
from rooms.errors import RoomRuleError
from rooms.models import Stay, StayStatus
from tests.billing.conftest import SN, STANDARD_TARIFF, pbx_time
from tests.concurrency import race
from tests.factories import RoomFactory, StayFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL property; CI runs this on PostgreSQL")


def cdr(callid: str, *, at, dst="00442071234567", talk=190, src="2101"):
    return SimpleNamespace(
        callid=callid,
        timestart=pbx_time(at),
        callfrom=src,
        callto=dst,
        call_seconds=talk + 5,
        talk_seconds=talk,
        dst_trunk="SIP",
        src_trunk="",
        status="ANSWERED",
        type="Outbound",
    )


def _unexpected(exc: Exception) -> str:
    return f"unexpected {exc.__class__.__name__}: {exc}"


def test_concurrent_duplicate_call_reports_post_one_line():
    tariff_import(text=STANDARD_TARIFF)
    stay = rooms.stay_check_in(stay=StayFactory(room=RoomFactory(extension="2101")))
    report = cdr("1700000100.1", at=timezone.now() + timedelta(minutes=1))
    outcomes = race(8, lambda: call_record_from_cdr(cdr=report, serial=SN), _unexpected)
    assert outcomes == ["ok"] * 8
    assert CallRecord.objects.count() == 1
    assert list(FolioLine.objects.values_list("amount", flat=True)) == [Decimal("0.80")]
    assert folio_balance(folio_for_stay(stay)) == Decimal("0.80")


def test_check_out_racing_call_postings_has_one_check_out_and_every_charge_on_the_folio_or_late():
    tariff_import(text=STANDARD_TARIFF)
    stay = rooms.stay_check_in(stay=StayFactory(room=RoomFactory(extension="2101")))
    started = timezone.now() - timedelta(seconds=1)
    stay.checked_in_at = started - timedelta(minutes=5)
    Stay.objects.filter(pk=stay.pk).update(checked_in_at=stay.checked_in_at)
    reports = [cdr(f"1700000200.{i}", at=started + timedelta(milliseconds=0), talk=60 + i) for i in range(12)]
    it = iter(reports)
    lock = threading.Lock()
    allowed = {"checked out": 0}

    def act():
        with lock:
            report = next(it, None)
        if report is None:
            try:
                rooms.stay_check_out(stay=Stay.objects.get(pk=stay.pk))
                allowed["checked out"] += 1
            except RoomRuleError as exc:  # a balance appeared first: the desk must settle it
                assert "balance" in exc.message or "already" in exc.message
            return
        call_record_from_cdr(cdr=report, serial=SN)

    outcomes = race(len(reports) + 3, act, _unexpected)
    assert outcomes == ["ok"] * (len(reports) + 3)
    lines = list(FolioLine.objects.filter(folio__stay=stay))
    assert len(lines) == len(reports) == CallRecord.objects.count()  # none lost, none doubled
    stay.refresh_from_db()
    if stay.status == StayStatus.CHECKED_OUT:
        # only an empty folio could check out: every line was posted after it, as a late charge
        assert allowed["checked out"] == 1 and all(line.late for line in lines)
    else:
        assert allowed["checked out"] == 0 and not any(line.late for line in lines)

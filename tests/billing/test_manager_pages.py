"""Managers: tariff upload and export, uncharged calls with re-rating, reports with CSV and a chart."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import CallRecord, FolioLine, MinibarItem, TariffVersion
from billing.services import MinibarCount, minibar_post
from hotelpbx.core.timeutil import hotel_today
from rooms import services as rooms
from tests.billing.conftest import STANDARD_TARIFF, send_cdr
from tests.factories import RoomFactory, StayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.fixture
def activity(standard_tariff):
    """Two rooms phoning and a minibar posting today."""
    rooms_ = [RoomFactory(extension="2101", number="101"), RoomFactory(extension="2102", number="102")]
    for room in rooms_:
        rooms.stay_check_in(stay=StayFactory(room=room))
    soon = timezone.now() + timedelta(seconds=30)
    send_cdr("1.1", at=soon, src="2101", dst="00442071234567", talk=190)  # International mobile 0.80
    send_cdr("1.2", at=soon, src="2101", dst="0033123456789", talk=61)  # International 2 x 0.90 + 0.50 = 2.30
    send_cdr("1.3", at=soon, src="2102", dst="0301234567", talk=61)  # National 2 x 0.09 + 10 % = 0.20
    send_cdr("1.4", at=soon, src="2102", dst="0900123456", talk=61)  # barred
    send_cdr("1.5", at=soon, src="2102", dst="5551234", talk=61)  # no rule
    send_cdr("1.6", at=soon, src="2102", dst="0301234567", talk=0, status="NO ANSWER")
    MinibarItem.objects.create(code="1045", name="Water", price=Decimal("3.50"))
    minibar_post(room=rooms_[0], counts=[MinibarCount("1045", 3)], source="tablet", idempotency_key="r1")


def test_only_managers_see_reports_and_tariffs(desk_client):
    for name in ("billing:reports", "billing:tariffs", "billing:uncharged_calls"):
        assert desk_client.get(reverse(name)).status_code == 403


def test_reports_show_revenue_by_day_room_and_rule_minibar_and_uncharged_reasons(manager_client, activity):
    page = manager_client.get(reverse("billing:reports")).content.decode()
    assert "<svg" in page and "Call revenue per day" in page
    today = hotel_today()
    by_day = manager_client.get(reverse("billing:report_csv", args=["by_day"])).content.decode()
    rows = list(csv.reader(io.StringIO(by_day)))
    assert rows[0] == ["day", "calls", "revenue"]
    assert [str(today), "3", "3.30"] in rows and len(rows) == 31  # header + 30 days
    by_room = list(
        csv.reader(
            io.StringIO(manager_client.get(reverse("billing:report_csv", args=["by_room"])).content.decode())
        )
    )
    assert by_room[1:] == [["101", "2", "3.10"], ["102", "1", "0.20"]]
    by_rule = list(
        csv.reader(
            io.StringIO(manager_client.get(reverse("billing:report_csv", args=["by_rule"])).content.decode())
        )
    )
    assert by_rule[1:] == [
        ["International", "1", "2.30"],
        ["International mobile", "1", "0.80"],
        ["National", "1", "0.20"],
    ]
    minibar = list(
        csv.reader(
            io.StringIO(manager_client.get(reverse("billing:report_csv", args=["minibar"])).content.decode())
        )
    )
    assert minibar[1:] == [["1045", "Water", "3", "10.50"]]
    uncharged = manager_client.get(reverse("billing:report_csv", args=["uncharged"])).content.decode()
    assert "barred number (not charged),1" in uncharged and "no tariff rule,1" in uncharged
    assert "free: not answered,1" in uncharged


def test_a_bad_period_falls_back_to_the_last_30_days_never_a_500(manager_client, activity):
    for query in (
        "?start=2027-02-30",
        "?start=2027-03-01&end=2027-01-01",
        "?start=1900-01-01&end=2100-01-01",
    ):
        assert manager_client.get(reverse("billing:reports") + query).status_code == 200
        assert manager_client.get(reverse("billing:report_csv", args=["by_day"]) + query).status_code == 200


def test_a_manager_uploads_a_tariff_and_a_broken_one_is_refused_with_every_error(manager_client):
    bad = SimpleUploadedFile("t.yaml", b"tariff: X\ncurrency: EUR\nrules:\n  - {name: A, prefix: 0x}\n")
    response = manager_client.post(reverse("billing:tariffs"), {"document": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Refused, nothing imported" in page and "rules[0].prefix" in page and "rules[0].unit_charge" in page
    )
    good = SimpleUploadedFile("t.yaml", STANDARD_TARIFF.encode())
    response = manager_client.post(reverse("billing:tariffs"), {"document": good}, follow=True)
    assert "Imported Standard 2027 version 1" in response.content.decode()
    version = TariffVersion.objects.get()
    assert version.imported_by.username == "boss"
    exported = manager_client.get(reverse("billing:tariff_export", args=[version.name, 1]))
    assert exported.content.decode() == STANDARD_TARIFF
    binary = SimpleUploadedFile("t.yaml", b"\xff\xfe\x00")
    assert (
        "not UTF-8" in manager_client.post(reverse("billing:tariffs"), {"document": binary}).content.decode()
    )


def test_uncharged_calls_are_listed_and_re_rated_after_the_tariff_is_fixed(manager_client, activity):
    page = manager_client.get(reverse("billing:uncharged_calls")).content.decode()
    assert "5551234" in page and "no tariff rule" in page and "0900123456" in page
    fixed = STANDARD_TARIFF.replace(
        "rules:\n", 'rules:\n  - {name: Local, prefix: "5", unit_seconds: 60, unit_charge: "0.05"}\n'
    )
    manager_client.post(
        reverse("billing:tariffs"), {"document": SimpleUploadedFile("t.yaml", fixed.encode())}
    )
    record = CallRecord.objects.get(callee="5551234")
    manager_client.post(
        reverse("billing:call_rerate", args=[record.pk]), {"reason": "local calls were missing"}
    )
    record.refresh_from_db()
    assert (record.reason, record.rule_name, record.price) == ("charged", "Local", Decimal("0.10"))
    assert FolioLine.objects.filter(call_record=record).count() == 1
    listed = manager_client.get(reverse("billing:uncharged_calls")).content.decode()
    assert "5551234" not in listed.split('id="uncharged-calls"', 1)[1]  # the message above still names it

"""A corpus of call reports, replayed through the report webhook as the PBX sends them, produces folio
lines equal to the cent to the independent oracle, with the right reason on every uncharged call.
It spans the night the clocks go forward (PBX local times that do not exist are read one hour later)."""

import json
import random
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse

from billing.models import CallRecord, FolioLine
from billing.services import tariff_import
from hotelpbx.pbx import tasks as pbx_tasks
from hotelpbx.pbx.models import PbxEvent
from hotelpbx.pbx.processing import process_event
from rooms import services as rooms
from tests.billing.oracle import Oracle
from tests.billing.test_rating import ORACLE_TARIFF, TALK_BOUNDARIES
from tests.factories import RoomFactory, StayFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
TOKEN = "replay-token-0123456789abcdef"
SN = "369364835218"
CALLS = 600


def oracle_local(timestart: str) -> datetime:
    """The hotel's wall clock at a PBX start time; 02:xx on the spring-forward night does not exist and
    reads as 03:xx (Europe/Berlin, last Sunday of March)."""
    naive = datetime.strptime(timestart, "%Y-%m-%d %H:%M:%S")
    if naive.date() == datetime(2027, 3, 28).date() and naive.hour == 2:
        naive += timedelta(hours=1)
    return naive


def expected(oracle: Oracle, call: dict, rooms_with_guests: set[str], room_extensions: set[str]):
    kind, status = call["type"], call["status"]
    if kind == "Inbound":
        return "inbound", Fraction(0)
    if kind != "Outbound":
        return "internal", Fraction(0)
    if status != "ANSWERED":
        return "not_answered", Fraction(0)
    if call["callfrom"] not in room_extensions:
        return "unknown_extension", Fraction(0)
    if call["callfrom"] not in rooms_with_guests:
        return "no_stay", Fraction(0)
    reason, price, _ = oracle.rate(
        call["callto"], int(call["talkduraction"]), oracle_local(call["timestart"])
    )
    return reason, price


def number(rnd: random.Random, starts: list[str], i: int) -> str:
    if i % 40 == 1:  # emergency, as dialled, behind the access code, or international-looking
        return rnd.choice(["112", "9112", "+911", "999"])
    return rnd.choice(starts) + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(0, 11)))


def corpus(seed: int):
    rnd = random.Random(seed)
    starts = [
        "",
        "9",
        "+",
        "0",
        "00",
        "0044",
        "00447",
        "01",
        "0137",
        "0800",
        "0900",
        "116",
        "112",
        "9112",
        "5",
    ]
    first = datetime(2027, 3, 27, 9, 0)
    for i in range(CALLS):
        if i % 6 == 0:  # the spring-forward night, every minute from 01:00 to 04:00 (02:xx does not exist)
            local = datetime(2027, 3, 28, 1, 0) + timedelta(
                minutes=rnd.randint(0, 180), seconds=rnd.randint(0, 59)
            )
        else:
            local = first + timedelta(seconds=rnd.randint(0, 4 * 86400))
        talk = rnd.choice(TALK_BOUNDARIES) if rnd.random() < 0.5 else rnd.randint(0, 3000)
        kind = rnd.choices(["Outbound", "Inbound", "Internal"], [8, 1, 1])[0]
        status = rnd.choices(["ANSWERED", "NO ANSWER", "BUSY", "FAILED"], [8, 1, 1, 1])[0]
        if status != "ANSWERED":
            talk = 0
        src = rnd.choice(["2101", "2102", "2103", "2104", "777"])  # 2104: vacant room; 777: not a room
        if i % 40 == 1:  # emergency calls from guests, as dialled and behind the access code
            kind, status, src = "Outbound", "ANSWERED", "2101"
        yield {
            "action": "NewCdr",
            "callid": f"1800000000.{i}",
            "timestart": local.strftime("%Y-%m-%d %H:%M:%S"),
            "callfrom": src if kind != "Inbound" else "0301234567",
            "callto": number(rnd, starts, i) if kind != "Inbound" else src,
            "callduraction": str(talk + rnd.randint(0, 30)),
            "talkduraction": str(talk),
            "status": status,
            "type": kind,
            "sn": SN,
        }


def test_a_replayed_corpus_matches_the_oracle_to_the_cent_with_every_reason(client, settings, monkeypatch):
    settings.PBX_EVENTS_TOKEN = TOKEN
    settings.PBX_ALLOWED_IPS = []
    settings.PBX_SERIAL = SN
    settings.HOTEL_TIME_ZONE = settings.PBX_TIME_ZONE = "Europe/Berlin"
    monkeypatch.setattr(pbx_tasks.process_event_task, "delay", lambda event_id: None)
    tariff_import(text=ORACLE_TARIFF)
    with time_machine.travel(datetime(2027, 3, 26, 12, 0, tzinfo=BERLIN), tick=False):
        for ext in ("2101", "2102", "2103"):
            rooms.stay_check_in(stay=StayFactory(room=RoomFactory(extension=ext, number=ext[1:])))
        RoomFactory(extension="2104", number="104")
    oracle = Oracle(ORACLE_TARIFF)
    calls = list(corpus(seed=3))
    for call in calls:
        response = client.generic(
            "POST",
            reverse("pbx:events", args=[TOKEN]),
            json.dumps(call).encode(),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.9",
        )
        assert response.status_code == 200, response.content
    for event_id in PbxEvent.objects.order_by("id").values_list("id", flat=True):
        process_event(event_id)

    records = {r.callid: r for r in CallRecord.objects.all()}
    charged = {
        row["call_record__callid"]: row["total"]
        for row in FolioLine.objects.values("call_record__callid").annotate(total=Sum("amount"))
    }
    assert len(records) == CALLS
    seen_reasons = set()
    for call in calls:
        reason, price = expected(oracle, call, {"2101", "2102", "2103"}, {"2101", "2102", "2103", "2104"})
        record = records[call["callid"]]
        assert record.reason == reason, (call, record.reason, record.explanation)
        assert Fraction(str(charged.get(call["callid"], 0))) == price, (call, charged.get(call["callid"]))
        seen_reasons.add(reason)
    assert seen_reasons >= {
        "charged", "inbound", "internal", "not_answered", "unknown_extension", "no_stay",
        "emergency", "free_number", "barred", "no_rule", "under_grace",
    }  # fmt: skip


def test_a_batch_back_fill_gives_the_same_records_and_lines_as_one_report_at_a_time(settings):
    """calls_post_batch (back-fill) agrees with the webhook path on every call; a second run adds nothing."""
    from types import SimpleNamespace

    from billing.services import calls_post_batch

    settings.HOTEL_TIME_ZONE = settings.PBX_TIME_ZONE = "Europe/Berlin"
    tariff_import(text=ORACLE_TARIFF)
    with time_machine.travel(datetime(2027, 3, 26, 12, 0, tzinfo=BERLIN), tick=False):
        for ext in ("2101", "2102", "2103"):
            rooms.stay_check_in(stay=StayFactory(room=RoomFactory(extension=ext, number=ext[1:])))
        RoomFactory(extension="2104", number="104")
    oracle = Oracle(ORACLE_TARIFF)
    calls = list(corpus(seed=4))[:300]
    cdrs = [
        SimpleNamespace(
            callid=c["callid"],
            timestart=c["timestart"],
            callfrom=c["callfrom"],
            callto=c["callto"],
            call_seconds=int(c["callduraction"]),
            talk_seconds=int(c["talkduraction"]),
            src_trunk="",
            dst_trunk="",
            status=c["status"],
            type=c["type"],
        )
        for c in calls
    ]
    assert calls_post_batch(cdrs[:100], serial=SN) == 100
    assert calls_post_batch(cdrs, serial=SN) == 200  # the first hundred are known already
    assert calls_post_batch(cdrs, serial=SN) == 0
    charged = {
        row["call_record__callid"]: row["total"]
        for row in FolioLine.objects.values("call_record__callid").annotate(total=Sum("amount"))
    }
    records = {r.callid: r for r in CallRecord.objects.all()}
    assert len(records) == 300
    for call in calls:
        reason, price = expected(oracle, call, {"2101", "2102", "2103"}, {"2101", "2102", "2103", "2104"})
        assert records[call["callid"]].reason == reason, call
        assert Fraction(str(charged.get(call["callid"], 0))) == price, call

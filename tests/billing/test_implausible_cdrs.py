"""Call records whose durations cannot be true are kept as rejected with the reason, never billed or
clamped. Sent through the report webhook, as the PBX sends them (the sample bodies, mutated)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import CallRecord
from hotelpbx.pbx import tasks
from hotelpbx.pbx.models import EventStatus, PbxEvent
from hotelpbx.pbx.processing import process_event
from rooms import services
from tests.factories import GuestFactory, RoomFactory, StayFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent.parent / "pbx" / "samples"
TOKEN = "s3cret-path-token-0123456789"
SN = "369364835218"
CDR_SAMPLES = ["v1_NewCdr_outbound_answered.json", "v2_NewCdr_outbound_answered.json"]


@pytest.fixture(autouse=True)
def pbx_settings(settings, monkeypatch):
    settings.PBX_EVENTS_TOKEN = TOKEN
    settings.PBX_ALLOWED_IPS = []
    settings.PBX_SERIAL = SN
    settings.PBX_TIME_ZONE = "UTC"
    monkeypatch.setattr(tasks.process_event_task, "delay", lambda event_id: None)


@pytest.fixture
def guest_in_2101():
    room = RoomFactory(extension="2101")
    return services.stay_check_in(stay=StayFactory(room=room, guest=GuestFactory(last_name="Curie")))


def _send(client, sample: str, **changes):
    body = json.loads((SAMPLES / sample).read_text())
    body["timestart"] = (timezone.now() + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")  # PBX in UTC
    body.update(changes)
    raw = json.dumps(body).encode()
    return client.generic(
        "POST",
        reverse("pbx:events", args=[TOKEN]),
        raw,
        content_type="application/json",
        REMOTE_ADDR="10.0.0.9",
    ), body["callid"]


@pytest.mark.parametrize("sample", CDR_SAMPLES)
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"talkduraction": "1e308", "callduraction": "1e308"}, "callduraction 1e308 s is longer than a day"),
        ({"talkduraction": "1e308"}, "talkduraction 1e308 s is longer than a day"),
        ({"talkduraction": "-5"}, "talkduraction -5 is negative"),
        ({"callduraction": "-1"}, "callduraction -1 is negative"),
        ({"talkduraction": "NaN"}, "talkduraction 'NaN' is not a finite number of seconds"),
        ({"talkduraction": "inf"}, "talkduraction 'inf' is not a finite number of seconds"),
        ({"callduraction": "-Infinity"}, "callduraction '-Infinity' is not a finite number of seconds"),
        ({"talkduraction": "86401", "callduraction": "86500"}, "longer than a day (86400 s)"),
        ({"talkduraction": "abc"}, "talkduraction 'abc' is not a number of seconds"),
        (
            {"talkduraction": "300", "callduraction": "75"},
            "talkduraction 300 s is longer than callduraction 75 s",
        ),
    ],
    ids=[
        "1e308-both",
        "1e308-talk",
        "negative-talk",
        "negative-call",
        "nan",
        "inf",
        "-inf",
        "over-a-day",
        "not-a-number",
        "talk-longer-than-call",
    ],
)
def test_an_absurd_call_record_is_kept_rejected_with_the_reason(
    client, desk_client, guest_in_2101, sample, changes, reason
):
    response, callid = _send(client, sample, **changes)

    assert response.status_code < 500
    event = PbxEvent.objects.get(callid=callid)
    assert event.status == EventStatus.REJECTED
    assert event.name == "NewCdr"
    assert event.reject_reason.startswith("implausible call record: ")
    assert reason in event.reject_reason
    assert not CallRecord.objects.exists()  # neither billed at 68 years nor at 0

    page = desk_client.get(reverse("pbx:status")).content.decode()
    assert reason.replace("'", "&#x27;") in page


@pytest.mark.parametrize("sample", CDR_SAMPLES)
def test_a_plausible_call_record_is_kept_and_lands_on_the_stay(client, guest_in_2101, sample):
    response, callid = _send(client, sample, talkduraction="3600", callduraction="3615")
    assert response.status_code == 200
    event = PbxEvent.objects.get(callid=callid)
    assert event.status == EventStatus.RECEIVED
    process_event(event.pk)
    record = CallRecord.objects.get(callid=callid)
    assert (record.talk_seconds, record.call_seconds, record.stay) == (3600, 3615, guest_in_2101)


@pytest.mark.parametrize("sample", CDR_SAMPLES)
def test_an_unanswered_call_without_durations_is_kept_with_zero_seconds(client, guest_in_2101, sample):
    response, callid = _send(client, sample, talkduraction="", callduraction="12", status="NO ANSWER")
    assert response.status_code == 200
    process_event(PbxEvent.objects.get(callid=callid).pk)
    assert CallRecord.objects.get(callid=callid).talk_seconds == 0

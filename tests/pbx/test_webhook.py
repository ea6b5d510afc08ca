"""The report webhook, as the PBX sees it (status codes) and the hotel sees it (rows kept, handlers run)."""

import contextlib
import json
import logging
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from hotelpbx.celery import app as celery_app
from hotelpbx.pbx import events, ingest, processing, tasks
from hotelpbx.pbx.models import EventStatus, PbxEvent, PbxLink

SAMPLES = Path(__file__).parent / "samples"
TOKEN = "s3cret-path-token-0123456789"
SN = "369364835218"
PBX_IP = "192.168.5.150"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def cdr_body(n: int, sn: str = SN) -> bytes:
    return json.dumps(
        {
            "action": "NewCdr",
            "callid": f"1700{n:06d}.{n}",
            "timestart": "2026-03-02 09:30:00",
            "callfrom": "2101",
            "callto": "900442071234567",
            "desttrunkname": "SIP-Carrier",
            "callduraction": "95",
            "talkduraction": "81",
            "status": "ANSWERED",
            "type": "Outbound",
            "sn": sn,
        }
    ).encode()


@pytest.fixture(autouse=True)
def pbx_settings(settings):
    settings.PBX_EVENTS_TOKEN = TOKEN
    settings.PBX_ALLOWED_IPS = []
    settings.PBX_SERIAL = SN
    settings.PBX_REPORT_MAX_BYTES = 4096
    return settings


@pytest.fixture
def enqueued(monkeypatch):
    """Task ids sent to the broker (none is sent anywhere)."""
    sent = []
    monkeypatch.setattr(tasks.process_event_task, "delay", lambda event_id: sent.append(event_id))
    return sent


@pytest.fixture
def eager():
    """Tasks run in-process at .delay(), as a worker would run them."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(events, "_REGISTRY", type(events._REGISTRY)(list))
    return events


def post(client, body: bytes, *, token=TOKEN, content_type="application/json", ip=PBX_IP, **extra):
    return client.generic(
        "POST", reverse("pbx:events", args=[token]), body, content_type=content_type, REMOTE_ADDR=ip, **extra
    )


def error_code(response) -> str:
    return response.json()["error"]["code"]


def rejected_reason(response) -> str:
    """A body kept as rejected is still answered 200 (else the PBX resends it forever): say why."""
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "rejected"
    return answer["reason"]


# --- accepted ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_report_is_committed_before_the_200(client, enqueued):
    response = post(client, sample("v1_NewCdr_outbound_answered.json"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not connection.in_atomic_block  # nothing left open: the row below is committed
    event = PbxEvent.objects.get()
    assert (event.name, event.sn, event.callid, event.status) == ("NewCdr", SN, "1700000200.21", "received")
    assert event.body.encode() == sample("v1_NewCdr_outbound_answered.json")
    assert (event.source, event.source_ip, event.dedupe_key) == (
        "webhook",
        PBX_IP,
        f"cdr:{SN}:1700000200.21:2101:900442071234567:20260302093000",
    )
    assert enqueued == [event.id]


@pytest.mark.django_db
def test_every_sample_is_accepted(client, enqueued):
    files = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in {".json", ".txt"})
    for name in files:
        response = post(client, sample(name))
        assert (name, response.status_code) == (name, 200)
    assert PbxEvent.objects.filter(status=EventStatus.RECEIVED).count() == len(files)


@pytest.mark.django_db
def test_duplicate_is_200_and_one_row(client, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, sample("v2_NewCdr_outbound_answered.json"))
        again = post(client, sample("v2_NewCdr_outbound_answered.json"))

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"status": "duplicate"}
    assert PbxEvent.objects.count() == 1
    assert len(enqueued) == 1


@pytest.mark.django_db
def test_the_two_byes_of_a_call_are_both_kept(client, enqueued):
    assert post(client, sample("v1_BYE_1.json")).json() == {"status": "ok"}
    assert post(client, sample("v1_BYE_2.json")).json() == {"status": "ok"}
    assert post(client, sample("v1_BYE_1.json")).json() == {"status": "duplicate"}
    assert PbxEvent.objects.filter(name="BYE").count() == 2


@pytest.mark.django_db
def test_missing_content_type_is_accepted(client, enqueued):
    response = client.generic(
        "POST", reverse("pbx:events", args=[TOKEN]), sample("v1_BootUp.json"), content_type=""
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_report_notes_the_link_is_alive(client, enqueued, monkeypatch):
    monkeypatch.setattr(ingest, "LINK_TOUCH_EVERY", timedelta(0))  # no per-process throttle here
    post(client, sample("v1_BYE_1.json"))
    link = PbxLink.get()
    assert link.last_report_at is not None and link.last_cdr_at is None
    post(client, sample("v1_NewCdr_internal.json"))
    PbxLink.objects.filter(pk=1).update(last_report_at=None)
    post(client, sample("v2_NewCdr_noanswered.json"))
    link.refresh_from_db()
    assert link.last_report_at is not None and link.last_cdr_at is not None


# --- refused ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_token_is_404_and_nothing_stored(client, settings):
    assert post(client, sample("v1_BootUp.json"), token="guess").status_code == 404
    settings.PBX_EVENTS_TOKEN = ""  # not configured: every token is unknown
    assert post(client, sample("v1_BootUp.json"), token="x").status_code == 404
    assert not PbxEvent.objects.exists()


@pytest.mark.django_db
def test_only_post_and_the_refusal_does_not_log_the_token(client, caplog):
    response = client.get(reverse("pbx:events", args=[TOKEN]), REMOTE_ADDR=PBX_IP)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert TOKEN not in caplog.text and "405" in caplog.text


def test_error_pages_hide_the_report_url_because_its_path_is_the_secret(settings):
    from hotelpbx.core.reporting import HotelExceptionReporterFilter

    settings.PBX_EVENTS_URL = f"10.0.0.5:8000/pbx/events/{TOKEN}/"
    shown = HotelExceptionReporterFilter().get_safe_settings()
    assert TOKEN not in str(shown["PBX_EVENTS_URL"]) and TOKEN not in str(shown["PBX_EVENTS_TOKEN"])


@pytest.mark.django_db
def test_wrong_content_type_is_200_and_kept_rejected(client, enqueued):
    response = post(client, sample("v1_BootUp.json"), content_type="text/plain")
    assert "content type 'text/plain'" in rejected_reason(response)
    event = PbxEvent.objects.get()
    assert event.status == "rejected" and "content type 'text/plain'" in event.reject_reason
    assert enqueued == []


@pytest.mark.django_db
def test_oversize_is_200_and_kept_truncated_as_too_large(client, enqueued):
    body = json.dumps({"action": "NewCdr", "callid": "1", "sn": SN, "pad": "x" * 10_000}).encode()
    response = post(client, body)
    assert rejected_reason(response).startswith("too large")
    event = PbxEvent.objects.get()
    assert event.status == "rejected" and event.reject_reason.startswith("too large")
    assert "larger than 4096" in event.reject_reason
    assert len(event.body) == 4096
    assert post(client, body).status_code == 200  # the PBX resends: still one row
    assert PbxEvent.objects.count() == 1 and enqueued == []


@pytest.mark.django_db
def test_source_address_allow_list(client, settings, enqueued):
    settings.PBX_ALLOWED_IPS = ["10.0.0.7", "192.168.5.0/24", "not-an-ip"]
    assert post(client, sample("v1_BootUp.json"), ip="10.9.9.9").status_code == 403
    assert error_code(post(client, sample("v1_BootUp.json"), ip="10.9.9.9")) == "source_not_allowed"
    # a client-supplied X-Forwarded-For is not believed
    assert (
        post(client, sample("v1_BootUp.json"), ip="10.9.9.9", HTTP_X_FORWARDED_FOR=PBX_IP).status_code == 403
    )
    assert not PbxEvent.objects.exists()  # refused sources write nothing
    assert post(client, sample("v1_BootUp.json"), ip="10.0.0.7").status_code == 200
    assert post(client, sample("v1_ALERT.json"), ip=PBX_IP).status_code == 200
    assert post(client, sample("v1_RING.json"), ip=f"::ffff:{PBX_IP}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"this is not json", "not JSON"),
        (b'[{"action":"NewCdr"}]', "not an object"),
        (b'{"callid":"1700000200.21","sn":"369364835218"}', "neither 'action' nor 'event'"),
        (sample("v1_NewCdr_outbound_answered.json")[:-20], "not JSON"),  # truncated in transit
        (b"", "empty body"),
        (b"\xff\xfe\x00{", "not UTF-8"),
        (
            b'{"action":"X","callid":"1","deep":' + b"[" * 900 + b"]" * 900 + b"}",
            "nested",
        ),  # too deep for the parser or past MAX_DEPTH: either way refused
    ],
)
def test_malformed_is_200_and_kept_with_reason(client, body, reason):
    response = post(client, body)
    assert reason in rejected_reason(response)
    event = PbxEvent.objects.get()
    assert event.status == "rejected" and reason in event.reject_reason
    assert post(client, body).status_code == 200  # were it to resend: still one row
    assert PbxEvent.objects.count() == 1


@pytest.mark.django_db
def test_wrong_serial_is_200_and_kept_rejected(client, enqueued):
    response = post(client, cdr_body(1, sn="999999999999"))
    assert rejected_reason(response) == f"serial number 999999999999 is not this PBX's ({SN})"
    event = PbxEvent.objects.get()
    assert event.status == "rejected"
    assert event.reject_reason == f"serial number 999999999999 is not this PBX's ({SN})"
    assert enqueued == []  # never processed, never billed


@pytest.mark.django_db
def test_serial_learned_by_the_link_is_checked(client, settings, enqueued):
    settings.PBX_SERIAL = ""
    assert post(client, cdr_body(1, sn="111")).status_code == 200  # serial unknown yet: accepted
    link = PbxLink.get()
    link.serial = SN  # learned from deviceinfo/query
    link.save()
    assert rejected_reason(post(client, cdr_body(2, sn="111"))).startswith("serial number 111")
    assert post(client, cdr_body(3)).json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"action":"NewCdr","callid":"a\\u0000b","sn":"369364835218"}',
        b'{"action":"RING\\ud800","callid":"\\udfff","sn":"369364835218"}',
        json.dumps({"event": "E" * 300, "callid": "9" * 500, "sn": SN}).encode(),
        json.dumps({"action": "NewCdr", "callid": "x", "sn": SN, "talkduraction": 5, "callto": 900}).encode(),
        b'{"action":"ANSWER","ext":"2101","ext":[1],"call":"nope","members":[1,[2],{"ext":null}],"sn":"'
        + SN.encode()
        + b'"}',
    ],
)
def test_odd_but_valid_reports_are_stored_not_5xx(client, body, enqueued):
    response = post(client, body)
    assert response.status_code == 200
    assert PbxEvent.objects.get().status == "received"


@pytest.mark.django_db
def test_a_parser_crash_is_a_200_with_the_body_kept(client, monkeypatch):
    def broken(raw):
        raise KeyError("bug")

    monkeypatch.setattr(events, "parse_report", broken)
    response = post(client, sample("v1_BootUp.json"))
    assert rejected_reason(response) == "could not be read (KeyError)"
    assert PbxEvent.objects.get().reject_reason == "could not be read (KeyError)"


@pytest.mark.django_db
def test_database_down_is_503_so_the_pbx_sends_again(client, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ingest, "store_report", down)
    response = post(client, sample("v1_BootUp.json"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_the_secret_token_stays_out_of_the_logs(client, caplog):
    with caplog.at_level(logging.INFO):
        post(client, b"not json")
        post(client, sample("v1_BootUp.json"), content_type="text/plain")
    assert caplog.records
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


# --- processing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_handlers_run_after_commit_once(client, registry, eager, django_capture_on_commit_callbacks):
    seen = []

    @registry.handler("NewCdr")
    def bill(report, event):
        seen.append((report.cdr().callid, report.cdr().talk_seconds, event.status))

    with django_capture_on_commit_callbacks(execute=False) as pending:
        post(client, sample("v1_NewCdr_outbound_answered.json"))
    assert seen == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        for callback in pending:
            callback()
        post(client, sample("v1_NewCdr_outbound_answered.json"))  # the PBX resends: not run again
    assert seen == [("1700000200.21", 190, "received")]
    event = PbxEvent.objects.get()
    assert (event.status, event.attempts) == ("processed", 1) and event.processed_at is not None
    assert processing.process_event(event.id) == "skipped"  # a second message for it is harmless


@pytest.mark.django_db
def test_failing_handler_is_retried_by_the_sweeper_then_failed(
    client, registry, eager, django_capture_on_commit_callbacks
):
    calls = []

    @registry.handler("BootUp")
    def flaky(report, event):
        calls.append(event.attempts)
        raise RuntimeError("folio locked")

    with django_capture_on_commit_callbacks(execute=True):
        post(client, sample("v2_BootUp.json"))
    event = PbxEvent.objects.get()
    assert (event.status, event.attempts, event.last_error) == ("received", 1, "RuntimeError: folio locked")

    assert processing.sweep_unprocessed(older_than_seconds=3600) == 0  # too recent to be lost
    for _ in range(6):
        processing.sweep_unprocessed(older_than_seconds=0)
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("failed", processing.MAX_ATTEMPTS)
    assert len(calls) == processing.MAX_ATTEMPTS
    assert processing.sweep_unprocessed(older_than_seconds=0) == 0  # failed ones wait for a person


@pytest.mark.django_db
def test_handler_that_recovers_is_processed_and_its_failed_writes_are_rolled_back(
    client, registry, eager, django_capture_on_commit_callbacks
):
    @registry.handler("NewCdr")
    def sometimes(report, event):
        PbxLink.objects.filter(pk=1).update(last_error=f"attempt {event.attempts}")
        if event.attempts < 2:
            raise RuntimeError("not yet")

    with django_capture_on_commit_callbacks(execute=True):
        post(client, sample("v1_NewCdr_internal.json"))
    assert PbxLink.get().last_error == ""  # the failed attempt's write went with it
    processing.sweep_unprocessed(older_than_seconds=0)
    event = PbxEvent.objects.get()
    assert (event.status, event.attempts, event.last_error) == ("processed", 2, "RuntimeError: not yet")
    assert PbxLink.get().last_error == "attempt 2"


@pytest.mark.django_db
def test_sweeper_finds_reports_a_lost_message_left_behind(client, enqueued):
    post(client, sample("v1_ALERT.json"))
    post(client, sample("v1_RING.json"))
    enqueued.clear()  # the broker lost both messages
    assert processing.sweep_unprocessed(older_than_seconds=0) == 2
    assert sorted(enqueued) == sorted(PbxEvent.objects.values_list("id", flat=True))


# --- the big one: a real HTTP server, concurrent deliveries ---------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ingest_under_load_keeps_each_cdr_once(live_server, enqueued):
    requests = pytest.importorskip("requests")
    url = f"{live_server.url}{reverse('pbx:events', args=[TOKEN])}"
    rng = random.Random(20260302)
    distinct = [cdr_body(n) for n in range(2000)]
    malformed = []
    for n in range(150):
        kind = n % 4
        if kind == 0:
            malformed.append(f"garbage {n}".encode())
        elif kind == 1:
            malformed.append(json.dumps([n]).encode())
        elif kind == 2:
            malformed.append(json.dumps({"callid": f"x{n}", "sn": SN}).encode())
        else:
            malformed.append(cdr_body(10_000 + n)[:-7])  # truncated

    # 25 calls are delivered 8 times at once (the first copy counts as the original): 175 duplicates.
    burst = [distinct[n] for n in range(25)]
    rest = distinct[25:] + [rng.choice(distinct) for _ in range(600 - 175)] + malformed
    rng.shuffle(rest)

    def send(body: bytes):
        try:
            response = requests.post(
                url,
                data=body,
                timeout=30,
                headers={"Content-Type": "application/json", "Connection": "close"},
            )
        except requests.RequestException as exc:
            return ("error", repr(exc))
        outcome = response.json().get("status") or response.json()["error"]["code"]
        return (response.status_code, outcome)

    results: list = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for body in burst:
            barrier = threading.Barrier(8)

            def at_once(body=body, barrier=barrier):
                barrier.wait(timeout=10)
                return send(body)

            results += pool.map(lambda _: at_once(), range(8))
        results += pool.map(send, rest)

    counts = Counter(results)
    assert not [r for r in results if r[0] == "error" or r[0] >= 500], counts
    assert counts[(200, "ok")] == 2000, counts
    assert counts[(200, "duplicate")] == 600, counts
    assert counts[(200, "rejected")] == 150, counts
    assert PbxEvent.objects.filter(name="NewCdr", status=EventStatus.RECEIVED).count() == 2000
    assert PbxEvent.objects.filter(status=EventStatus.REJECTED).count() == 150
    assert PbxEvent.objects.count() == 2150
    assert len(enqueued) == 2000 and len(set(enqueued)) == 2000  # each new report sent to a worker once


# --- fuzz: whatever arrives past the token and IP checks, the PBX sees a 200; nothing bad is processed --

ODD_VALUES = [
    None,
    True,
    0,
    -1,
    1e308,
    12.5,
    "",
    " ",
    "x" * 3000,
    [],
    {},
    [1, [2]],
    {"a": {"b": None}},
    "\u0000",
    "\ud800",
    "é漢🙂",
    "1e999",
    "NaN",
    "-5",
]


def mutate(rng: random.Random, raw: bytes) -> bytes:
    choice = rng.randrange(6)
    if choice == 0:  # cut anywhere
        return raw[: rng.randrange(len(raw) + 1)]
    if choice == 1:  # flip bytes
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if choice == 2:  # splice JSON punctuation in
        cut = rng.randrange(len(raw) + 1)
        return raw[:cut] + rng.choice([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"null"]) + raw[cut:]
    body = json.loads(raw, object_pairs_hook=list)  # keeps legacy's repeated keys
    for _ in range(rng.randint(1, 4)):
        if not body:
            break
        index = rng.randrange(len(body))
        if choice == 3:  # odd values, including for the report name, sn and callid
            body[index] = (body[index][0], rng.choice(ODD_VALUES))
        elif choice == 4:  # keys dropped or repeated
            body.pop(index) if rng.random() < 0.5 else body.append(body[index])
        else:  # unknown keys
            body.append((f"k{rng.randrange(99)}", rng.choice(ODD_VALUES)))

    def dump(pairs):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}"

    return dump(body).encode("utf-8", "surrogatepass")


@pytest.mark.django_db
def test_fuzzed_bodies_always_get_a_200(client, enqueued, settings, django_capture_on_commit_callbacks):
    settings.PBX_REPORT_MAX_BYTES = 64 * 1024
    rng = random.Random(1631582615)
    seeds = [sample(p.name) for p in sorted(SAMPLES.iterdir()) if p.suffix in {".json", ".txt"}]
    statuses = Counter()
    for _ in range(1000):
        body = mutate(rng, rng.choice(seeds))
        with contextlib.suppress(events.MalformedReport):  # the only exception the parser may raise
            events.parse_report(body)
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, body)
        assert response.status_code == 200, (response.status_code, body[:200])
        statuses[response.json()["status"]] += 1
    assert statuses["ok"] and statuses["rejected"]  # the corpus exercised both sides
    # every refused body is kept with a reason; only accepted ones are handed to a worker
    assert not PbxEvent.objects.filter(status=EventStatus.REJECTED, reject_reason="").exists()
    assert set(enqueued) == set(
        PbxEvent.objects.filter(status=EventStatus.RECEIVED).values_list("id", flat=True)
    )


def test_a_body_cut_off_in_transit_is_a_400_not_stored(rf, settings):
    from django.http import UnreadablePostError

    from hotelpbx.pbx import views

    request = rf.post("/", b"{}", content_type="application/json", REMOTE_ADDR=PBX_IP)

    def broken(size=None):
        raise UnreadablePostError("connection reset")

    request.read = broken
    response = views.report_webhook(request, TOKEN)
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == "incomplete_body"


@pytest.mark.django_db
def test_events_url_without_its_trailing_slash_works_too(client, enqueued):
    assert reverse("pbx:events", args=[TOKEN]) == f"/pbx/events/{TOKEN}/"
    response = client.post(f"/pbx/events/{TOKEN}", sample("v1_BootUp.json"), content_type="application/json")
    assert response.status_code == 200
    assert PbxEvent.objects.count() == 1

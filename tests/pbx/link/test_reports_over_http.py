"""The emulated PBX pushes its reports over real HTTP to the app's webhook (a live server), as a PBX
would: what it gets back, and what the hotel sees."""

import hashlib
import json
import time
import urllib.request

import pytest
from django.urls import reverse

from hotelpbx.celery import app as celery_app
from hotelpbx.pbx.models import EventStatus, PbxEvent

from .conftest import SERIAL, start_emulator

TOKEN = "reports-over-http-0123456789"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def webhook(settings, live_server, eager):
    settings.PBX_EVENTS_TOKEN = TOKEN
    settings.PBX_ALLOWED_IPS = []
    settings.PBX_SERIAL = SERIAL
    return f"{live_server.url.removeprefix('http://')}{reverse('pbx:events', args=[TOKEN])}"


@pytest.fixture
def emu():
    emulator = start_emulator(extension_status_reports=False, config_change_reports=False)
    yield emulator
    emulator.stop()


def log_in(emu, webhook: str, api_version: str, version: str) -> str:
    """Log in on the emulated PBX the way the app does: reports go to the webhook (absolute url)."""
    body = {
        "username": "api",
        "password": hashlib.md5(b"Secret123").hexdigest(),
        "port": "8260",
        "version": version,
        "url": webhook,
        "urltag": "1",
    }
    request = urllib.request.Request(
        f"{emu.url}/api/{api_version}/login", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert answer["status"] == "Success", answer
    return answer["token"]


def test_v1_dtmf_reports_without_infos_set_the_room_status(emu, webhook, hotel_rooms):
    room = hotel_rooms[0]
    room.housekeeping_status = "dirty"
    room.save()
    log_in(emu, webhook, "v1.1.0", "1.0.2")

    emu.press_dtmf(ext=room.extension, digits="12")  # 12 = clean (ROOM_STATUS_DTMF_CODES)
    assert emu.wait_idle(15)

    pushed = [json.loads(r["body"]) for r in emu.reports_log if r["event"] == "DTMF"]
    assert [(p["info"], p["flag"]) for p in pushed] == [("1", "0"), ("2", "1")]
    assert not any("infos" in p for p in pushed)  # the v1 page documents info and flag only
    room.refresh_from_db()
    assert room.housekeeping_status == "clean"
    assert room.status_changes.first().source == "phone"


def test_v1_dtmf_ignores_the_v2_only_call_path_filter(emu, webhook, hotel_rooms, settings):
    settings.ROOM_STATUS_DTMF_CALLPATH = "6500"
    room = hotel_rooms[0]
    log_in(emu, webhook, "v1.1.0", "1.0.2")
    emu.press_dtmf(ext=room.extension, digits="11")  # 11 = dirty
    assert emu.wait_idle(15)
    room.refresh_from_db()
    assert room.housekeeping_status == "dirty"


def test_a_body_that_is_no_report_is_acknowledged_once_and_holds_back_nothing(emu, webhook):
    emu.config.report_retry_interval = 5.0  # a refusal would show as seconds of delay
    log_in(emu, webhook, "v2.0.0", "2.0.0")

    started = time.monotonic()
    emu.push_raw("this is not json")
    emu.push_raw(json.dumps({"event": "BootUp", "sn": "999999999999"}))  # another PBX's serial
    emu.fail_call("2101", "DND")
    assert emu.wait_idle(15)

    assert time.monotonic() - started < 5
    assert [(r["attempts"], r["http_status"], r["outcome"]) for r in emu.reports_log] == [
        (1, 200, "delivered")
    ] * len(emu.reports_log)
    rejected = PbxEvent.objects.filter(status=EventStatus.REJECTED).order_by("id")
    assert [e.reject_reason.split(":")[0] for e in rejected] == [
        "not JSON",
        "serial number 999999999999 is not this PBX's (369364835218)",
    ]
    assert PbxEvent.objects.filter(name="CallFailed").exclude(status=EventStatus.REJECTED).count() == 1

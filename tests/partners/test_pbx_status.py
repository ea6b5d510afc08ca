"""GET /api/v1/pbx/status/: the PBX link as the desk's badge sees it, with pending and failed commands."""

import pytest

from hotelpbx.pbx.models import CommandStatus, PbxCommand
from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def test_a_check_in_over_the_api_shows_as_pending_then_failed_commands(api, settings):
    settings.PBX_URL = "http://127.0.0.1:9"  # a PBX that is configured but not reached in this test
    room = RoomFactory()
    stay = api.post(
        "/api/v1/stays/",
        {
            "guest": {"last_name": "Turing"},
            "arrival": "2020-01-01",
            "departure": "2099-01-01",
            "room": room.number,
        },
    ).json()
    api.post(f"/api/v1/stays/{stay['id']}/check-in/")

    status = api.get("/api/v1/pbx/status/").json()

    assert status["enabled"] is True and status["pending"] >= 1
    assert {c["extension"] for c in status["pending_commands"]} == {room.extension}
    assert api.get(f"/api/v1/rooms/{room.number}/").json()["pbx_sync"]["state"] == "pending"

    # the drain gave up on one (as after its retries against a PBX that refuses it)
    command = PbxCommand.objects.filter(extension=room.extension).first()
    PbxCommand.objects.filter(pk=command.pk).update(
        status=CommandStatus.FAILED, last_errno="10002", last_error="extension not found"
    )
    status = api.get("/api/v1/pbx/status/").json()
    assert status["failed"] == 1 and status["level"] == "danger"
    assert status["failed_commands"][0]["last_errno"] == "10002"
    assert api.get(f"/api/v1/rooms/{room.number}/").json()["pbx_sync"]["state"] == "failed"


def test_without_a_pbx_the_status_says_so(api):
    status = api.get("/api/v1/pbx/status/").json()
    assert status["enabled"] is False and status["headline"] == "PBX not configured"

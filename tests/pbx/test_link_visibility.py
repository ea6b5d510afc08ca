"""What the desk sees of the link: the badge turns red when PBX commands wait and no worker has
reported in for a minute; the PBX page never says "Logged in: yes" while the PBX does not answer; a
claim left by a worker that died is sent again after PBX_STALE_CLAIM_SECONDS."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from hotelpbx.core.heartbeats import record_worker
from hotelpbx.pbx.commands import SWEEP_AFTER, drain_extension, enqueue, heads_to_drive
from hotelpbx.pbx.link import keep_alive
from hotelpbx.pbx.models import CommandStatus, PbxCommand, PbxLink

START = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def pbx_api_version() -> str:
    return "v2.0.0"


def badge(client) -> tuple[str, str]:
    """(colour level, text) of the badge every desk page loads."""
    html = client.get("/pbx/badge/").content.decode()
    level = re.search(r'data-pbx-level="(\w+)"', html).group(1)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    return level, text


def logged_in_cell(client) -> str:
    html = client.get("/pbx/").content.decode()
    return re.search(r"<dt[^>]*>Logged in</dt><dd[^>]*>(.*?)</dd>", html).group(1)


def a_pending_command() -> PbxCommand:
    return enqueue("2101", "extension.update", {"fields": {"dnd": "on"}}, reason="DND on")


def linked_a_moment_ago() -> None:
    PbxLink.get()
    PbxLink.objects.filter(pk=1).update(
        token="t0k3n", token_obtained_at=timezone.now(), last_ok_at=timezone.now()
    )


@pytest.fixture
def link_configured(settings, db):
    settings.PBX_URL = "http://127.0.0.1:9"  # the badge reads the database only


def test_the_badge_turns_red_when_commands_wait_and_no_worker_reported_for_a_minute(
    link_configured, client, front_desk_user
):
    desk_client = client
    with time_machine.travel(START, tick=False) as clock:
        desk_client.force_login(front_desk_user)
        record_worker("celery@front-office")
        linked_a_moment_ago()
        a_pending_command()

        clock.shift(timedelta(seconds=59))
        level, text = badge(desk_client)
        assert level == "warning" and "PBX: 1 pending" in text

        clock.shift(timedelta(seconds=2))  # 61 s without a word from any worker
        level, text = badge(desk_client)
        assert level == "danger" and "PBX: 1 waiting, no worker" in text
        page = desk_client.get("/pbx/").content.decode()
        assert 'data-alert="no-worker"' in page and "1 command waits for it" in page

        record_worker("celery@front-office")  # the worker is back
        level, _ = badge(desk_client)
        assert level == "warning"


def test_the_badge_is_red_when_commands_wait_and_no_worker_ever_reported(link_configured, desk_client):
    a_pending_command()
    level, text = badge(desk_client)
    assert level == "danger" and "no worker" in text
    assert "No Celery worker has reported in yet" in desk_client.get("/pbx/").content.decode()


def test_the_badge_stays_green_with_nothing_waiting_however_long_the_workers_are_quiet(
    link_configured, client, front_desk_user
):
    desk_client = client
    with time_machine.travel(START, tick=False) as clock:
        desk_client.force_login(front_desk_user)
        record_worker("celery@front-office")
        clock.shift(timedelta(minutes=10))
        linked_a_moment_ago()
        level, text = badge(desk_client)
        assert level == "success" and text == "PBX linked"
        assert 'data-alert="no-worker"' not in desk_client.get("/pbx/").content.decode()


@pytest.mark.parametrize("how", ["stopped", "refusing connections"])
def test_the_pbx_page_never_says_logged_in_while_the_pbx_does_not_answer(
    emulator, pbx_client, desk_client, how
):
    pbx_client.login()
    pbx_client.heartbeat()  # the token's own heartbeat is 20 minutes away
    assert logged_in_cell(desk_client).startswith("yes")

    if how == "stopped":
        emulator.stop()
    else:
        emulator.faults.update({"down": True})
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert keep_alive() == "error"  # what beat runs every minute: it asks the PBX, which is silent

        assert logged_in_cell(desk_client) == "no (the PBX does not answer)"
        level, text = badge(desk_client)
        assert level == "danger" and text == "PBX unreachable"


def test_a_token_nobody_used_for_minutes_is_not_shown_as_logged_in(link_configured, client, front_desk_user):
    desk_client = client
    with time_machine.travel(START, tick=False) as clock:
        desk_client.force_login(front_desk_user)
        linked_a_moment_ago()
        assert logged_in_cell(desk_client).startswith("yes")
        clock.shift(timedelta(minutes=4))  # no keep-alive ran (no worker, no beat): nobody knows
        assert logged_in_cell(desk_client) == "no (no answer from the PBX lately)"


@pytest.mark.parametrize("stale_claim_seconds", [None, 30])
def test_a_claim_left_by_a_dead_worker_is_sent_again_after_the_stale_claim_time(
    emulator, pbx_client, settings, stale_claim_seconds
):
    if stale_claim_seconds is None:
        stale_claim_seconds = 120  # the documented default (README, .env.example): the settings as shipped
    else:
        settings.PBX_STALE_CLAIM_SECONDS = stale_claim_seconds
    command = a_pending_command()
    claimed = timezone.now()
    # a worker claimed it, and died before it could send it
    PbxCommand.objects.filter(pk=command.pk).update(status=CommandStatus.SENDING, claimed_at=claimed)

    with time_machine.travel(claimed + timedelta(seconds=stale_claim_seconds - 1)):
        assert command.pk not in heads_to_drive()
        assert drain_extension("2101", client=pbx_client) == "busy"
    assert emulator.state.extensions["2101"]["dnd"] == "off"

    with time_machine.travel(claimed + timedelta(seconds=stale_claim_seconds + 1)):
        assert command.pk in heads_to_drive()  # what the sweeper re-drives every 5 s
        assert drain_extension("2101", client=pbx_client) == "empty"
    assert emulator.state.extensions["2101"]["dnd"] == "on"
    command.refresh_from_db()
    assert command.status == CommandStatus.DONE


def test_the_sweeper_leaves_a_fresh_command_to_its_own_drain_task(link_configured):
    command = a_pending_command()
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        assert command.pk in heads_to_drive()  # due: nothing has applied it
        assert command.pk not in heads_to_drive(settled=SWEEP_AFTER)  # but its drain task is queued
    with time_machine.travel(timezone.now() + SWEEP_AFTER + timedelta(seconds=1)):
        assert command.pk in heads_to_drive(settled=SWEEP_AFTER)  # that task was lost: re-driven

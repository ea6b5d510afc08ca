"""The link's life: keep the token alive from beat, and react to (re)connection."""

import logging

from django.db import transaction
from django.utils import timezone

from . import capabilities, tasks
from .client import get_client
from .config import PbxConfig
from .errors import LoginGuardTripped, PbxError
from .models import PbxLink

log = logging.getLogger(__name__)


def on_login(sender=None, *, first_connect: bool, after_outage: bool, outage_started=None, **kwargs) -> None:
    """Receiver of `session.logged_in` (connected in PbxConfig.ready()): a first connect or a return from
    an outage means the PBX may differ from the hotel, so reconcile; an outage may also have lost call
    records, so fetch them from when it began."""
    since = outage_started.isoformat() if outage_started else None

    def schedule():
        try:
            tasks.sweep_commands_task.delay()
            if first_connect or after_outage:
                tasks.reconcile_task.delay("first connect" if first_connect else "re-login after outage")
            if after_outage:
                tasks.backfill_cdrs_task.delay("after outage", since=since)
        except Exception:
            log.warning("could not schedule the after-login work; beat will run it on its own schedule")

    transaction.on_commit(schedule)


def keep_alive() -> str:
    """From beat (one scheduler): log in if needed, heartbeat well inside the 30-minute token life."""
    config = PbxConfig.from_settings()
    if not config.enabled:
        return "disabled"
    link = PbxLink.get()
    client = get_client()
    now = timezone.now()
    try:
        if not link.token:
            client.login(force=False)  # a worker may have logged in a moment ago
            return "logged in"
        due = link.last_heartbeat_at is None or (now - link.last_heartbeat_at).total_seconds() >= (
            config.heartbeat_seconds
        )
        # nothing reached the PBX lately: ask it, so a PBX that stopped answering is seen within a minute
        quiet = link.last_ok_at is None or (now - link.last_ok_at).total_seconds() >= (
            config.link_check_seconds
        )
        if due or quiet or link.down_since is not None:
            client.heartbeat()
            capabilities.refresh_trunks(client)  # a dead trunk explains "guests cannot call out"
            return "heartbeat"
        return "fresh"
    except LoginGuardTripped:
        return "login guard"
    except PbxError as exc:
        log.warning("PBX keep-alive failed: %s", exc)
        return "error"

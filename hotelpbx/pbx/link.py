"""The link's life: keep the token alive from beat, and react to (re)connection and PBX reports."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import commands
from .errors import LoginGuardTripped, PbxError
from .events import handler
from .models import PbxLink

log = logging.getLogger(__name__)


def on_login(*, first_connect: bool, after_outage: bool, outage_started=None) -> None:
    """Called by the session after every successful login (and when the PBX answers again after an
    outage): a first connect or a return from an outage means the PBX may differ from the hotel, so
    reconcile; an outage may also have lost call records, so fetch them from when it began."""
    from .tasks import backfill_cdrs, reconcile, sweep_commands

    since = outage_started.isoformat() if outage_started else None

    def schedule():
        try:
            sweep_commands.delay()
            if first_connect or after_outage:
                reconcile.delay("first connect" if first_connect else "re-login after outage")
            if after_outage:
                backfill_cdrs.delay("after outage", since=since)
        except Exception:
            log.warning("could not schedule the after-login work; beat will run it on its own schedule")

    transaction.on_commit(schedule)


def keep_alive() -> str:
    """From beat (one scheduler): log in if needed, heartbeat well inside the 30-minute token life."""
    from .client import get_client

    if not commands.link_enabled():
        return "disabled"
    link = PbxLink.get()
    client = get_client()
    now = timezone.now()
    try:
        if not link.token:
            client.login(force=False)  # a worker may have logged in a moment ago
            return "logged in"
        due = link.last_heartbeat_at is None or (now - link.last_heartbeat_at).total_seconds() >= (
            settings.PBX_HEARTBEAT_SECONDS
        )
        # nothing reached the PBX lately: ask it, so a PBX that stopped answering is seen within a minute
        quiet = link.last_ok_at is None or (now - link.last_ok_at).total_seconds() >= (
            settings.PBX_LINK_CHECK_SECONDS
        )
        if due or quiet or link.down_since is not None:
            client.heartbeat()
            from .capabilities import refresh_trunks

            refresh_trunks(client)  # a dead trunk explains "guests cannot call out"
            return "heartbeat"
        return "fresh"
    except LoginGuardTripped:
        return "login guard"
    except PbxError as exc:
        log.warning("PBX keep-alive failed: %s", exc)
        return "error"


@handler("BootUp")
def _pbx_booted(report, event) -> None:
    """The PBX restarted: its tokens are gone and its configuration may be older than ours."""
    from .tasks import reconcile

    PbxLink.objects.filter(pk=1).update(token="")
    transaction.on_commit(lambda: reconcile.delay("PBX boot"))


@handler("ConfigChange")
def _pbx_config_changed(report, event) -> None:
    """Someone (or we) edited an extension: compare that one extension again."""
    from .tasks import reconcile_extension

    fields = report.fields
    if fields.get("type") == "extension" and fields.get("extid"):
        number = fields["extid"]
        transaction.on_commit(lambda: reconcile_extension.delay(number))

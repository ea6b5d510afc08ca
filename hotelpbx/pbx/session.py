"""The link state every process shares through the PbxLink row: token, login guard, config pacing, health.

Why the database: web, worker and beat processes all talk to the same PBX. One token for all of them
(each login would otherwise replace the report target), one count of failed logins (the PBX locks our IP
after 5), and one queue of configuration calls (the PBX answers 10025 when changes come too fast).
Logins take turns (a PostgreSQL advisory lock, or a lock row with a lease on SQLite), so two workers
never log in at once, while reports keep updating PbxLink. No transaction is held across the HTTP
call: on SQLite it would lock the whole database.

Call this from outside any transaction: a login's attempt record must survive the caller's rollback.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from .config import PbxConfig
from .errors import CREDENTIAL_ERRNOS, LoginGuardTripped, PbxError, PbxUnreachable
from .models import LinkLock, LoginAttempt, PbxLink

log = logging.getLogger("hotelpbx.pbx.session")

# Sent after every successful login, and when the PBX answers again after an outage (kwargs:
# first_connect, after_outage, outage_started). The link connects its reaction in PbxConfig.ready(), so
# the session and client never import the modules that schedule work.
logged_in = Signal()

# A LoginAttempt row with this errno marks "staff reset the guard": earlier failures no longer count.
GUARD_RESET_MARK = "reset"
# A reserved config slot further away than this can only come from a clock jump, not from queueing
# (each worker holds at most one slot at a time).
MAX_PACING_WAIT = 60.0


@dataclass(frozen=True)
class LoginResult:
    token: str
    first_connect: bool  # the app never had a session with this PBX before
    after_outage: bool  # the PBX was unreachable, or forgot our token: reports may have been lost
    reused: bool = False  # another process logged in while we waited for the lock; nothing was sent
    outage_started: datetime | None = None  # when the PBX became unreachable, if it was


@contextmanager
def turn(name: str, *, lease_seconds: float = 120.0):
    """Take turns with every other process for the block.

    PostgreSQL: an advisory lock held by this connection outside any transaction, so the block's own
    writes commit as they go and never keep the link's row locked. Other databases (SQLite, the
    single-machine demo): a lock row with a lease (see `lease`), since SQLite has no advisory locks.
    """
    if connection.vendor != "postgresql":
        with lease(name, seconds=lease_seconds):
            yield
        return
    key = zlib.crc32(f"hotelpbx.pbx.{name}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def lease(name: str, *, seconds: float = 120.0, poll: float = 0.05):
    """A lock row taken with a conditional UPDATE ("free or expired -> mine"): each claim is one short
    write, which SQLite serializes like any other, so exactly one process wins. A holder whose process
    died (a killed worker) is taken over at once; otherwise the lease expires after `seconds`, which
    must outlast the block (a few PBX calls)."""
    holder = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
    LinkLock.objects.get_or_create(name=name)
    while True:
        now = timezone.now()
        free = Q(expires_at__isnull=True) | Q(expires_at__lt=now)
        # SQLite means one machine: a holder whose process is gone (a killed worker) need not be waited for
        dead = LinkLock.objects.filter(name=name).values_list("holder", flat=True).first() or ""
        if dead and _process_alive(dead):
            dead = ""
        if dead:
            free |= Q(holder=dead)
        taken = LinkLock.objects.filter(free, name=name).update(
            holder=holder, expires_at=now + timedelta(seconds=seconds)
        )
        if taken:
            break
        time.sleep(poll * (0.5 + random.random()))
    try:
        yield
    finally:
        LinkLock.objects.filter(name=name, holder=holder).update(holder="", expires_at=None)


def _process_alive(holder: str) -> bool:
    """Whether the process named in a lock holder ("pid-thread-nonce") still runs on this machine."""
    try:
        pid = int(holder.split("-", 1)[0])
    except ValueError:
        return True  # not ours to judge: wait for the lease
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    try:  # a killed process nobody reaped yet (a zombie) holds nothing
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _locked_link() -> PbxLink:
    PbxLink.get()  # make sure the row exists before locking it
    return PbxLink.objects.select_for_update().get(pk=1)


def _link_queryset():
    return PbxLink.objects.filter(pk=1)


class SharedSession:
    def __init__(self, config: PbxConfig) -> None:
        self.config = config

    # --- token ------
    def current_token(self) -> str:
        return PbxLink.get().token

    def invalidate(self, token: str) -> None:
        """Forget a token the PBX refused, unless another process already replaced it (compare-and-swap)."""
        if token:
            _link_queryset().filter(token=token).update(token="")

    def login(
        self, send_login: Callable[[], str], *, force: bool = False, after_token_loss: bool = False
    ) -> LoginResult:
        """Log in once for all processes: guard first, then `send_login()` (the HTTP call) under the lock.

        Without `force`, a token another process obtained while we waited is reused. Raises
        LoginGuardTripped without contacting the PBX when too many logins failed recently.
        """
        outcome: LoginResult | PbxError
        tripped_now = ""
        with turn("login"):
            link = PbxLink.get()
            if link.token and not force:
                return LoginResult(link.token, first_connect=False, after_outage=False, reused=True)
            now = timezone.now()
            reason = self._guard_reason(link, now)
            if reason:
                if link.guard_tripped_at is None:
                    link.guard_tripped_at, link.guard_reason, tripped_now = now, reason[:255], reason
                    link.save(update_fields=["guard_tripped_at", "guard_reason", "updated_at"])
                outcome = LoginGuardTripped(link.guard_reason or reason)
            else:
                outcome, tripped_now = self._attempt(link, send_login, after_token_loss)
        if tripped_now:
            log.error(
                "PBX login guard tripped: %s. Fix PBX_USERNAME/PBX_PASSWORD, then reset the guard.",
                tripped_now,
            )
        if isinstance(outcome, PbxError):
            raise outcome
        return outcome

    def _attempt(
        self, link: PbxLink, send_login: Callable[[], str], after_token_loss: bool
    ) -> tuple[LoginResult | PbxError, str]:
        try:
            token = send_login()
        except PbxError as exc:
            now = timezone.now()
            LoginAttempt.objects.create(at=now, ok=False, errno=exc.errno or "", detail=exc.meaning[:200])
            link.last_error, link.last_error_at = f"login: {exc.meaning}"[:255], now
            fields = ["last_error", "last_error_at", "updated_at"]
            if isinstance(exc, PbxUnreachable) and link.down_since is None:
                link.down_since = now
                fields.append("down_since")
            tripped = ""
            if exc.errno == "20002" and link.guard_tripped_at is None:
                # The PBX already locked us out: every further try would extend the lock.
                tripped = "the PBX locked this IP out after failed logins (errno 20002)"
                link.guard_tripped_at, link.guard_reason = now, tripped
                fields += ["guard_tripped_at", "guard_reason"]
            link.save(update_fields=fields)
            return exc, tripped
        now = timezone.now()
        LoginAttempt.objects.create(at=now, ok=True)
        result = LoginResult(
            token,
            first_connect=not link.connected_once,
            after_outage=link.down_since is not None or after_token_loss,
            outage_started=link.down_since,
        )
        link.token, link.token_obtained_at, link.token_used_at, link.last_ok_at = token, now, now, now
        link.api_version, link.connected_once, link.down_since = self.config.api_version, True, None
        link.guard_tripped_at, link.guard_reason = None, ""
        # only these fields: reports update the link's other timestamps meanwhile
        link.save(
            update_fields=[
                "token",
                "token_obtained_at",
                "token_used_at",
                "last_ok_at",
                "api_version",
                "connected_once",
                "down_since",
                "guard_tripped_at",
                "guard_reason",
                "updated_at",
            ]
        )
        return result, ""

    # --- login guard ------
    def _guard_reason(self, link: PbxLink, now) -> str:
        """Why no login may be tried now ("" if one may).

        Sticky once tripped: the PBX counts consecutive failures without (documented) decay, so waiting
        out our window and failing again would walk into its 5-strike lock. Staff reset it.
        """
        if link.guard_tripped_at is not None:
            return link.guard_reason or "too many failed logins"
        limit = self.config.max_failed_logins
        boundary = LoginAttempt.objects.filter(Q(ok=True) | Q(errno=GUARD_RESET_MARK))
        last_boundary = boundary.order_by("-at").values_list("at", flat=True).first()
        failures = LoginAttempt.objects.filter(ok=False, errno__in=CREDENTIAL_ERRNOS)
        if last_boundary is not None:
            failures = failures.filter(at__gt=last_boundary)
        in_window = failures.filter(at__gte=now - timedelta(seconds=self.config.login_window_seconds))
        if in_window.count() >= limit:
            minutes = self.config.login_window_seconds / 60
            return f"{limit} failed logins within {minutes:g} minutes (wrong API username or password?)"
        if failures.count() >= limit:
            return f"{limit} failed logins in a row (wrong API username or password?)"
        return ""

    # --- pacing of configuration calls ------
    def reserve_config_slot(self) -> float:
        """Take the next free slot for a configuration call; returns the seconds to wait before sending."""
        interval = self.config.config_interval
        if interval <= 0:
            return 0.0
        with transaction.atomic():
            link = _locked_link()
            now = timezone.now()
            slot = max(now, link.next_config_slot or now)
            if (slot - now).total_seconds() > MAX_PACING_WAIT:
                slot = now
            link.next_config_slot = slot + timedelta(seconds=interval)
            link.save(update_fields=["next_config_slot", "updated_at"])
        return (slot - now).total_seconds()

    # --- health ------
    def mark_reachable(self, *, ok: bool) -> datetime | None:
        """The PBX answered (`ok`: with Success). Returns when the outage began, only to the one caller
        whose update ended it (so the follow-up work runs once per outage); else None."""
        now = timezone.now()
        if ok:
            _link_queryset().update(token_used_at=now, last_ok_at=now)
        since = _link_queryset().values_list("down_since", flat=True).first()
        if since is None:
            return None
        return since if _link_queryset().filter(down_since=since).update(down_since=None) else None

    def mark_unreachable(self, error: PbxError) -> None:
        now = timezone.now()
        text = f"{error.path}: {error.meaning}"[:255]
        _link_queryset().update(last_error=text, last_error_at=now)
        _link_queryset().filter(down_since__isnull=True).update(down_since=now)

    def mark_error(self, error: PbxError) -> None:
        _link_queryset().update(last_error=str(error)[:255], last_error_at=timezone.now())

    def mark_heartbeat(self) -> None:
        _link_queryset().update(last_heartbeat_at=timezone.now())

    def store_transport(self, transport: str) -> None:
        """What the login answer said about report delivery ("HTTP", "TCP", or "" when it said nothing)."""
        _link_queryset().update(report_transport=transport, report_transport_at=timezone.now())

    def store_device_info(self, info: dict) -> None:
        _link_queryset().update(serial=str(info.get("sn", ""))[:32], device_info=info)


def reset_guard(by: str = "") -> None:
    """Staff action after fixing the credentials: allow logins again and forget earlier failures."""
    with transaction.atomic():
        link = _locked_link()
        link.guard_tripped_at, link.guard_reason = None, ""
        link.save(update_fields=["guard_tripped_at", "guard_reason", "updated_at"])
        LoginAttempt.objects.create(
            at=timezone.now(),
            ok=False,
            errno=GUARD_RESET_MARK,
            detail=f"login guard reset{' by ' + by if by else ''}"[:200],
        )
    log.warning("PBX login guard reset%s", f" by {by}" if by else "")


def guard_state() -> tuple[bool, str]:
    """(tripped, reason) for the PBX page and health checks."""
    link = PbxLink.get()
    return link.guard_tripped_at is not None, link.guard_reason

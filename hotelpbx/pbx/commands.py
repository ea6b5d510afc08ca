"""The outbox: commands are rows written with the change that causes them, applied per extension in order.

Writing: the typed calls below (`sync`, `check_in`, `checkout`, `set_dnd`, the wake-up calls
`push_wakeup_alarm` ...) take a plain `DesiredExtension` or an extension number, ask `plan` how the
configured PBX is told, and add one row per step (`enqueue`) inside the caller's transaction.
After the commit a task drains the extension.

Applying: `drain_extension` claims the extension's first open row (compare-and-swap), applies it through
the client and goes on in `seq` order; a temporary failure waits with backoff and blocks only its own
extension. Every op (`CommandOp`) is idempotent: applied twice it leaves the PBX as once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from . import plan, routes, tasks, wakeup_ops
from .client import PbxClient, get_client
from .config import PbxConfig
from .desired import DesiredExtension
from .errors import (
    ERRNO_MEANINGS,
    LoginGuardTripped,
    PbxAuthError,
    PbxError,
    PbxPermanentError,
    PbxUnreachable,
)
from .models import CommandOp, CommandStatus, ExtensionSequence, PbxCommand, PbxLink

log = logging.getLogger(__name__)

OPEN = (CommandStatus.PENDING, CommandStatus.SENDING)
LINK_DOWN_RETRY = timedelta(seconds=5)


def stale_claim() -> timedelta:
    """A command still 'sending' after this long belongs to a worker that died: it may be re-claimed.
    Longer than one PBX call can take (timeouts plus pacing)."""
    return timedelta(seconds=PbxConfig.from_settings().stale_claim_seconds)


def enqueue(extension: str, op: str, payload: dict | None = None, *, reason: str = "") -> PbxCommand:
    """Add a command for an extension; call inside the transaction of the change that causes it."""
    with transaction.atomic():
        ExtensionSequence.objects.get_or_create(extension=extension)
        seq_row = ExtensionSequence.objects.select_for_update().get(extension=extension)
        seq_row.last_seq = F("last_seq") + 1
        seq_row.save(update_fields=["last_seq"])
        seq_row.refresh_from_db(fields=["last_seq"])
        command = PbxCommand.objects.create(
            extension=extension, seq=seq_row.last_seq, op=op, payload=payload or {}, reason=reason[:120]
        )
        transaction.on_commit(lambda: _schedule_drain(command.pk))
    return command


def _schedule_drain(command_id: int) -> None:
    """Celery carries the row id only; the row says everything else."""
    try:
        tasks.drain_extension_task.delay(command_id)
    except Exception:  # the broker is down: the sweeper re-drives the row, nothing is lost
        log.warning("could not enqueue command %s; the sweeper will pick it up", command_id)


def _enqueue_steps(extension: str, steps: list[plan.Step], reason: str) -> None:
    for op, payload in steps:
        enqueue(extension, op, payload, reason=reason)


# --- typed calls: what the hotel (or any caller) asks of an extension ------------------------------------
# Each does nothing while no PBX is configured, so callers need not ask.


def sync(desired: DesiredExtension, *, reason: str) -> None:
    """Make the extension match the desired state (fields and outbound routes)."""
    config = PbxConfig.from_settings()
    if config.enabled:
        _enqueue_steps(desired.number, plan.sync_steps(desired, config), reason)


def check_in(desired: DesiredExtension, *, reason: str) -> None:
    """A new user: a clean slate (the last user's voicemail, alarms, routes go), then the desired state."""
    config = PbxConfig.from_settings()
    if config.enabled:
        _enqueue_steps(desired.number, plan.check_in_steps(desired, config), reason)


def checkout(desired: DesiredExtension, *, reason: str) -> None:
    """The user left: empty the extension, DND off, the vacant display name, no outbound routes."""
    config = PbxConfig.from_settings()
    if config.enabled:
        _enqueue_steps(desired.number, plan.checkout_steps(desired, config), reason)


def set_service(desired: DesiredExtension, *, reason: str) -> None:
    """The extension was barred (no outbound calls at all) or freed again."""
    config = PbxConfig.from_settings()
    if config.enabled:
        _enqueue_steps(desired.number, plan.service_steps(desired, config), reason)


def set_dnd(extension: str, *, on: bool, reason: str) -> None:
    if PbxConfig.link_enabled():
        _enqueue_steps(extension, plan.dnd_steps(on), reason)


def set_display_name(extension: str, *, name: str, reason: str) -> None:
    if PbxConfig.link_enabled():
        _enqueue_steps(extension, plan.display_name_steps(name), reason)


# wake-up calls (the wake-up app's view of alarms; results are read in wakeup_ops)


def push_wakeup_alarm(
    extension: str,
    *,
    time_hhmm: str,
    kind: str = "onetime",
    weekdays: tuple[int, ...] | list[int] = (),
    prompt: str = "",
    repeats: int = 3,
    interval_minutes: int = 5,
    not_after: datetime | None = None,
    reason: str = "",
):
    payload = {
        "time": time_hhmm,
        "kind": kind,
        "weekdays": sorted(wakeup_ops._TO_PBX_DAY[d] for d in weekdays),
        "prompt": prompt,
        "repeats": int(repeats),
        "interval": int(interval_minutes),
        "not_after": not_after.isoformat() if not_after else "",
    }
    return enqueue(extension, wakeup_ops.SET, payload, reason=reason or "wake-up alarm")


def drop_wakeup_alarm(extension: str, *, time_hhmm: str, reason: str = ""):
    return enqueue(extension, wakeup_ops.REMOVE, {"time": time_hhmm}, reason=reason or "wake-up removed")


def query_wakeup_alarms(extension: str, *, reason: str = ""):
    return enqueue(extension, wakeup_ops.QUERY, {}, reason=reason or "wake-up check")


def ring_wakeup_prompt(extension: str, *, prompt: str = "", reason: str = ""):
    return enqueue(
        extension,
        wakeup_ops.RING,
        {"prompt": prompt or wakeup_ops.DEFAULT_PROMPT},
        reason=reason or "wake-up call",
    )


def call_desk(desk_extension: str, *, callee: str, reason: str = ""):
    """Ring the front desk's extension, then connect it to `callee` (an escalated wake-up's room)."""
    return enqueue(desk_extension, wakeup_ops.DIAL, {"callee": callee}, reason=reason or "call the desk")


# --- applying ------------------------------------------------------------------------------------------


def apply_command(command: PbxCommand, client: PbxClient, *, reclaimed: bool = False) -> None:
    number, payload = command.extension, command.payload
    if command.op == CommandOp.EXTENSION_UPDATE:
        fields = payload.get("fields", {})
        # after a worker died mid-call we cannot know whether the PBX took it: look first
        if reclaimed and client.extension_matches(number, fields):
            return
        client.extension_update(number, **fields)
    elif command.op == CommandOp.HOTEL_CHECKOUT:
        client.hotel_checkout([number])
    elif command.op == CommandOp.EXTENSION_VACATE:
        client.vacate_extension(number)
    elif command.op == CommandOp.ROUTE_MEMBERS:
        routes.apply_membership(number, set(payload.get("routes", [])), payload.get("managed", []), client)
    elif command.op in wakeup_ops.OPS:
        wakeup_ops.apply(command, client, reclaimed=reclaimed)
    else:
        raise PbxPermanentError(errno=None, meaning=f"unknown command {command.op!r}", path=command.op)


def _head(extension: str) -> PbxCommand | None:
    return PbxCommand.objects.filter(extension=extension, status__in=OPEN).order_by("seq").first()


def _claim(command: PbxCommand):
    """Compare-and-swap: only one worker may send an extension's head command. Returns the claim's
    timestamp (the worker's token for finishing the command), or None when another worker has it."""
    now = timezone.now()
    claimable = Q(status=CommandStatus.PENDING) | Q(
        status=CommandStatus.SENDING, claimed_at__lt=now - stale_claim()
    )
    claimed = PbxCommand.objects.filter(claimable, pk=command.pk).update(
        status=CommandStatus.SENDING, claimed_at=now
    )
    return now if claimed else None


def _describe(exc: PbxError) -> tuple[str, str]:
    errno = getattr(exc, "errno", None) or ""
    meaning = getattr(exc, "meaning", "") or ERRNO_MEANINGS.get(errno, "") or str(exc)
    return errno, meaning[:255]


def drain_extension(extension: str, *, client: PbxClient | None = None, max_commands: int = 200) -> str:
    """Apply the extension's open commands in order. Returns why it stopped (for logs and tests)."""
    client = client or get_client()
    for _ in range(max_commands):
        head = _head(extension)
        if head is None:
            return "empty"
        now = timezone.now()
        if head.next_attempt_at and head.next_attempt_at > now:
            return "waiting"
        if head.status == CommandStatus.SENDING and head.claimed_at and head.claimed_at > now - stale_claim():
            return "busy"
        reclaimed = head.status == CommandStatus.SENDING
        if link_resting():
            return "link_down"
        claim = _claim(head)
        if claim is None:
            return "busy"
        try:
            apply_command(head, client, reclaimed=reclaimed)
        except (PbxUnreachable, LoginGuardTripped) as exc:
            # The link is down, not this command: wait without using up its retries.
            errno, meaning = _describe(exc)
            _release(head, claim, errno=errno, error=meaning, delay=LINK_DOWN_RETRY, count_attempt=False)
            return "link_down"
        except PbxAuthError as exc:
            errno, meaning = _describe(exc)
            _release(head, claim, errno=errno, error=meaning, delay=LINK_DOWN_RETRY, count_attempt=False)
            return "auth"
        except PbxPermanentError as exc:
            errno, meaning = _describe(exc)
            _fail(head, claim, errno=errno, error=meaning)
            continue  # a failed command no longer blocks its extension; staff can re-send
        except PbxError as exc:  # temporary: retry with backoff; the head blocks this extension only
            errno, meaning = _describe(exc)
            if head.attempts + 1 >= PbxConfig.from_settings().command_max_attempts:
                _fail(head, claim, errno=errno, error=meaning, count_attempt=True)
                continue
            delay = timedelta(seconds=min(300, 5 * 2**head.attempts))
            _release(head, claim, errno=errno, error=meaning, delay=delay, count_attempt=True)
            return "retry_later"
        finished = _mine(head, claim).update(
            status=CommandStatus.DONE,
            applied_at=timezone.now(),
            claimed_at=None,
            last_errno="",
            last_error="",
        )
        if not finished:
            return "claim_lost"  # too slow: another worker re-claimed it and carries on in order
    return "more"


def link_resting() -> bool:
    """While the PBX is unreachable, one probe every LINK_DOWN_RETRY is enough: don't hammer it."""
    link = PbxLink.objects.filter(pk=1).values("down_since", "last_error_at").first()
    if not link or link["down_since"] is None or link["last_error_at"] is None:
        return False
    return timezone.now() - link["last_error_at"] < LINK_DOWN_RETRY


def _mine(command, claim):
    """The command, if this worker's claim still holds (a stale claim may have been taken over)."""
    return PbxCommand.objects.filter(pk=command.pk, status=CommandStatus.SENDING, claimed_at=claim)


def _release(command, claim, *, errno, error, delay, count_attempt: bool) -> None:
    _mine(command, claim).update(
        status=CommandStatus.PENDING,
        claimed_at=None,
        next_attempt_at=timezone.now() + delay,
        attempts=F("attempts") + (1 if count_attempt else 0),
        last_errno=errno,
        last_error=error,
    )


def _fail(command, claim, *, errno, error, count_attempt: bool = True) -> None:
    log.warning("PBX command %s for extension %s failed: %s %s", command.op, command.extension, errno, error)
    _mine(command, claim).update(
        status=CommandStatus.FAILED,
        claimed_at=None,
        attempts=F("attempts") + (1 if count_attempt else 0),
        last_errno=errno,
        last_error=error,
    )


# --- re-driving and re-sending ---------------------------------------------------------------------------


# The sweeper leaves a fresh command to the drain task its commit scheduled; re-driving it as well
# would queue a second task per command, and a storm of 500 (wake-up rings) would wait behind them.
SWEEP_AFTER = timedelta(seconds=30)


def heads_to_drive(limit: int = 1000, *, settled: timedelta | None = None) -> list[int]:
    """The first open command of every extension whose head is due: pending and past its backoff, or
    stuck in 'sending' by a worker that died. With `settled`, a pending command never tried is due
    only once it is that old (its own drain task had its chance)."""
    now = timezone.now()
    untried = Q(status=CommandStatus.PENDING, next_attempt_at__isnull=True)
    if settled is not None:
        untried &= Q(created_at__lte=now - settled)
    due = PbxCommand.objects.filter(
        untried
        | Q(status=CommandStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=CommandStatus.SENDING, claimed_at__lt=now - stale_claim())
    )
    firsts = due.values("extension").annotate(first=Min("seq")).order_by("first")[:limit]
    wanted = Q()
    for row in firsts:
        wanted |= Q(extension=row["extension"], seq=row["first"])
    if not wanted:
        return []
    return list(PbxCommand.objects.filter(wanted).values_list("pk", flat=True))


def resend_failed(command: PbxCommand, *, desired: DesiredExtension | None, by=None) -> None:
    """Staff re-send: apply the extension's *current* desired state, never an old command out of order."""
    with transaction.atomic():
        if not PbxCommand.objects.filter(pk=command.pk, status=CommandStatus.FAILED).exists():
            return
        # the whole current state goes out, so every earlier failure of this extension is answered
        PbxCommand.objects.filter(extension=command.extension, status=CommandStatus.FAILED).update(
            status=CommandStatus.RESENT
        )
        if command.op == CommandOp.HOTEL_CHECKOUT and (desired is None or not desired.occupied):
            enqueue(command.extension, CommandOp.HOTEL_CHECKOUT, reason="re-sent by staff")
        if desired is not None:
            sync(desired, reason="re-sent by staff")

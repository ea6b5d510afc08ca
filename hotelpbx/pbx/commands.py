"""The outbox: commands are rows written with the change that causes them, applied per extension in order.

Ops (all idempotent, so applying one twice leaves the PBX as once):
  extension.update   {"fields": {...}}                       extension/update with those fields
  hotel.checkout     {}                             hotel/checkout (clears voicemail, routes, alarms, name)
  extension.vacate   {}                             the same without leaving the outbound routes (v1 default)
  outroute.members   {"routes": [..], "managed": [..]}  member of exactly `routes` among `managed`
  alarm.set / alarm.remove / alarm.query             wake-up alarms (see alarms.py)
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from . import alarms
from .desired import DesiredExtension
from .errors import (
    ERRNO_MEANINGS,
    LoginGuardTripped,
    PbxAuthError,
    PbxError,
    PbxPermanentError,
    PbxUnreachable,
)
from .models import CommandStatus, ExtensionSequence, PbxCommand

log = logging.getLogger(__name__)

OPEN = (CommandStatus.PENDING, CommandStatus.SENDING)
LINK_DOWN_RETRY = timedelta(seconds=5)


def stale_claim() -> timedelta:
    """A command still 'sending' after this long belongs to a worker that died: it may be re-claimed.
    Longer than one PBX call can take (timeouts plus pacing)."""
    return timedelta(seconds=settings.PBX_STALE_CLAIM_SECONDS)


def link_enabled() -> bool:
    return bool(settings.PBX_URL)


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
    from .tasks import drain_extension

    try:
        drain_extension.delay(command_id)
    except Exception:  # the broker is down: the sweeper re-drives the row, nothing is lost
        log.warning("could not enqueue command %s; the sweeper will pick it up", command_id)


def enqueue_sync(
    desired: DesiredExtension,
    *,
    reason: str,
    checkout_first: bool = False,
    checkout_op: str = "hotel.checkout",
) -> None:
    """Commands that make one extension match the desired state."""
    if checkout_first:
        enqueue(desired.number, checkout_op, reason=reason)
    enqueue(desired.number, "extension.update", {"fields": desired.update_fields()}, reason=reason)
    if desired.routes is not None:
        managed = sorted({r for routes in settings.PBX_CLASS_ROUTES.values() for r in routes})
        enqueue(
            desired.number,
            "outroute.members",
            {"routes": sorted(desired.routes), "managed": managed},
            reason=reason,
        )


# --- applying ------------------------------------------------------------------------------------------


def _already_applied(number: str, fields: dict, client) -> bool:
    """After a worker died mid-call we cannot know whether the PBX took the update: look first, so a
    re-claimed command is not sent twice."""
    found = client.extension_query([number])
    if not found:
        return False
    actual = found[0]
    return all(str(actual.get(k, "")).strip().lower() == str(v).strip().lower() for k, v in fields.items())


def apply_command(command: PbxCommand, client, *, reclaimed: bool = False) -> None:
    number, payload = command.extension, command.payload
    if command.op == "extension.update":
        fields = payload.get("fields", {})
        if reclaimed and _already_applied(number, fields, client):
            return
        client.extension_update(number, **fields)
    elif command.op == "hotel.checkout":
        client.hotel_checkout([number])
    elif command.op == "extension.vacate":
        _vacate_keeping_routes(number, client)
    elif command.op == "outroute.members":
        _apply_route_membership(number, set(payload.get("routes", [])), payload.get("managed", []), client)
    elif command.op in alarms.OPS:
        alarms.apply(command, client)
    else:
        raise PbxPermanentError(errno=None, meaning=f"unknown command {command.op!r}", path=command.op)


def _vacate_keeping_routes(number: str, client) -> None:
    """What hotel/checkout does, minus leaving the outbound routes (API v1 cannot rejoin them): empty
    the voicemail box, delete the alarms, reset the name. Nothing to delete is not a failure."""
    key = client.config.ext_key
    for path, body, nothing_there in (
        ("voicemail/delete", {key: number, "voicemailfile": "all", "voicemailstatus": "all"}, {"20018"}),
        ("wakeupcall/delete", {key: number}, {"10021"}),
    ):
        try:
            client.call(path, body, config_change=True)
        except PbxPermanentError as exc:
            if exc.errno not in nothing_there:
                raise
    client.extension_update(number, username=number)


def _apply_route_membership(number: str, wanted: set[str], managed: list[str], client) -> None:
    """Make the extension a member of exactly `wanted` among the managed routes.

    A route's member list is read, changed and written back whole, so two workers changing different
    extensions on one route would undo each other: they take turns on one lock (every database). A
    wanted route the PBX does not have is a failure the desk must see, not a silent success. Firmware
    without outroute/update (v1.1.0, errno 10003) is remembered, and the extension's gap is recorded
    for the board and the PBX page instead.
    """
    from . import capabilities, route_gaps
    from .client import route_members
    from .session import turn

    with turn("outroutes"):
        try:
            routes = {r.get("name", ""): r for r in client.outroute_query()}
        except PbxPermanentError as exc:
            if exc.errno != capabilities.UNSUPPORTED:
                raise
            capabilities.remember(capabilities.OUTROUTE_QUERY, False)
            route_gaps.note(number, missing=wanted, extra=(), reason=route_gaps.NO_QUERY)
            return
        missing = sorted(wanted - routes.keys())
        if missing:
            raise PbxPermanentError(
                f"the PBX has no outbound route named {', '.join(missing)} (see PBX_CLASS_ROUTES)",
                errno="10073",
                path="outroute/update",
            )
        changes = []
        for name in managed:
            route = routes.get(name)
            if route is None:
                continue
            members = route_members(route)
            if name in wanted and number not in members:
                changes.append((name, route, "add"))
            elif name not in wanted and number in members:
                changes.append((name, route, "remove"))
        lacking = [name for name, _, how in changes if how == "add"]
        surplus = [name for name, _, how in changes if how == "remove"]
        if changes and capabilities.known(capabilities.OUTROUTE_UPDATE) is False:
            route_gaps.note(number, missing=lacking, extra=surplus, reason=route_gaps.NO_UPDATE)
            return
        for index, (name, route, how) in enumerate(changes):
            try:
                if how == "add":
                    client.outroute_set_members(name, add=[number], route=route)
                else:
                    client.outroute_set_members(name, remove=[number], route=route)
            except PbxPermanentError as exc:
                if exc.errno != capabilities.UNSUPPORTED or index:
                    raise
                capabilities.remember(capabilities.OUTROUTE_UPDATE, False)
                route_gaps.note(number, missing=lacking, extra=surplus, reason=route_gaps.NO_UPDATE)
                return
        if changes:
            capabilities.remember(capabilities.OUTROUTE_UPDATE, True)
        route_gaps.clear(number)


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


def drain_extension(extension: str, *, client=None, max_commands: int = 200) -> str:
    """Apply the extension's open commands in order. Returns why it stopped (for logs and tests)."""
    from .client import get_client

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
            if head.attempts + 1 >= settings.PBX_COMMAND_MAX_ATTEMPTS:
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
    from .models import PbxLink

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


def heads_to_drive(limit: int = 1000) -> list[int]:
    """The first open command of every extension whose head is due: pending and past its backoff, or
    stuck in 'sending' by a worker that died."""
    now = timezone.now()
    due = PbxCommand.objects.filter(
        Q(status=CommandStatus.PENDING, next_attempt_at__isnull=True)
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
        if command.op == "hotel.checkout" and (desired is None or not desired.occupied):
            enqueue(command.extension, "hotel.checkout", reason="re-sent by staff")
        if desired is not None:
            enqueue_sync(desired, reason="re-sent by staff")


def sync_states(extensions: list[str]) -> dict[str, tuple[str, str]]:
    """(state, message) per extension for boards: failed beats pending; missing means in sync."""
    result: dict[str, tuple[str, str]] = {}
    rows = (
        PbxCommand.objects.filter(extension__in=extensions, status__in=[*OPEN, CommandStatus.FAILED])
        .order_by("extension", "seq")
        .values_list("extension", "status", "last_errno", "last_error")
    )
    for extension, status, errno, error in rows:
        if status == CommandStatus.FAILED:
            if result.get(extension, ("",))[0] != "failed":  # the first failure is the cause to show
                result[extension] = ("failed", f"PBX refused ({errno}): {error}" if errno else error)
        elif extension not in result:
            message = "waiting for the PBX" + (f": {error}" if error else "")
            result[extension] = ("pending", message)
    return result

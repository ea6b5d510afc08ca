"""Wake-up alarms on the PBX, through the outbox: set, remove and look, per extension in order.

The hotel speaks of an alarm by its extension and its clock time "HH:MM" in the PBX's zone (the PBX
keeps one alarm per extension and time, so the time is the alarm's key); the Yeastar field names and
the v1/v2 shapes stay in client.py. The wake-up app writes these ops with the typed calls in
commands.py (push_wakeup_alarm, drop_wakeup_alarm, query_wakeup_alarms, ring_wakeup_prompt) and reads
their results here. Ops (all idempotent):

  alarm.set     {"time", "kind", "weekdays", "prompt", "repeats", "interval", "not_after"}
                create, or update the alarm already at that time; refused once `not_after` has passed:
                a one-time alarm applied after its time would ring a day late (and one that
                reached the PBX after `not_after`, held back by pacing, is deleted again)
  alarm.remove  {"time"}     delete the extension's alarm at that time (none there: done)
  alarm.query   {}           read the extension's alarms; the answer is kept on the command row
  prompt.ring   {"prompt"}   ring the extension and play the prompt (playprompt); the callid is kept
                             on the command row, so the call's reports can be matched to it. Taken
                             over from a worker that died mid-call, it first looks for reports of a
                             prompt call to the extension that no ring accounts for: the PBX took
                             the dead worker's request, so that call is adopted, not placed again
  desk.dial     {"callee"}   the command's extension is the front desk's: ring it, then connect it to
                             the room (dial API) when an escalated wake-up needs a person; the
                             callid is kept on the command row. Sent again if a worker died mid-call
                             (the desk ringing twice is harmless; a failed wake-up nobody hears of
                             is not)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .errors import PbxPermanentError
from .events import MalformedReport, parse_report
from .models import CommandStatus, PbxCommand, PbxEvent

SET, REMOVE, QUERY, RING, DIAL = "alarm.set", "alarm.remove", "alarm.query", "prompt.ring", "desk.dial"
OPS = (SET, REMOVE, QUERY, RING, DIAL)
DEFAULT_PROMPT = "macroform-cold_day"  # the PBX's own wake-up prompt
NOT_FOUND = "10021"
TOO_LATE = "late"
# Yeastar numbers weekdays 0 = Sunday .. 6 = Saturday; the hotel uses Python's 0 = Monday.
_TO_PBX_DAY = {python: (python + 1) % 7 for python in range(7)}
_FROM_PBX_DAY = {pbx: python for python, pbx in _TO_PBX_DAY.items()}


@dataclass(frozen=True)
class Alarm:
    """An alarm as the PBX holds it, in the hotel's words."""

    time: str  # "HH:MM", PBX local time
    kind: str  # onetime / everyday / custom
    weekdays: tuple[int, ...]  # Python numbering (0 = Monday); custom alarms only
    prompt: str
    repeats: int
    interval_minutes: int
    pbx_id: str


@dataclass(frozen=True)
class QueryResult:
    state: str  # pending / done / failed
    alarms: tuple[Alarm, ...] = ()
    error: str = ""
    read_at: datetime | None = None


def ring_callid(command_id: int) -> tuple[str, str, str]:
    """(pending / done / failed, the call's callid, the PBX's reason) of a prompt.ring command."""
    state, why = command_state(command_id)
    if state != "done":
        return state, "", why

    payload = PbxCommand.objects.filter(pk=command_id).values_list("payload", flat=True).first() or {}
    return "done", str(payload.get("callid") or ""), ""


def ring_command_for_call(callid: str) -> int | None:
    """The prompt.ring command that placed this call, if any."""

    return (
        PbxCommand.objects.filter(op=RING, payload__callid=callid).values_list("pk", flat=True).first()
        if callid
        else None
    )


def ring_in_flight(extension: str) -> bool:
    """A prompt.ring for the extension is being sent: its callid is not recorded yet."""

    return PbxCommand.objects.filter(
        extension=extension, op=RING, status__in=[CommandStatus.PENDING, CommandStatus.SENDING]
    ).exists()


def desk_calls(command_ids) -> dict[int, tuple[str, str, str]]:
    """Desk.dial commands by id (one query): (the desk's extension, pending / done / failed, the PBX's
    reason in words)."""
    rows = PbxCommand.objects.filter(pk__in=[i for i in command_ids if i]).values(
        "pk", "extension", "status", "last_errno", "last_error"
    )
    found = {}
    for row in rows:
        if row["status"] == CommandStatus.DONE:
            state, why = "done", ""
        elif row["status"] in (CommandStatus.FAILED, CommandStatus.RESENT):
            errno = f" (errno {row['last_errno']})" if row["last_errno"] else ""
            state, why = "failed", (row["last_error"] or "the PBX refused the call") + errno
        else:
            state, why = "pending", ""
        found[row["pk"]] = (row["extension"], state, why)
    return found


def query_result(command_id: int) -> QueryResult:
    """What an alarm.query command found, once the worker has applied it."""

    row = (
        PbxCommand.objects.filter(pk=command_id)
        .values("status", "payload", "last_error", "applied_at")
        .first()
    )
    if row is None:
        return QueryResult("failed", error="the check was lost")
    if row["status"] == CommandStatus.DONE:
        found = (row["payload"] or {}).get("found") or []
        return QueryResult("done", tuple(_from_pbx(a) for a in found), read_at=row["applied_at"])
    if row["status"] in (CommandStatus.FAILED, CommandStatus.RESENT):
        return QueryResult("failed", error=row["last_error"] or "the PBX refused the check")
    return QueryResult("pending")


def times_being_removed(extension: str, after_command_id: int = 0) -> set[str]:
    """Alarm times of the extension that an alarm.remove queued after the look `after_command_id` (or not
    yet applied) deletes: that look still shows them, and they are not the guest's."""

    payloads = PbxCommand.objects.filter(extension=extension, op=REMOVE).filter(
        Q(pk__gt=after_command_id) | Q(status__in=[CommandStatus.PENDING, CommandStatus.SENDING])
    )
    return {str(p.get("time")) for p in payloads.values_list("payload", flat=True) if p and p.get("time")}


def command_state(command_id: int) -> tuple[str, str]:
    """(pending / done / failed, the PBX's reason) of a set or remove command."""

    row = PbxCommand.objects.filter(pk=command_id).values("status", "last_errno", "last_error").first()
    if row is None:
        return "failed", "the command was lost"
    if row["status"] == CommandStatus.DONE:
        return "done", ""
    if row["status"] in (CommandStatus.FAILED, CommandStatus.RESENT):
        return "failed", row["last_error"] or row["last_errno"]
    return "pending", ""


# --- applying (called by commands.apply_command) -----------------------------------------------------


def apply(command, client, *, reclaimed: bool = False) -> None:
    """`reclaimed`: a worker died while sending it; `command.claimed_at` is still that worker's claim."""
    payload = command.payload or {}
    if command.op == SET:
        _apply_set(command.extension, payload, client)
    elif command.op == REMOVE:
        _apply_remove(command.extension, str(payload.get("time", "")), client)
    elif command.op == RING:
        callid = _rung_while_claimed(command.extension, command.claimed_at) if reclaimed else ""
        callid = callid or client.playprompt(command.extension, str(payload.get("prompt") or DEFAULT_PROMPT))

        PbxCommand.objects.filter(pk=command.pk).update(payload={**payload, "callid": callid})
    elif command.op == DIAL:
        callid = client.dial_extension(command.extension, str(payload.get("callee", "")))
        PbxCommand.objects.filter(pk=command.pk).update(payload={**payload, "callid": callid})
    elif command.op == QUERY:
        found = client.wakeup_query(command.extension)

        PbxCommand.objects.filter(pk=command.pk).update(payload={**payload, "found": found})


# Reports only a prompt call to the extension produces (the emulator's and, as far as the documents
# say, the PBX's): its end, a key, its failure; and its call record from the extension to itself.
PROMPT_REPORTS = ("PlayPromptEnd", "DTMF", "CallFailed", "NewCdr")


def _rung_while_claimed(extension: str, since: datetime | None) -> str:
    """The callid of a prompt call to `extension` reported since `since` that no ring command holds."""
    if since is None:
        return ""
    events = (
        PbxEvent.objects.filter(received_at__gte=since, name__in=PROMPT_REPORTS)
        .exclude(callid="")
        .order_by("received_at", "id")
    )
    for event in events.only("callid", "body", "name"):
        if PbxCommand.objects.filter(op=RING, payload__callid=event.callid).exists():
            continue
        try:
            report = parse_report(event.body)
        except MalformedReport:
            continue
        if event.name == "NewCdr":
            cdr = report.cdr()
            ours = cdr.callfrom == cdr.callto == extension
        else:
            ours = any(p.kind == "ext" and p.number == extension for p in report.parties)
        if ours:
            return event.callid
    return ""


def _apply_set(extension: str, payload: dict, client) -> None:
    not_after = parse_datetime(payload.get("not_after") or "")
    if not_after is not None and timezone.now() > not_after:
        raise PbxPermanentError(
            "not sent: its time had passed, the PBX would have rung a day late",
            errno=TOO_LATE,
            path="wakeupcall/create",
        )
    time_hhmm = str(payload["time"])
    fields = {
        "type": payload.get("kind") or "onetime",
        "repeats": int(payload.get("repeats") or 1),
        "interval": int(payload.get("interval") or 5),
        "prompt": payload.get("prompt") or None,
        "weekdays": [str(d) for d in payload.get("weekdays") or []] or None,
    }
    existing = [a for a in client.wakeup_query(extension) if str(a.get("time", "")) == time_hhmm]
    if existing:  # set again (a re-push, or a worker that died after the create): change, not add
        client.wakeup_update(extension, str(existing[0].get("wakeupid", "")), time_hhmm, **fields)
    else:
        client.wakeup_create(extension, time_hhmm, **fields)
    if not_after is not None and timezone.now() > not_after:
        # it waited for a pacing slot (or a throttled retry) past its last moment: taken off again
        _apply_remove(extension, time_hhmm, client)
        raise PbxPermanentError(
            "taken off again: it reached the PBX after its time, the PBX would have rung a day late",
            errno=TOO_LATE,
            path="wakeupcall/create",
        )


def _apply_remove(extension: str, time_hhmm: str, client) -> None:
    ids = [str(a.get("wakeupid", "")) for a in client.wakeup_query(extension) if a.get("time") == time_hhmm]
    if not ids:
        return
    try:
        client.wakeup_delete(extension, ids)
    except PbxPermanentError as exc:
        if exc.errno != NOT_FOUND:
            raise


def _from_pbx(raw: dict) -> Alarm:
    days = str(raw.get("weekdays") or "")
    weekdays = []
    for part in days.replace(";", ",").split(","):
        if part.strip().isdigit() and int(part) in _FROM_PBX_DAY:
            weekdays.append(_FROM_PBX_DAY[int(part)])
    return Alarm(
        time=str(raw.get("time") or ""),
        kind=str(raw.get("type") or "onetime"),
        weekdays=tuple(sorted(weekdays)),
        prompt=str(raw.get("prompt") or ""),
        repeats=_int(raw.get("repeats"), 1),
        interval_minutes=_int(raw.get("repeatinterval"), 5),
        pbx_id=str(raw.get("wakeupid") or ""),
    )


def _int(value, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default

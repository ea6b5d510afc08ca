"""Store one report the PBX sent (the webhook) or that we fetched (CDR back-fill): raw first, work later.

The body is committed before anyone answers the PBX; parsing for handlers and the handlers themselves
run after commit in a task (processing.py). Every column written here is cleaned and cut to its size,
because a report is untrusted input and bad input must never turn into a database error (a 5xx).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from . import events, tasks
from .config import PbxConfig
from .models import EventStatus, PbxEvent, PbxLink

log = logging.getLogger(__name__)

# last_report_at / last_cdr_at feed the silence alarm (minutes): each process writes them at most once
# a second, so a burst of reports costs no extra write transaction per report and no queue on the row lock.
LINK_TOUCH_EVERY = timedelta(seconds=1)
_touched_at: dict[str, float] = {}  # field -> time.monotonic() of this process's last write


class ReportRejected(Exception):
    """The report was kept, marked rejected; `code` says why (the view picks the HTTP status)."""

    def __init__(self, event: PbxEvent, code: str, message: str):
        super().__init__(message)
        self.event, self.code, self.message = event, code, message


def _clean(value: str, size: int) -> str:
    # PostgreSQL text cannot hold NUL, and varchar(n) refuses longer values.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:size]


def _body_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").replace("\x00", "\ufffd")


def _ip(source_ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((source_ip or "").strip()))
    except ValueError:
        return None


def _insert(**fields) -> tuple[PbxEvent, bool]:
    """Insert, or return the row that holds the key already (a retry, or a concurrent copy of it).

    The savepoint makes this safe inside a caller's transaction; under concurrency the database's unique
    index decides, and the loser reads the winner's committed row.
    """
    try:
        with transaction.atomic():
            return PbxEvent.objects.create(**fields), True
    except IntegrityError:
        existing = PbxEvent.objects.filter(dedupe_key=fields["dedupe_key"]).first()
        if existing is None:  # not our unique key after all
            raise
        return existing, False


def store_rejected(
    *,
    raw: bytes,
    source_ip: str | None,
    reason: str,
    source: str = "webhook",
    name: str = "",
    sn: str = "",
    callid: str = "",
) -> PbxEvent:
    """Keep a body we refused, for the operator (the same body twice is one row)."""
    event, _ = _insert(
        dedupe_key=f"rejected:{hashlib.sha256(raw).hexdigest()}",
        name=_clean(name, 40),
        sn=_clean(sn, 32),
        callid=_clean(callid, 64),
        source=source,
        source_ip=_ip(source_ip),
        body=_body_text(raw),
        status=EventStatus.REJECTED,
        reject_reason=_clean(reason, 255),
    )
    return event


def _expected_serial() -> str | None:
    """This PBX's serial: the setting, else what the link learned; None while unknown (or no link row)."""
    serial = PbxConfig.from_settings().serial.strip()
    if serial:
        return serial
    return (PbxLink.objects.filter(pk=1).values_list("serial", flat=True).first() or "").strip() or None


def _touch_link(report: events.Report, now) -> None:
    """Note that the PBX is talking (throttled per process, see LINK_TOUCH_EVERY)."""
    fields = ["last_report_at", "last_cdr_at"] if report.name == "NewCdr" else ["last_report_at"]
    clock = time.monotonic()
    due = [f for f in fields if clock - _touched_at.get(f, -math.inf) >= LINK_TOUCH_EVERY.total_seconds()]
    if not due:
        return
    try:
        with transaction.atomic():  # a savepoint when the caller has a transaction open
            if not PbxLink.objects.filter(pk=1).update(**dict.fromkeys(due, now)):
                PbxLink.objects.get_or_create(pk=1, defaults=dict.fromkeys(due, now))
    except DatabaseError:  # the report is stored; a missed timestamp only delays the silence alarm
        log.warning("could not note the report time on the PBX link", exc_info=True)
        return
    _touched_at.update(dict.fromkeys(due, clock))


def store_report(*, raw: bytes, source_ip: str | None, source: str = "webhook") -> tuple[PbxEvent, bool]:
    """Store one report body; returns (event, created). created=False: we had it already (a retry).

    Raises ReportRejected (after keeping the body, marked rejected) for a body that is not a report
    (code "malformed_report"), comes from another PBX ("wrong_serial"), or is a call record whose
    durations cannot be true ("implausible_cdr").
    """
    now = timezone.now()
    try:
        report = events.parse_report(raw)
        key = _clean(events.dedupe_key(report, received_at=now), 200)
    except events.MalformedReport as exc:
        event = store_rejected(raw=raw, source_ip=source_ip, reason=exc.reason, source=source)
        raise ReportRejected(event, "malformed_report", exc.reason) from None
    except Exception as exc:  # a bug here must not answer 5xx to the PBX: keep the body, say 400
        log.exception("report parser failed")
        reason = f"could not be read ({exc.__class__.__name__})"
        event = store_rejected(raw=raw, source_ip=source_ip, reason=reason, source=source)
        raise ReportRejected(event, "malformed_report", reason) from None

    expected = _expected_serial()
    if expected and report.sn != expected:
        reason = f"serial number {report.sn or '(none)'} is not this PBX's ({expected})"
        event = store_rejected(
            raw=raw,
            source_ip=source_ip,
            reason=reason,
            source=source,
            name=report.name,
            sn=report.sn,
            callid=report.callid,
        )
        raise ReportRejected(event, "wrong_serial", reason)

    problem = events.implausible_cdr(report) if report.name == "NewCdr" else ""
    if problem:  # kept for the operator, never billed, never clamped into a price
        reason = f"implausible call record: {problem}"
        event = store_rejected(
            raw=raw,
            source_ip=source_ip,
            reason=reason,
            source=source,
            name=report.name,
            sn=report.sn,
            callid=report.callid,
        )
        raise ReportRejected(event, "implausible_cdr", reason)

    event, created = _insert(
        dedupe_key=key,
        name=_clean(report.name, 40),
        sn=_clean(report.sn, 32),
        callid=_clean(report.callid, 64),
        source=source,
        source_ip=_ip(source_ip),
        body=_body_text(raw),
        status=EventStatus.RECEIVED,
    )
    if created:
        # Only ids travel through the broker; if this message is lost, the sweeper finds the row.
        event_id = event.id
        transaction.on_commit(lambda: tasks.process_event_task.delay(event_id), robust=True)
    if source == "webhook":
        _touch_link(report, now)
    return event, created

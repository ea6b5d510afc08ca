"""Run the registered handlers for stored reports, once each, retrying a failing one a few times.

A report is processed in one transaction holding its row lock: the handlers' writes and the
`processed` mark commit together, so a worker killed half-way leaves the report `received` and
nothing half-done. A handler that raises rolls back its writes; the report stays `received` with the
error and one more attempt, and the sweeper re-drives it until MAX_ATTEMPTS, then it is `failed`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import events, tasks
from .models import EventStatus, PbxEvent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def process_event(event_id: int) -> str:
    """Process one stored report; safe to call twice or concurrently. Returns what happened."""
    with transaction.atomic():
        # skip_locked: a second worker holding a duplicate message moves on instead of waiting.
        event = (
            PbxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, status=EventStatus.RECEIVED)
            .first()
        )
        if event is None:
            return "skipped"  # done already, rejected, failed, gone, or being processed right now
        try:
            report = events.parse_report(event.body.encode("utf-8"))
        except events.MalformedReport as exc:  # only if the stored body was edited by hand
            event.status, event.reject_reason = EventStatus.REJECTED, exc.reason[:255]
            event.save(update_fields=["status", "reject_reason"])
            return "rejected"

        event.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a failing handler's writes go, the attempt stays
                for fn in events.handlers_for(report.name):
                    fn(report, event)
        except Exception as exc:
            log.warning("handler failed for report %s (attempt %s)", event.pk, event.attempts, exc_info=True)
            event.last_error = f"{exc.__class__.__name__}: {exc}"[:255]
            if event.attempts >= MAX_ATTEMPTS:
                event.status = EventStatus.FAILED
            event.save(update_fields=["attempts", "last_error", "status"])
            return "failed" if event.status == EventStatus.FAILED else "retry"

        event.status = EventStatus.PROCESSED
        event.processed_at = timezone.now()
        event.save(update_fields=["attempts", "status", "processed_at"])
        return "processed"


def sweep_unprocessed(older_than_seconds: int = 30, limit: int = 500) -> int:
    """Re-enqueue reports still `received` after a while: the message was lost, or a handler failed.

    The beat interval is the retry back-off. A report still queued behind a backlog may be enqueued
    twice; process_event skips the second copy.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        PbxEvent.objects.filter(status=EventStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for event_id in ids:
        tasks.process_event_task.delay(event_id)
    return len(ids)

"""Who reported in, and when: beat's heartbeat (written by a task beat schedules) and each Celery
worker's (written by the worker itself while it consumes the queues). Rows live in SchedulerHeartbeat,
one per name: "beat", and "worker:<hostname>" per worker.

The worker's heartbeat is a step of its consumer: it runs while the worker is connected to the broker
and taking tasks, every WORKER_HEARTBEAT_SECONDS, in the worker's main process, so it needs neither
beat nor a free pool process. The desk's PBX badge turns red when commands wait and no worker wrote
here for WORKER_STALE_SECONDS.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import bootsteps

log = logging.getLogger(__name__)

WORKER_PREFIX = "worker:"


def worker_row_name(hostname: str) -> str:
    return f"{WORKER_PREFIX}{hostname}"[:32]


def record_worker(hostname: str) -> None:
    from django.db import connection
    from django.utils import timezone

    from .models import SchedulerHeartbeat

    try:
        SchedulerHeartbeat.objects.update_or_create(
            name=worker_row_name(hostname), defaults={"beat_at": timezone.now()}
        )
    except Exception:  # the next beat tries again on a fresh connection; the worker goes on
        log.warning("could not record the worker's heartbeat", exc_info=True)
        connection.close()


def last_worker_seen() -> datetime | None:
    from django.db.models import Max

    from .models import SchedulerHeartbeat

    rows = SchedulerHeartbeat.objects.filter(name__startswith=WORKER_PREFIX)
    return rows.aggregate(last=Max("beat_at"))["last"]


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Consumer step: started when the worker consumes (again, after a broker outage), stopped when it
    stops consuming."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, parent) -> None:
        from django.conf import settings

        record_worker(parent.hostname)
        self.timer_entry = parent.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, record_worker, (parent.hostname,), priority=10
        )

    def stop(self, parent) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop

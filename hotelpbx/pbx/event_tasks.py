"""Thin Celery tasks for stored reports: they carry an id and call processing.py.

Named under hotelpbx.pbx.tasks.* so they share the "pbx" queue route and the beat entry
"pbx-sweep-events"; this module is imported by PbxConfig.ready() so every worker registers them.
"""

from celery import shared_task

from . import processing


@shared_task(name="hotelpbx.pbx.tasks.process_event", acks_late=True)
def process_event_task(event_id: int) -> str:
    return processing.process_event(event_id)


@shared_task(name="hotelpbx.pbx.tasks.sweep_events")
def sweep_events() -> int:
    return processing.sweep_unprocessed()

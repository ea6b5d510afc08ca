"""Thin Celery tasks for the PBX link: they take ids or extension numbers and call one function.

Every task is safe to run twice; beat re-drives whatever a lost message left behind. This is the only
module of the link that imports inside functions: the work modules import it at their top to schedule
work, and it reaches back into them only when a task runs. Task names are the strings beat and the
queue routes use; the Python names end in `_task` so none reads like the function it runs.
"""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="hotelpbx.pbx.tasks.drain_extension", acks_late=True, ignore_result=True)
def drain_extension_task(command_id: int) -> str:
    """Apply the open commands of the extension this command belongs to, in their order."""
    from .commands import drain_extension
    from .config import PbxConfig
    from .models import PbxCommand

    if not PbxConfig.link_enabled():
        return "disabled"
    extension = PbxCommand.objects.filter(pk=command_id).values_list("extension", flat=True).first()
    return drain_extension(extension) if extension else "gone"


@shared_task(name="hotelpbx.pbx.tasks.sweep_commands", ignore_result=True)
def sweep_commands_task() -> int:
    from .commands import SWEEP_AFTER, heads_to_drive, link_resting
    from .config import PbxConfig

    if not PbxConfig.link_enabled():
        return 0
    heads = heads_to_drive(settled=SWEEP_AFTER)
    if heads and link_resting():
        heads = heads[:1]  # while the PBX is unreachable one probe is enough; the rest wait their turn
    for command_id in heads:
        drain_extension_task.delay(command_id)
    return len(heads)


@shared_task(name="hotelpbx.pbx.tasks.heartbeat", ignore_result=True)
def heartbeat_task() -> str:
    from .link import keep_alive

    return keep_alive()


@shared_task(name="hotelpbx.pbx.tasks.reconcile", acks_late=True, ignore_result=True)
def reconcile_task(trigger: str = "hourly") -> int | None:
    from .reconcile import reconcile_all

    job = reconcile_all(trigger=trigger)
    return job.pk if job else None


@shared_task(name="hotelpbx.pbx.tasks.reconcile_extension", acks_late=True, ignore_result=True)
def reconcile_extension_task(number: str, trigger: str = "ConfigChange") -> int:
    from .reconcile import reconcile_numbers

    return reconcile_numbers([number], trigger=trigger)


@shared_task(name="hotelpbx.pbx.tasks.backfill_cdrs", acks_late=True, ignore_result=True)
def backfill_cdrs_task(
    trigger: str = "manual", hours: float | None = None, since: str | None = None
) -> int | None:
    from datetime import datetime

    from .backfill import backfill_gap

    job = backfill_gap(trigger=trigger, hours=hours, since=datetime.fromisoformat(since) if since else None)
    return job.pk if job else None


@shared_task(name="hotelpbx.pbx.tasks.watch_cdr_flow", ignore_result=True)
def watch_cdr_flow_task() -> str:
    from .backfill import check_cdr_flow

    return check_cdr_flow()


# --- stored reports -------------------------------------------------------------------------------------


@shared_task(name="hotelpbx.pbx.tasks.process_event", acks_late=True)
def process_event_task(event_id: int) -> str:
    from .processing import process_event

    return process_event(event_id)


@shared_task(name="hotelpbx.pbx.tasks.sweep_events")
def sweep_events_task() -> int:
    from .processing import sweep_unprocessed

    return sweep_unprocessed()

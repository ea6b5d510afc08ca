from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def dispatch_due() -> dict:
    """Beat, every WAKEUP_DISPATCH_SECONDS: move every due wake-up one step (claimed by compare-and-swap)."""
    from hotelpbx.core.models import SchedulerHeartbeat

    from .dispatch import dispatch_due as run

    SchedulerHeartbeat.objects.update_or_create(name="wakeup", defaults={"beat_at": timezone.now()})
    return run()


@shared_task(ignore_result=True)
def survey_alarms() -> int:
    """Beat, every WAKEUP_SURVEY_SECONDS: read occupied rooms' alarms, to adopt those keyed on the phone."""
    from .dispatch import survey_alarms as run

    return run()

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Proves that beat schedules and a worker runs; /readyz reads it."""
    from .models import SchedulerHeartbeat

    SchedulerHeartbeat.objects.update_or_create(name="beat", defaults={"beat_at": timezone.now()})

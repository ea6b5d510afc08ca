"""/readyz: wake-ups whose next step is overdue mean the dispatcher (beat or worker) is not running."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone


def dispatcher_check() -> tuple[bool, str]:
    from hotelpbx.core.models import SchedulerHeartbeat

    from .models import RepeatedAlarm, WakeupCall

    now = timezone.now()
    slack = timedelta(seconds=max(60.0, 4 * settings.WAKEUP_DISPATCH_SECONDS))
    late_work = [  # a repeated wake-up's PBX alarm is wake-up work too
        model.objects.filter(next_action_at__lt=now - slack).order_by("next_action_at").first()
        for model in (WakeupCall, RepeatedAlarm)
    ]
    overdue = min((r for r in late_work if r is not None), key=lambda r: r.next_action_at, default=None)
    beat = SchedulerHeartbeat.objects.filter(name="wakeup").values_list("beat_at", flat=True).first()
    seen = f"last run {int((now - beat).total_seconds())} s ago" if beat else "never run"
    if overdue is not None:
        late = int((now - overdue.next_action_at).total_seconds())
        return False, f"wake-up work is {late} s overdue (dispatcher {seen}): is beat and a worker running?"
    return True, f"ok ({seen})"

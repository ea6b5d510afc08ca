"""Liveness and readiness. /healthz says the process serves; /readyz checks what it depends on."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # any failure means not ready; the reason goes to the operator
        return False, f"database unavailable: {exc.__class__.__name__}"


def _check_broker() -> tuple[bool, str]:
    from hotelpbx.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, f"broker unavailable: {exc.__class__.__name__}"


def _check_scheduler() -> tuple[bool, str]:
    from .models import SchedulerHeartbeat

    try:
        beat = SchedulerHeartbeat.objects.filter(name="beat").first()
    except Exception as exc:
        return False, f"cannot read scheduler heartbeat: {exc.__class__.__name__}"
    if beat is None:
        return False, "no scheduler heartbeat yet: is celery beat (and a worker) running?"
    age = timezone.now() - beat.beat_at
    if age > timedelta(seconds=settings.SCHEDULER_STALE_SECONDS):
        return False, f"scheduler heartbeat is {int(age.total_seconds())} s old: beat or worker stopped"
    return True, f"ok ({int(age.total_seconds())} s ago)"


# Apps add their own readiness checks (name -> () -> (ok, message)) from their AppConfig.ready().
EXTRA_CHECKS: dict = {}


def register_check(name: str, check) -> None:
    EXTRA_CHECKS[name] = check


@never_cache
def readyz(request):
    checks = {"database": _check_database(), "broker": _check_broker(), "scheduler": _check_scheduler()}
    for name, check in EXTRA_CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # a broken check says so; it never turns readiness into a 500
            checks[name] = (False, f"check failed: {exc.__class__.__name__}")
    ready = all(ok for ok, _ in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": {k: v[1] for k, v in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)

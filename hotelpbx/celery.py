import os

from celery import Celery

from hotelpbx.core.heartbeats import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotelpbx.settings")

app = Celery("hotelpbx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each worker records that it consumes, for the desk's PBX badge.
app.steps["consumer"].add(WorkerHeartbeat)

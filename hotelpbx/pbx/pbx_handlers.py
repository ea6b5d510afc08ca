"""The link's own report handlers (found by autodiscovery like every app's pbx_handlers.py)."""

from django.db import transaction

from . import tasks
from .events import handler
from .models import PbxLink


@handler("BootUp")
def pbx_booted(report, event) -> None:
    """The PBX restarted: its tokens are gone and its configuration may be older than ours."""
    PbxLink.objects.filter(pk=1).update(token="")
    transaction.on_commit(lambda: tasks.reconcile_task.delay("PBX boot"))


@handler("ConfigChange")
def pbx_config_changed(report, event) -> None:
    """Someone (or we) edited an extension: compare that one extension again."""
    fields = report.fields
    if fields.get("type") == "extension" and fields.get("extid"):
        number = fields["extid"]
        transaction.on_commit(lambda: tasks.reconcile_extension_task.delay(number))

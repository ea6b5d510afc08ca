from django.apps import AppConfig


class PbxConfig(AppConfig):
    name = "hotelpbx.pbx"
    label = "pbx"
    verbose_name = "Yeastar PBX link"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Celery's autodiscovery only imports <app>.tasks; the report tasks live beside it.
        from . import event_tasks  # noqa: F401

        # Domain apps register report handlers in <app>/pbx_handlers.py (@events.handler("NewCdr")).
        autodiscover_modules("pbx_handlers")

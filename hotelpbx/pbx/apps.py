from django.apps import AppConfig


class PbxConfig(AppConfig):
    name = "hotelpbx.pbx"
    label = "pbx"
    verbose_name = "Yeastar PBX link"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import checks, link, session, tasks  # noqa: F401  (system checks; every worker's tasks)

        # The session announces every login; the link decides what follows (reconcile, back-fill).
        session.logged_in.connect(link.on_login, dispatch_uid="pbx-link-on-login")
        # Domain apps register report handlers in <app>/pbx_handlers.py (@events.handler("NewCdr")),
        # the link's own (BootUp, ConfigChange) in hotelpbx/pbx/pbx_handlers.py.
        autodiscover_modules("pbx_handlers")

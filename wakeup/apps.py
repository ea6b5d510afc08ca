from django.apps import AppConfig


class WakeupConfig(AppConfig):
    name = "wakeup"
    verbose_name = "Wake-up calls"

    def ready(self) -> None:
        from hotelpbx.core.health import register_check
        from rooms import signals

        from . import health, receivers

        register_check("wakeups", health.dispatcher_check)
        signals.stay_moved.connect(receivers.follow_move, dispatch_uid="wakeup.follow_move")
        signals.stay_checked_out.connect(receivers.end_with_stay, dispatch_uid="wakeup.end_with_stay")

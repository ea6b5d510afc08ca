from django.apps import AppConfig


class WakeupConfig(AppConfig):
    name = "wakeup"
    verbose_name = "Wake-up calls"

    def ready(self) -> None:
        from rooms import signals

        from . import receivers

        signals.stay_moved.connect(receivers.follow_move, dispatch_uid="wakeup.follow_move")
        signals.stay_checked_out.connect(receivers.end_with_stay, dispatch_uid="wakeup.end_with_stay")

from django.apps import AppConfig


class WakeupConfig(AppConfig):
    name = "wakeup"
    verbose_name = "Wake-up calls"

    def ready(self) -> None:
        from hotelpbx.core import policy
        from hotelpbx.core.health import register_check
        from rooms import signals

        from . import health, receivers

        register_check("wakeups", health.dispatcher_check)
        for name in (
            "board",
            "board_partial",
            "create",
            "change",
            "cancel",
            "cancel_all",
            "alerts",
            "acknowledge",
            "report",
            "stay_panel",
        ):
            policy.register(f"wakeup:{name}", policy.DESK)
        signals.stay_moved.connect(receivers.follow_move, dispatch_uid="wakeup.follow_move")
        signals.stay_checked_out.connect(receivers.end_with_stay, dispatch_uid="wakeup.end_with_stay")
        signals.stay_cancelled.connect(receivers.end_with_cancelled_stay, dispatch_uid="wakeup.end_cancelled")
        signals.stay_changed.connect(receivers.follow_room, dispatch_uid="wakeup.follow_room")
        signals.stay_checked_in.connect(receivers.follow_room, dispatch_uid="wakeup.follow_room_in")
        signals.stay_dates_changed.connect(receivers.follow_dates, dispatch_uid="wakeup.follow_dates")

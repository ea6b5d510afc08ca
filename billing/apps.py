from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from hotelpbx.core import policy
        from rooms.models import Stay
        from rooms.services import register_check_out_guard

        from . import signals
        from .services import check_out_guard
        from .urls import PAGE_POLICY

        register_check_out_guard(check_out_guard)
        post_save.connect(
            signals.rate_calls_waiting_for_stay, sender=Stay, dispatch_uid="billing-late-check-in"
        )
        for view_name, roles in PAGE_POLICY.items():
            policy.register(view_name, roles)

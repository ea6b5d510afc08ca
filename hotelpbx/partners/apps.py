from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "hotelpbx.partners"
    label = "partners"
    verbose_name = "Partner API and webhooks"

    def ready(self) -> None:
        from . import webhooks  # noqa: F401  (listens to the rooms' signals)

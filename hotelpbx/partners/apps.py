from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "hotelpbx.partners"
    label = "partners"
    verbose_name = "Partner API and webhooks"

    def ready(self) -> None:
        from . import keycache, webhooks  # noqa: F401  (listen to the key rows' and the rooms' signals)

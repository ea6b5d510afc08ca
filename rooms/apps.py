from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = "Rooms, guests and stays"

    def ready(self) -> None:
        from . import phone  # noqa: F401  (registers the desired-state provider for the PBX link)

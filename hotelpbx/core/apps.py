from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_managers_all_permissions(sender, **kwargs):
    """Managers run the Django admin: their group holds every model permission there is."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Manager")
    group.permissions.set(Permission.objects.all())


class CoreConfig(AppConfig):
    name = "hotelpbx.core"
    label = "core"
    verbose_name = "Hotel core (roles, audit, health)"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)

        post_migrate.connect(_grant_managers_all_permissions, sender=self)

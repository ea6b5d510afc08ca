from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _last_migrated_app_label() -> str:
    """post_migrate is sent once per app with models, in INSTALLED_APPS order."""
    return [config.label for config in apps.get_app_configs() if config.models_module is not None][-1]


def _grant_managers_their_permissions(sender, using="default", **kwargs):
    """Managers run the Django admin: their group holds every model permission of every app (except
    writing the audit log). Granted once the last app's permissions exist, so a fresh install's first
    `migrate` already gives them all; running it again changes nothing."""
    if sender.label != _last_migrated_app_label():
        return
    from django.contrib.auth.models import Group

    from .permissions import manager_permissions

    group, _ = Group.objects.using(using).get_or_create(name="Manager")
    group.permissions.set(manager_permissions().using(using))


class CoreConfig(AppConfig):
    name = "hotelpbx.core"
    label = "core"
    verbose_name = "Hotel core (roles, audit, health)"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)
        from .logredact import install as redact_report_token_in_logs

        redact_report_token_in_logs()

        # every app's post_migrate: the permissions of later apps are created by their own signal
        post_migrate.connect(_grant_managers_their_permissions, dispatch_uid="hotel-manager-permissions")

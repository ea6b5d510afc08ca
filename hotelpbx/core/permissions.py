"""What the Manager group holds, and the rule that nobody hands out rights they do not hold."""

from django.contrib.auth.models import Permission

# The audit log is written by the hotel's services only; nobody adds, edits or deletes its rows.
AUDIT_WRITE_CODENAMES = ("add_auditentry", "change_auditentry", "delete_auditentry")


def manager_permissions():
    """Every model permission of every app, except writing the audit log."""
    return Permission.objects.exclude(content_type__app_label="core", codename__in=AUDIT_WRITE_CODENAMES)


def permission_names(permissions) -> set[str]:
    """`app_label.codename` strings, the form `User.get_all_permissions()` uses."""
    return {
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
    }

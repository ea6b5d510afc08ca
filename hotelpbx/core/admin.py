from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: entries are written by the hotel's services."""

    list_display = ("at", "actor", "action", "room_number", "summary", "source")
    list_filter = ("action", "source")
    search_fields = ("summary", "room_number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _NoRightsBeyondOwnMixin:
    """Someone who is not a superuser may give only the groups and permissions they hold themselves.

    Rights the edited account or group already had stay untouched; only what a save would add is checked.
    """

    permissions_field = "user_permissions"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if request.user.is_superuser:
            return form_class
        permissions_field = self.permissions_field
        had_groups = (
            set(obj.groups.all()) if obj is not None and permissions_field == "user_permissions" else set()
        )
        had_permissions = set(getattr(obj, permissions_field).all()) if obj is not None else set()
        held_groups = set(request.user.groups.all())
        held_permissions = request.user.get_all_permissions()

        class NoRightsBeyondOwnForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if "groups" in cleaned:
                    foreign = sorted(g.name for g in set(cleaned["groups"]) - had_groups - held_groups)
                    if foreign:
                        self.add_error(
                            "groups", f"You can only give groups you belong to: not {', '.join(foreign)}."
                        )
                if permissions_field in cleaned:
                    added = set(cleaned[permissions_field]) - had_permissions
                    foreign = sorted(
                        name
                        for name in (f"{p.content_type.app_label}.{p.codename}" for p in added)
                        if name not in held_permissions
                    )
                    if foreign:
                        self.add_error(
                            permissions_field,
                            f"You can only give permissions you hold: not {', '.join(foreign)}.",
                        )
                return cleaned

        return NoRightsBeyondOwnForm


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class HotelUserAdmin(_NoRightsBeyondOwnMixin, UserAdmin):
    """Managers keep the staff accounts; only a superuser makes superusers or touches one."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": tuple(f for f in options["fields"] if f != "is_superuser")})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Group)
class HotelGroupAdmin(_NoRightsBeyondOwnMixin, GroupAdmin):
    """A group's permissions, too, are given only by someone who holds them."""

    permissions_field = "permissions"

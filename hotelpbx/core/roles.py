"""Staff roles. Each role is a Django group created by a data migration."""

from django.db.models import TextChoices


class Role(TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    HOUSEKEEPING = "housekeeping", "Housekeeping"
    MANAGER = "manager", "Manager"


def roles_of(user) -> frozenset[str]:
    """The roles a signed-in user holds; cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_hotel_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role.value for role in Role if role.label in names)
        if user.is_superuser:
            cached = frozenset(Role.values)
        user._hotel_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_housekeeping_only(user) -> bool:
    held = roles_of(user)
    return held == {Role.HOUSEKEEPING}

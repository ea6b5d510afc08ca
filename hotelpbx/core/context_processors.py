from django.conf import settings

from .roles import Role, roles_of


def hotel(request):
    roles = roles_of(getattr(request, "user", None))
    return {
        "HOTEL_NAME": settings.HOTEL_NAME,
        "CURRENCY": settings.CURRENCY,
        "HOTEL_TIME_ZONE": settings.HOTEL_TIME_ZONE,
        "user_roles": roles,
        "is_desk": bool(roles & {Role.FRONT_DESK, Role.MANAGER}),
        "is_manager": Role.MANAGER in roles,
    }

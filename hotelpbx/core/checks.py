from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.checks import Error, register


@register()
def hotel_settings_check(app_configs, **kwargs):
    errors = []
    if settings.TIME_ZONE != "UTC":
        errors.append(
            Error("TIME_ZONE must stay UTC; set the hotel's zone in HOTEL_TIME_ZONE.", id="hotel.E001")
        )
    try:
        ZoneInfo(settings.HOTEL_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            Error(f"HOTEL_TIME_ZONE {settings.HOTEL_TIME_ZONE!r} is not an IANA zone.", id="hotel.E002")
        )
    if settings.CHECKIN_ROOM_READINESS not in {"block_dirty", "require_inspected", "warn"}:
        errors.append(
            Error(
                "CHECKIN_ROOM_READINESS must be one of block_dirty, require_inspected, warn.",
                id="hotel.E003",
            )
        )
    if settings.HOUSEKEEPING_INSPECTION not in {"anyone", "supervisor"}:
        errors.append(Error("HOUSEKEEPING_INSPECTION must be anyone or supervisor.", id="hotel.E020"))
    return errors

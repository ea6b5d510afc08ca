from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.checks import Error, Warning, register


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


@register()
def pbx_events_host_allowed(app_configs, **kwargs):
    """The PBX posts reports with the Host of PBX_EVENTS_URL; Django refuses unknown hosts before any
    view runs, so every report would be lost (and the PBX would resend forever)."""
    url = getattr(settings, "PBX_EVENTS_URL", "")
    if not url:
        if getattr(settings, "PBX_URL", ""):
            return [
                Warning(
                    "PBX_URL is set but PBX_EVENTS_URL is not: the PBX would post its reports to the root "
                    "of this server, where nothing takes them, and resend them forever.",
                    hint="Set PBX_EVENTS_URL to host:port/pbx/events/<PBX_EVENTS_TOKEN>/.",
                    id="hotel.W002",
                )
            ]
        return []
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    from django.http.request import validate_host

    if validate_host(host, settings.ALLOWED_HOSTS):
        return []
    return [
        Warning(
            f"PBX_EVENTS_URL's host {host!r} is not in DJANGO_ALLOWED_HOSTS: "
            "the PBX's reports would be refused.",
            hint=f"Add {host} to DJANGO_ALLOWED_HOSTS.",
            id="hotel.W001",
        )
    ]


@register()
def pbx_v1_checkout_mode(app_configs, **kwargs):
    if getattr(settings, "PBX_V1_CHECKOUT", "keep_routes") not in {"hotel_checkout", "keep_routes"}:
        return [Error("PBX_V1_CHECKOUT must be hotel_checkout or keep_routes.", id="hotel.E004")]
    if (
        settings.PBX_URL
        and settings.PBX_API_VERSION.startswith("v1")
        and settings.PBX_V1_CHECKOUT == "hotel_checkout"
    ):
        return [
            Warning(
                "API v1.1.0: hotel/checkout takes a room's extension out of the outbound routes, and only "
                "some v1 firmware has outroute/update to put it back: without it a room cannot call out "
                "again after its first check-out.",
                hint="Use API v2.0.0 (firmware 30.13.0.30+), or PBX_V1_CHECKOUT=keep_routes.",
                id="hotel.W003",
            )
        ]
    return []

"""System checks of the PBX link's settings (registered by PbxConfig.ready()).

They read the raw settings, not the link's config object: they exist to explain values that object would
refuse or that would silently lose reports.
"""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.http.request import validate_host


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

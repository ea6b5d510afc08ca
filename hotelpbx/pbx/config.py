"""The PBX link's settings, read once into a frozen value (hashable: clients are cached per config)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from .errors import PbxNotConfigured

API_VERSIONS = ("v1.1.0", "v2.0.0")
V1_CHECKOUT_MODES = ("keep_routes", "hotel_checkout")
DEFAULT_REPORT_PORT = 8260  # the PBX's default when login/heartbeat give no port (API.md 3.2)


@dataclass(frozen=True)
class PbxConfig:
    url: str  # scheme://host:port of the PBX web interface, no trailing slash
    api_version: str = "v2.0.0"
    username: str = "api"
    password: str = field(default="", repr=False)
    events_url: str = field(default="", repr=False)  # host:port/path, carries the events secret
    serial: str = ""
    # the PBX's zone: CDR times and alarm times are its local wall time (PBX_TIME_ZONE, by default the
    # hotel's zone)
    time_zone: str = field(default_factory=lambda: settings.PBX_TIME_ZONE)
    ca_bundle: str = ""
    tls_insecure: bool = False
    timeout: float = 10.0
    connect_timeout: float = 3.0
    config_calls_per_second: float = 5.0
    max_failed_logins: int = 2
    login_window_seconds: float = 600.0
    # class of phone service -> the outbound routes it is a member of; every route named here is managed
    class_routes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    v1_checkout: str = "keep_routes"  # how API v1.1.0 empties a room: see PBX_V1_CHECKOUT
    heartbeat_seconds: float = 20 * 60.0
    link_check_seconds: float = 60.0
    stale_claim_seconds: float = 120.0
    command_max_attempts: int = 6
    cdr_silence_hours: float = 4.0

    def __post_init__(self) -> None:
        if self.api_version not in API_VERSIONS:
            raise PbxNotConfigured(f"PBX_API_VERSION must be one of {', '.join(API_VERSIONS)}")
        # Accept a pasted ".../api/v2.0.0/" and strip it: the version is a setting of its own.
        object.__setattr__(self, "url", re.sub(r"/api(/v[\d.]+)?/?$", "", self.url.strip()).rstrip("/"))
        object.__setattr__(self, "events_url", re.sub(r"^[a-z][a-z0-9+.-]*://", "", self.events_url.strip()))

    @classmethod
    def from_settings(cls) -> PbxConfig:
        return cls(
            url=settings.PBX_URL,
            api_version=settings.PBX_API_VERSION,
            username=settings.PBX_USERNAME,
            password=settings.PBX_PASSWORD,
            events_url=settings.PBX_EVENTS_URL,
            serial=settings.PBX_SERIAL,
            time_zone=settings.PBX_TIME_ZONE,
            ca_bundle=settings.PBX_CA_BUNDLE,
            tls_insecure=settings.PBX_TLS_INSECURE,
            timeout=float(settings.PBX_TIMEOUT),
            connect_timeout=float(settings.PBX_CONNECT_TIMEOUT),
            config_calls_per_second=float(settings.PBX_CONFIG_CALLS_PER_SECOND),
            max_failed_logins=int(settings.PBX_MAX_FAILED_LOGINS),
            login_window_seconds=float(settings.PBX_LOGIN_WINDOW_SECONDS),
            class_routes=tuple((cls_, tuple(routes)) for cls_, routes in settings.PBX_CLASS_ROUTES.items()),
            v1_checkout=settings.PBX_V1_CHECKOUT,
            heartbeat_seconds=float(settings.PBX_HEARTBEAT_SECONDS),
            link_check_seconds=float(settings.PBX_LINK_CHECK_SECONDS),
            stale_claim_seconds=float(settings.PBX_STALE_CLAIM_SECONDS),
            command_max_attempts=int(settings.PBX_COMMAND_MAX_ATTEMPTS),
            cdr_silence_hours=float(settings.PBX_CDR_SILENCE_HOURS),
        )

    @classmethod
    def link_enabled(cls) -> bool:
        """Whether the hotel drives a PBX at all (PBX_URL set): the one place that says so."""
        return cls.from_settings().enabled

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def v2(self) -> bool:
        return self.api_version == "v2.0.0"

    @property
    def checkout_keeps_routes(self) -> bool:
        """API v1.1.0's hotel/checkout also empties the outbound routes, which only some v1 firmware can
        refill: by default (PBX_V1_CHECKOUT=keep_routes) a room is emptied call by call instead."""
        return not self.v2 and self.v1_checkout != "hotel_checkout"

    def routes_for(self, call_class: str) -> tuple[str, ...]:
        """The outbound routes of a class of phone service (none for a class without routes)."""
        return dict(self.class_routes).get(call_class, ())

    @property
    def managed_routes(self) -> list[str]:
        """Every outbound route a class of service names: the only routes the link changes."""
        return sorted({route for _, routes in self.class_routes for route in routes})

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/{self.api_version}"

    @property
    def ext_key(self) -> str:
        """How requests name an extension: v1 `extid`, v2 `number` (API.md section 8)."""
        return "number" if self.v2 else "extid"

    @property
    def report_version(self) -> str:
        """Login/heartbeat `version`: the event format; without it the PBX falls back to legacy formats."""
        return "2.0.0" if self.v2 else "1.0.2"

    @property
    def events_host(self) -> str:
        """`ipaddr` for heartbeat: the host part of PBX_EVENTS_URL."""
        return (urlsplit("//" + self.events_url).hostname or "") if self.events_url else ""

    @property
    def events_port(self) -> int:
        """`port` for login/heartbeat: the port in PBX_EVENTS_URL, else the PBX's default 8260."""
        if not self.events_url:
            return DEFAULT_REPORT_PORT
        try:
            return urlsplit("//" + self.events_url).port or DEFAULT_REPORT_PORT
        except ValueError:
            raise PbxNotConfigured("PBX_EVENTS_URL has an invalid port") from None

    @property
    def verify(self) -> bool | str:
        """requests' `verify`: a CA bundle path, the system CAs, or off only when explicitly insecure."""
        if self.tls_insecure:
            return False
        return self.ca_bundle or True

    @property
    def config_interval(self) -> float:
        """Seconds between two configuration calls, shared by all workers."""
        return 1.0 / self.config_calls_per_second if self.config_calls_per_second > 0 else 0.0

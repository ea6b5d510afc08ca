"""The PBX link's settings, read once into a frozen value (hashable: clients are cached per config)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import PbxNotConfigured

API_VERSIONS = ("v1.1.0", "v2.0.0")
DEFAULT_REPORT_PORT = 8260  # the PBX's default when login/heartbeat give no port (API.md 3.2)


@dataclass(frozen=True)
class PbxConfig:
    url: str  # scheme://host:port of the PBX web interface, no trailing slash
    api_version: str = "v2.0.0"
    username: str = "api"
    password: str = field(default="", repr=False)
    events_url: str = field(default="", repr=False)  # host:port/path, carries the events secret
    serial: str = ""
    time_zone: str = "UTC"  # the PBX's zone: CDR times and alarm times are its local wall time
    ca_bundle: str = ""
    tls_insecure: bool = False
    timeout: float = 10.0
    connect_timeout: float = 3.0
    config_calls_per_second: float = 5.0
    max_failed_logins: int = 2
    login_window_seconds: float = 600.0

    def __post_init__(self) -> None:
        if self.api_version not in API_VERSIONS:
            raise PbxNotConfigured(f"PBX_API_VERSION must be one of {', '.join(API_VERSIONS)}")
        # Accept a pasted ".../api/v2.0.0/" and strip it: the version is a setting of its own.
        object.__setattr__(self, "url", re.sub(r"/api(/v[\d.]+)?/?$", "", self.url.strip()).rstrip("/"))
        object.__setattr__(self, "events_url", re.sub(r"^[a-z][a-z0-9+.-]*://", "", self.events_url.strip()))

    @classmethod
    def from_settings(cls) -> PbxConfig:
        from django.conf import settings

        return cls(
            url=settings.PBX_URL,
            api_version=settings.PBX_API_VERSION,
            username=settings.PBX_USERNAME,
            password=settings.PBX_PASSWORD,
            events_url=settings.PBX_EVENTS_URL,
            serial=settings.PBX_SERIAL,
            time_zone=getattr(settings, "PBX_TIME_ZONE", "UTC"),
            ca_bundle=settings.PBX_CA_BUNDLE,
            tls_insecure=settings.PBX_TLS_INSECURE,
            timeout=float(settings.PBX_TIMEOUT),
            connect_timeout=float(settings.PBX_CONNECT_TIMEOUT),
            config_calls_per_second=float(settings.PBX_CONFIG_CALLS_PER_SECOND),
            max_failed_logins=int(settings.PBX_MAX_FAILED_LOGINS),
            login_window_seconds=float(settings.PBX_LOGIN_WINDOW_SECONDS),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def v2(self) -> bool:
        return self.api_version == "v2.0.0"

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

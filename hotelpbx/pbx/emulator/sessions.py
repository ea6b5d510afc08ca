"""API sessions (tokens with their report targets) and the failed-login IP block.

Times come from the controllable clock. The caller (Emulator) holds its lock around every method.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from .clock import Clock
from .errors import LOCKED_OUT, NO_SUCH_TOKEN, TOKEN_EMPTY, TOKEN_TIMEOUT, ApiError

LEGACY = "legacy"
FORMAT_102 = "1.0.2"
FORMAT_200 = "2.0.0"


def report_format(api_version: str, version: str) -> str:
    """Which report body format a session gets, from its API path version and login `version`."""
    try:
        parts = tuple(int(p) for p in version.strip().split("."))
    except ValueError:
        parts = ()
    if api_version == "v2.0.0" and parts and parts >= (2, 0, 0):
        return FORMAT_200
    if parts and parts >= (1, 0, 2):
        # A v1 login asking for "2.0.0" still only gets the v1 family: the v2 format belongs to v2.
        return FORMAT_102
    return LEGACY


@dataclass
class Session:
    token: str
    api_version: str  # "v1.1.0" or "v2.0.0"
    version: str  # login/heartbeat "version" parameter ("" when absent)
    source_ip: str
    ipaddr: str
    port: str
    url: str
    urltag: str
    created: float
    last_used: float
    sequence: int
    expired: bool = False

    @property
    def format(self) -> str:
        return report_format(self.api_version, self.version)

    @property
    def target(self) -> str:
        """Report URL: urltag 1 means `url` is absolute (host:port/path), else {ip}:{port}/{url}."""
        url = self.url.strip()
        if self.urltag == "1" and url:
            if url.startswith(("http://", "https://")):
                return url
            return "http://" + url
        if url.startswith(("http://", "https://")):
            return url
        return f"http://{self.ipaddr}:{self.port}/{url.lstrip('/')}"


class SessionStore:
    def __init__(self, clock: Clock, idle_seconds: float, max_failures: int, block_seconds: float) -> None:
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.max_failures = max_failures
        self.block_seconds = block_seconds
        self.sessions: dict[str, Session] = {}
        self.failures: dict[str, int] = {}
        self.blocked_until: dict[str, float] = {}
        self._sequence = 0

    # --- login protection -------------------------------------------------------------------------
    def check_not_blocked(self, ip: str) -> None:
        until = self.blocked_until.get(ip)
        if until is None:
            return
        if self.clock.time() < until:
            raise ApiError(LOCKED_OUT, "ip blocked")
        # Block over: the counter starts again from zero.
        del self.blocked_until[ip]
        self.failures.pop(ip, None)

    def record_failure(self, ip: str) -> None:
        count = self.failures.get(ip, 0) + 1
        self.failures[ip] = count
        if count >= self.max_failures:
            self.blocked_until[ip] = self.clock.time() + self.block_seconds

    def record_success(self, ip: str) -> None:
        self.failures.pop(ip, None)

    def unblock(self, ip: str | None = None) -> list[str]:
        ips = [ip] if ip else list(set(self.blocked_until) | set(self.failures))
        for item in ips:
            self.blocked_until.pop(item, None)
            self.failures.pop(item, None)
        return ips

    def blocked(self) -> dict[str, float]:
        now = self.clock.time()
        return {ip: until - now for ip, until in self.blocked_until.items() if until > now}

    # --- tokens ---------------------------------------------------------------------------------------
    def create(
        self, api_version: str, version: str, source_ip: str, port: str, url: str, urltag: str
    ) -> Session:
        now = self.clock.time()
        token = secrets.token_hex(16)
        while token in self.sessions:
            token = secrets.token_hex(16)
        self._sequence += 1
        session = Session(
            token=token,
            api_version=api_version,
            version=version,
            source_ip=source_ip,
            ipaddr=source_ip,
            port=port,
            url=url,
            urltag=urltag,
            created=now,
            last_used=now,
            sequence=self._sequence,
        )
        self.sessions[token] = session
        return session

    def _is_live(self, session: Session, now: float) -> bool:
        if session.expired:
            return False
        if now - session.last_used > self.idle_seconds:
            session.expired = True
            return False
        return True

    def authenticate(self, token: str | None) -> Session:
        """Validate a token and slide its idle life; errno 20005/20004/20006 otherwise."""
        if not token:
            raise ApiError(TOKEN_EMPTY)
        session = self.sessions.get(token)
        if session is None:
            raise ApiError(NO_SUCH_TOKEN)
        now = self.clock.time()
        if not self._is_live(session, now):
            # Expired tokens stay known so the client sees 20006 rather than 20004.
            raise ApiError(TOKEN_TIMEOUT)
        session.last_used = now
        return session

    def live_sessions(self) -> list[Session]:
        now = self.clock.time()
        return [s for s in self.sessions.values() if self._is_live(s, now)]

    def subscribers(self, single: bool) -> list[Session]:
        """Sessions that receive reports: all live ones, or only the latest login when `single`."""
        live = self.live_sessions()
        if single and live:
            return [max(live, key=lambda s: s.sequence)]
        return live

    def remove(self, token: str) -> None:
        self.sessions.pop(token, None)

    def expire_all(self) -> int:
        count = 0
        for session in self.sessions.values():
            if not session.expired:
                session.expired = True
                count += 1
        return count

    def drop_all(self) -> None:
        self.sessions.clear()

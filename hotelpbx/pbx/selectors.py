"""Reads for the PBX page and the badge on every desk page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from hotelpbx.core.heartbeats import last_worker_seen

from . import route_gaps
from .capabilities import LABELS, trunk_is_up
from .config import PbxConfig
from .models import CommandStatus, EventStatus, LinkJob, PbxCommand, PbxEvent, PbxLink, RouteGap


@dataclass(frozen=True)
class LinkHealth:
    enabled: bool
    logged_in: bool
    token_age: timedelta | None
    last_heartbeat_at: datetime | None
    last_report_at: datetime | None
    last_cdr_at: datetime | None
    down_since: datetime | None
    last_error: str
    guard_tripped: bool
    guard_reason: str
    cdr_alert: str
    pending: int
    failed: int
    serial: str
    api_version: str
    # the Celery workers: when one last reported in, and whether commands wait with none heard from
    worker_seen_at: datetime | None = None
    no_worker: bool = False
    # why "logged in" is no although a token is stored: the PBX is unreachable, or silent
    login_note: str = ""

    @property
    def level(self) -> str:
        """ok / warning / danger, for the badge colour."""
        if not self.enabled:
            return "secondary"
        if self.guard_tripped or self.down_since or self.failed or self.no_worker:
            return "danger"
        if self.cdr_alert or self.pending or not self.logged_in:
            return "warning"
        return "success"

    @property
    def headline(self) -> str:
        if not self.enabled:
            return "PBX not configured"
        if self.guard_tripped:
            return "PBX login stopped"
        if self.down_since:
            return "PBX unreachable"
        if self.no_worker:
            return f"PBX: {self.pending} waiting, no worker"
        if self.failed:
            return f"PBX: {self.failed} failed"
        if self.cdr_alert:
            return "PBX: call records?"
        if self.pending:
            return f"PBX: {self.pending} pending"
        if not self.logged_in:
            return "PBX: not logged in"
        return "PBX linked"


def link_health() -> LinkHealth:
    link = PbxLink.get()
    counts = dict(
        PbxCommand.objects.filter(
            status__in=[CommandStatus.PENDING, CommandStatus.SENDING, CommandStatus.FAILED]
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    now = timezone.now()
    pending = counts.get(CommandStatus.PENDING, 0) + counts.get(CommandStatus.SENDING, 0)
    worker_seen_at = last_worker_seen()
    worker_silent = worker_seen_at is None or now - worker_seen_at > timedelta(
        seconds=settings.WORKER_STALE_SECONDS
    )
    config = PbxConfig.from_settings()
    login_note = _login_note(link, now, config)
    return LinkHealth(
        enabled=config.enabled,
        logged_in=bool(link.token) and not login_note,
        token_age=(now - link.token_obtained_at) if link.token and link.token_obtained_at else None,
        last_heartbeat_at=link.last_heartbeat_at,
        last_report_at=link.last_report_at,
        last_cdr_at=link.last_cdr_at,
        down_since=link.down_since,
        last_error=link.last_error,
        guard_tripped=link.guard_tripped_at is not None,
        guard_reason=link.guard_reason,
        cdr_alert=link.cdr_alert,
        pending=pending,
        failed=counts.get(CommandStatus.FAILED, 0),
        serial=link.serial or config.serial,
        api_version=config.api_version,
        worker_seen_at=worker_seen_at,
        no_worker=bool(pending) and worker_silent,
        login_note=login_note,
    )


def _login_note(link: PbxLink, now: datetime, config: PbxConfig) -> str:
    """Why a stored token does not mean logged in: a token is only as good as the PBX's last answer."""
    if not link.token:
        return ""
    if link.down_since is not None:
        return "the PBX does not answer"
    fresh = timedelta(seconds=config.link_check_seconds + 120)
    if link.last_ok_at is None or now - link.last_ok_at > fresh:
        return "no answer from the PBX lately"
    return ""


def failed_commands(limit: int = 50):
    return PbxCommand.objects.filter(status=CommandStatus.FAILED).order_by("-created_at")[:limit]


def first_failed_commands(extensions: list[str]) -> dict[str, int]:
    """The first failed command of each extension (the one a re-send starts from), by extension."""
    rows = (
        PbxCommand.objects.filter(extension__in=extensions, status=CommandStatus.FAILED)
        .order_by("extension", "seq")
        .values_list("extension", "pk")
    )
    first: dict[str, int] = {}
    for extension, pk in rows:
        first.setdefault(extension, pk)
    return first


def open_commands(limit: int = 50):
    return PbxCommand.objects.filter(status__in=[CommandStatus.PENDING, CommandStatus.SENDING]).order_by(
        "created_at"
    )[:limit]


def recent_events(limit: int = 30):
    return PbxEvent.objects.defer("body").order_by("-received_at")[:limit]


def rejected_events(limit: int = 20):
    return PbxEvent.objects.filter(status__in=[EventStatus.REJECTED, EventStatus.FAILED]).order_by(
        "-received_at"
    )[:limit]


def recent_jobs(limit: int = 10):
    return LinkJob.objects.order_by("-started_at")[:limit]


def report_transport_alert() -> str:
    """What to do when the PBX said (v2 login answer `transport`) that reports go over TCP, else "".

    This app receives reports only over HTTP, so with TCP no call record, wake-up outcome or room code
    arrives; the call-record silence alarm would notice only hours later.
    """
    transport = PbxLink.objects.filter(pk=1).values_list("report_transport", flat=True).first() or ""
    if transport.upper() != "TCP":
        return ""
    return (
        "The PBX sends its reports over TCP, so none reach this app: no call records, wake-up outcomes "
        "or room codes. On the PBX, set Settings → PBX → General → API → Report Method to HTTP and save. "
        "This alert goes away when a login is answered with HTTP (the app logs in again when the PBX "
        "restarts or drops its token)."
    )


@dataclass(frozen=True)
class Firmware:
    """What the PBX page shows about the firmware's optional endpoints, the trunks and route gaps."""

    capabilities: list[tuple[str, bool | None]]  # (label, answered?) None: not asked yet or unknown
    checked_at: datetime | None
    trunks: list[dict]  # name, type, status, up
    trunks_checked_at: datetime | None
    route_gaps: list  # RouteGap rows: rooms whose routes differ and cannot be changed

    @property
    def trunks_down(self) -> list[dict]:
        return [t for t in self.trunks if not t["up"]]

    @property
    def cannot_dial_out(self) -> list:
        return [g for g in self.route_gaps if g.missing]


def firmware() -> Firmware:
    link = PbxLink.get()
    caps = link.capabilities or {}
    trunks = [{**t, "up": trunk_is_up(str(t.get("status", "")))} for t in (link.trunks or [])]
    return Firmware(
        capabilities=[(label, caps.get(path)) for path, label in LABELS.items()],
        checked_at=link.capabilities_checked_at,
        trunks=trunks,
        trunks_checked_at=link.trunks_checked_at,
        route_gaps=list(RouteGap.objects.all()[:500]),
    )


def sync_states(extensions: list[str] | None) -> dict[str, tuple[str, str]]:
    """(state, message) per extension for boards, in two queries: "failed" (a failed command, or an
    extension left without a wanted outbound route by firmware that cannot change it) beats "pending";
    an extension missing from the answer is in sync. `None` asks for every extension (the whole board:
    cheaper than an IN list of a thousand)."""
    if extensions is not None and not extensions:
        return {}
    result: dict[str, tuple[str, str]] = {}
    commands = PbxCommand.objects.filter(
        status__in=[CommandStatus.PENDING, CommandStatus.SENDING, CommandStatus.FAILED]
    )
    if extensions is not None:
        commands = commands.filter(extension__in=extensions)
    rows = commands.order_by("extension", "seq").values_list(
        "extension", "status", "last_errno", "last_error"
    )
    for extension, status, errno, error in rows:
        if status == CommandStatus.FAILED:
            if result.get(extension, ("",))[0] != "failed":  # the first failure is the cause to show
                result[extension] = ("failed", f"PBX refused ({errno}): {error}" if errno else error)
        elif extension not in result:
            message = "waiting for the PBX" + (f": {error}" if error else "")
            result[extension] = ("pending", message)
    for extension, message in route_gaps.missing_routes(extensions).items():
        result.setdefault(extension, ("failed", message))
    return result

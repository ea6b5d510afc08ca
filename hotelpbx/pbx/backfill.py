"""No lost CDR: notice when call records stop arriving, and fetch the gap with cdr/get_random +
cdr/download into the same ingestion path as the webhook (its dedupe key makes a re-fetch harmless)."""

import json
import logging
from datetime import datetime, timedelta

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import tasks
from .client import PbxClient, get_client
from .config import PbxConfig
from .desired import all_desired
from .errors import PbxError
from .ingest import ReportRejected, store_report
from .models import LinkJob, PbxLink
from .pbxtime import to_pbx_wall

log = logging.getLogger(__name__)

# Column names a CDR export may use for each NewCdr field; the documented export's columns are not
# published, so the report's own names come first and common export headings follow.
COLUMN_ALIASES = {
    "callid": ("callid", "cdrid", "uniqueid", "call id", "callid/uniqueid"),
    "timestart": ("timestart", "time", "date", "start time"),
    "callfrom": ("callfrom", "from", "call from", "src"),
    "callto": ("callto", "to", "call to", "dst"),
    "callduraction": ("callduraction", "callduration", "duration", "call duration"),
    "talkduraction": ("talkduraction", "talkduration", "talk duration", "billsec"),
    "srctrunkname": ("srctrunkname", "source trunk", "src trunk"),
    "desttrunkname": ("desttrunkname", "dsttrcunkname", "dsttrunkname", "destination trunk", "dst trunk"),
    "status": ("status", "disposition"),
    "type": ("type", "communication type", "call type"),
    "pincode": ("pincode", "pin code"),
    "recording": ("recording", "recording file"),
    "didnumber": ("didnumber", "did", "did number"),
}


def unmapped_header(rows: list[dict]) -> list[str] | None:
    """The CSV's column names when none of them can be read as the call id (else None)."""
    if not rows:
        return None
    header = [str(k).strip() for k in rows[0] if k is not None]
    if {h.lower() for h in header} & set(COLUMN_ALIASES["callid"]):
        return None
    return header


def row_to_report(row: dict, serial: str) -> dict:
    """One CSV row as the NewCdr report the PBX would have pushed."""
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    report = {"action": "NewCdr"}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in lowered and lowered[alias] not in (None, ""):
                report[field] = str(lowered[alias]).strip()
                break
    report["sn"] = str(lowered.get("sn") or serial)
    return report


# A call's record carries its start time; one that began before a gap and ended in it is only found
# by reaching back further than the gap itself. Duplicates cost nothing (dedupe key).
LOOKBACK = timedelta(hours=2)


def backfill_gap(
    *,
    trigger: str,
    hours: float | None = None,
    since: datetime | None = None,
    client: PbxClient | None = None,
) -> LinkJob | None:
    """Fetch the CDRs of a gap: from `since` (an outage's start), or the last `hours`, or else from the
    last CDR received or the link's outage start."""
    config = PbxConfig.from_settings()
    if not config.enabled:
        return None
    link = PbxLink.get()
    now = timezone.now()
    if since is not None:
        start = since - LOOKBACK
    elif hours is not None:
        start = now - timedelta(hours=hours)
    else:
        candidates = [t for t in (link.last_cdr_at, link.down_since) if t is not None]
        start = (min(candidates) - LOOKBACK) if candidates else now - timedelta(hours=24)
    job = LinkJob.objects.create(
        kind=LinkJob.Kind.BACKFILL, trigger=trigger, window_start=start, window_end=now
    )
    try:
        client = client or get_client()
        rows = client.cdr_download(to_pbx_wall(start, config.time_zone), to_pbx_wall(now, config.time_zone))
    except PbxError as exc:
        return job.finish(error=str(exc))
    header = unmapped_header(rows)
    if header is not None:
        # Every row would be skipped: "0 added" would hide that the PBX's export is not understood.
        error = f"the call-record CSV has no call id column; its header is: {', '.join(header)}"
        log.error("CDR back-fill (%s) failed: %s", trigger, error)
        return job.finish(error=error, total=len(rows), detail={"header": header})
    serial = link.serial or config.serial
    LinkJob.objects.filter(pk=job.pk).update(total=len(rows))
    added = rejected = without_callid = 0
    for index, row in enumerate(rows, start=1):
        report = row_to_report(row, serial)
        if not report.get("callid"):
            without_callid += 1
            continue
        try:
            _event, created = store_report(raw=json.dumps(report).encode(), source_ip=None, source="backfill")
        except ReportRejected:
            rejected += 1  # kept as rejected with its reason, like a pushed report; the rest goes on
            continue
        added += bool(created)
        if index % 100 == 0:
            LinkJob.objects.filter(pk=job.pk).update(done=index, added=added)
    job.finish(done=len(rows), added=added, detail={"rejected": rejected, "without_callid": without_callid})
    PbxLink.objects.filter(pk=link.pk).update(cdr_alert="", cdr_alert_at=None)
    log.info("CDR back-fill (%s): %s records fetched, %s were missing", trigger, len(rows), added)
    return job


def check_cdr_flow() -> str:
    """Raise the alert (and back-fill) when no NewCdr came for PBX_CDR_SILENCE_HOURS while rooms are
    occupied, or after the link was down."""
    config = PbxConfig.from_settings()
    if not config.enabled:
        return "disabled"
    link = PbxLink.get()
    now = timezone.now()
    silence = timedelta(hours=config.cdr_silence_hours)
    occupied = any(d.occupied for d in all_desired())
    reason = ""
    if link.down_since is not None:
        reason = f"the PBX link has been down since {timezone.localtime(link.down_since):%Y-%m-%d %H:%M}"
    elif occupied and (link.last_cdr_at is None or now - link.last_cdr_at > silence):
        since = "ever" if link.last_cdr_at is None else f"since {timezone.localtime(link.last_cdr_at):%H:%M}"
        reason = f"no call record (NewCdr) received {since} while rooms are occupied"
    if not reason:
        if link.cdr_alert:
            PbxLink.objects.filter(pk=link.pk).update(cdr_alert="", cdr_alert_at=None)
        return "ok"
    PbxLink.objects.filter(pk=link.pk).update(
        cdr_alert=reason[:255], cdr_alert_at=Coalesce(F("cdr_alert_at"), Value(now))
    )
    if link.down_since is None:
        tasks.backfill_cdrs_task.delay("cdr silence")
    log.warning("CDR flow alert: %s", reason)
    return "alert"

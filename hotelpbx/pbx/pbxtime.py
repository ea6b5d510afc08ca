"""The PBX's clock: call-record and alarm times are its local wall time, without a zone.

The zone is PBX_TIME_ZONE (the link's config; by default the hotel's zone). Two rules decide the hours a
daylight-saving change makes odd, the same everywhere the link reads or writes such a time:

- A skipped hour (clocks go forward, e.g. 02:30 on the last Sunday of March in Europe/Berlin) does not
  exist on a wall clock: it is read with the offset in force before the change, which lands it as far
  past the change as it claims to be past the hour (02:30 reads as 03:30 summer time, 01:30 UTC).
- A repeated hour (clocks go back, 02:30 happens twice) is read as its first occurrence (summer time).
  A call that truly began in the second one reads an hour early; the PBX gives nothing to tell them apart.

Aware moments written to the PBX are converted to its wall time; naive ones are taken as already
being its wall time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .config import PbxConfig

WALL_FORMAT = "%Y-%m-%d %H:%M:%S"


def pbx_zone(time_zone: str | None = None) -> ZoneInfo:
    return ZoneInfo(time_zone or PbxConfig.from_settings().time_zone)


def to_pbx_wall(moment: datetime, time_zone: str | None = None) -> datetime:
    """The PBX's naive wall time of a moment (a naive moment is taken as wall time already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(pbx_zone(time_zone)).replace(tzinfo=None)


def format_pbx_wall(moment: datetime, time_zone: str | None = None) -> str:
    return to_pbx_wall(moment, time_zone).strftime(WALL_FORMAT)


def from_pbx_wall(wall: datetime, time_zone: str | None = None) -> datetime:
    """The UTC moment of a PBX wall time, by the two rules above (fold=0 does both)."""
    return wall.replace(tzinfo=pbx_zone(time_zone), fold=0).astimezone(UTC)


def parse_pbx_time(text: str, time_zone: str | None = None) -> datetime | None:
    """A PBX time "YYYY-MM-DD HH:MM:SS" as a UTC moment; None when it is not one."""
    try:
        wall = datetime.strptime(text.strip(), WALL_FORMAT)  # noqa: DTZ007  (the PBX's zone is added below)
    except (ValueError, AttributeError):
        return None
    return from_pbx_wall(wall, time_zone)

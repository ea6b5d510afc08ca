"""A controllable clock: real time plus an offset that tests move forward.

Everything the PBX measures in wall-clock time (token idle life, IP blocks, one-time randoms, wake-up
alarms, CDR timestamps, callids) reads this clock, so tests can skip 30 minutes without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, time_zone: str = "UTC", offset_seconds: float = 0.0) -> None:
        self.tz = ZoneInfo(time_zone)
        self._offset = float(offset_seconds)
        self._lock = threading.Lock()

    def time(self) -> float:
        """Epoch seconds as the PBX sees them."""
        with self._lock:
            return time.time() + self._offset

    def now(self) -> datetime:
        """Aware datetime in the PBX local time zone."""
        return datetime.fromtimestamp(self.time(), tz=self.tz)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to an absolute moment (aware datetime; naive ones are read as PBX local time)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.tz)
        with self._lock:
            self._offset = when.timestamp() - time.time()
        return self.now()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def local_text(self, epoch: float | None = None) -> str:
        """`YYYY-MM-DD HH:MM:SS` in PBX local time, the format of NewCdr.timestart."""
        moment = self.now() if epoch is None else datetime.fromtimestamp(epoch, tz=self.tz)
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    def zone_label(self) -> str:
        """deviceinfo's zone suffix, e.g. "UTC" (zero offset), "UTC+8", "UTC-8" or "UTC-5:30"."""
        delta = self.now().utcoffset() or timedelta(0)
        minutes = int(delta.total_seconds() // 60)
        if minutes == 0:
            return "UTC"
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")

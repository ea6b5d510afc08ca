"""What the guest does when an alarm rings, attempt by attempt: a test sets it per extension.

`plan("2101", ["no answer", "answered"])`: the next alarm call to 2101 goes unanswered, the one after
(the alarm's next repeat) is answered. Without a plan, EmulatorConfig.alarm_answer (or the `answer`
argument of ring_alarm) decides. "busy": the phone is in a call; the PBX reports CallFailed
"User busy" and a BUSY call record.
"""

from __future__ import annotations

import threading
from collections import deque

OUTCOMES = ("answered", "no answer", "busy")


class AlarmOutcomes:
    def __init__(self) -> None:
        self._plans: dict[str, deque[str]] = {}
        self._lock = threading.Lock()

    def plan(self, ext: str, outcomes: list[str]) -> list[str]:
        cleaned = [str(o).strip().lower() for o in outcomes]
        unknown = [o for o in cleaned if o not in OUTCOMES]
        if unknown:
            raise ValueError(f"unknown alarm outcome(s) {unknown}; use {', '.join(OUTCOMES)}")
        with self._lock:
            self._plans[str(ext)] = deque(cleaned)
            return list(self._plans[str(ext)])

    def take(self, ext: str, default: str) -> str:
        with self._lock:
            queue = self._plans.get(str(ext))
            return queue.popleft() if queue else default

    def pending(self) -> dict[str, list[str]]:
        with self._lock:
            return {ext: list(q) for ext, q in self._plans.items() if q}

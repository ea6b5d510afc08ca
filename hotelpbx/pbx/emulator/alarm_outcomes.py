"""What the guest does when an alarm rings, attempt by attempt: a test sets it per extension.

`plan("2101", ["no answer", "answered"])`: the next alarm call to 2101 goes unanswered, the one after
(the alarm's next repeat) is answered. Without a plan, EmulatorConfig.alarm_answer (or the `answer`
argument of ring_alarm) decides. "busy": the phone is in a call; the PBX reports CallFailed
"User busy" and a BUSY call record.

`plan_prompt("2101", ["no answer", "key:1"])` does the same for calls the app places with playprompt:
a digit is reported as DTMF with the call's callid while the prompt plays, then PlayPromptEnd.
"hang up": the guest answers and hangs up while the prompt plays: RING, ANSWER, BYE and an ANSWERED
call record, but no PlayPromptEnd (the prompt never reached its end).
"""

from __future__ import annotations

import threading
from collections import deque

OUTCOMES = ("answered", "no answer", "busy")
# What the guest does when the app rings the room with playprompt: press a key while it plays, listen
# to the end without a key, answer and hang up mid-prompt, not answer, or be busy.
PROMPT_OUTCOMES = ("key:1", "key:2", "key:3", "no key", "hang up", "no answer", "busy")


class AlarmOutcomes:
    def __init__(self) -> None:
        self._plans: dict[str, deque[str]] = {}
        self._prompt_plans: dict[str, deque[str]] = {}
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

    def plan_prompt(self, ext: str, outcomes: list[str]) -> list[str]:
        cleaned = [str(o).strip().lower() for o in outcomes]
        unknown = [o for o in cleaned if o not in PROMPT_OUTCOMES]
        if unknown:
            raise ValueError(f"unknown prompt outcome(s) {unknown}; use {', '.join(PROMPT_OUTCOMES)}")
        with self._lock:
            self._prompt_plans[str(ext)] = deque(cleaned)
            return list(self._prompt_plans[str(ext)])

    def take_prompt(self, ext: str) -> str | None:
        """The guest's next answer to a played prompt, or None without a plan (the prompt is heard)."""
        with self._lock:
            queue = self._prompt_plans.get(str(ext))
            return queue.popleft() if queue else None

    def pending(self) -> dict[str, list[str]]:
        with self._lock:
            return {ext: list(q) for ext, q in self._plans.items() if q}

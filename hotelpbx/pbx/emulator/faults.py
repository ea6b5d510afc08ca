"""Injectable faults, switched by tests (emu.faults) or over POST /_emulator/faults."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Faults:
    down: bool = False  # API connections are closed without an answer (clients see a connection error)
    slow_seconds: float = 0.0  # sleep before answering each API request
    errno_rate: float = 0.0  # probability that a token-carrying API call fails with `errno`
    errno: str = "10025"
    drop_reports: bool = False  # silently drop every report while on
    drop_reports_count: int = 0  # silently drop the next N reports
    call_fail_reason: str | None = None  # playprompt/dial answer with CallFailed(reason) while set

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a partial JSON update; ValueError on unknown keys or bad values (nothing changed)."""
        staged = asdict(self)
        for key, value in values.items():
            if key not in staged:
                raise ValueError(f"unknown fault {key!r}")
            if key in ("down", "drop_reports"):
                staged[key] = bool(value)
            elif key == "slow_seconds":
                staged[key] = max(0.0, float(value))
            elif key == "errno_rate":
                rate = float(value)
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("errno_rate must be within 0..1")
                staged[key] = rate
            elif key == "errno":
                staged[key] = str(value)
            elif key == "drop_reports_count":
                staged[key] = max(0, int(value))
            elif key == "call_fail_reason":
                staged[key] = str(value) if value else None
        for key, value in staged.items():
            setattr(self, key, value)

    def take_drop(self) -> bool:
        """Should the next report be dropped? Consumes one from drop_reports_count."""
        if self.drop_reports:
            return True
        if self.drop_reports_count > 0:
            self.drop_reports_count -= 1
            return True
        return False

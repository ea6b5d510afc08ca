"""What one phone extension should be, in plain terms; how the PBX is told is the link's business.

The hotel fills a `DesiredExtension` for a room (rooms.phone) and hands it to `commands`; `plan` turns it
into the PBX's fields and calls for the configured API version. Nothing here names a PBX field or call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DesiredExtension:
    number: str  # the extension number
    occupied: bool  # someone is using it: voicemail on, their name shown, their class of service
    display_name: str | None  # None: leave the PBX's default name (the vacant display name when vacant)
    dnd: bool
    barred: bool = False  # no outbound calls at all (out of order)
    voicemail_pin: str = ""  # "": don't manage the PIN
    call_class: str = ""  # class of phone service; its outbound routes come from the link's settings

    @property
    def voicemail(self) -> bool | None:
        """On while occupied; a vacant extension keeps whatever the PBX has (None: don't manage)."""
        return True if self.occupied else None

    @property
    def may_call_out(self) -> bool:
        return self.occupied and not self.barred


# The hotel side registers one function that answers, for some extension numbers (or all of them with
# None), what they should be. Reconciliation, re-sends and the CDR watch ask it; nothing builds every
# room to answer about one.
Provider = Callable[[list[str] | None], Iterable[DesiredExtension]]
_provider: Provider | None = None


def register_provider(fn: Provider) -> None:
    global _provider
    _provider = fn


def desired_for(numbers: Iterable[str] | None = None) -> list[DesiredExtension]:
    """The desired state of these extensions (those the hotel manages), or of all with None."""
    if _provider is None:
        return []
    return list(_provider(None if numbers is None else list(numbers)))


def all_desired() -> list[DesiredExtension]:
    return desired_for(None)

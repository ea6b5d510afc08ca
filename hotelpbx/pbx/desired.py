"""What the hotel wants an extension to look like, in the PBX's own terms (no hotel words here)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DesiredExtension:
    number: str
    occupied: bool
    display_name: str | None  # None: leave the PBX's default name alone
    dnd: bool
    voicemail: bool | None  # None: don't manage (a vacant room keeps whatever the PBX has)
    voicemail_pin: str | None  # None: don't manage
    routes: tuple[str, ...] | None  # outbound routes to be a member of; None: don't manage

    def update_fields(self) -> dict[str, str]:
        """The extension/update fields that express this state (as strings, the PBX's way)."""
        fields = {"dnd": "on" if self.dnd else "off"}
        if self.voicemail is not None:
            fields["hasvoicemail"] = "on" if self.voicemail else "off"
        if self.display_name is not None:
            fields["username"] = self.display_name
        if self.voicemail_pin:
            fields["vmsecret"] = self.voicemail_pin
        return fields


# The hotel side registers one function that lists every extension it manages (for reconciliation).
_provider = None


def register_provider(fn) -> None:
    global _provider
    _provider = fn


def all_desired() -> list[DesiredExtension]:
    return list(_provider()) if _provider else []

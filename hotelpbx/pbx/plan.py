"""How a desired extension is said to the PBX, per API version: the fields, the routes, the clean slate.

Pure functions of a `DesiredExtension` and the link's `PbxConfig`; `commands` writes what they return
into the outbox, `reconcile` compares the PBX's answer against them.

  v2.0.0  hotel/checkout clears voicemail, alarms and name and leaves the outbound routes; a barred
          (out-of-order) extension is checked out, so it cannot call out.
  v1.1.0  hotel/checkout also empties the outbound routes, which only some firmware can refill: by
          default (keep_routes) the same clean-up goes call by call, the routes are set by membership,
          and a barred extension is put on DND instead.
"""

from __future__ import annotations

from .config import PbxConfig
from .desired import DesiredExtension
from .models import CommandOp

Step = tuple[str, dict]


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def extension_fields(desired: DesiredExtension, config: PbxConfig) -> dict[str, str]:
    """The extension/update fields that express the desired state (as strings, the PBX's way)."""
    barred_by_dnd = desired.barred and not config.v2
    fields = {"dnd": _on_off(desired.dnd or barred_by_dnd)}
    if desired.voicemail is not None:
        fields["hasvoicemail"] = _on_off(desired.voicemail)
    if desired.display_name is not None:
        fields["username"] = desired.display_name
    if desired.voicemail_pin:
        fields["vmsecret"] = desired.voicemail_pin
    return fields


def routes(desired: DesiredExtension, config: PbxConfig) -> tuple[str, ...]:
    """The outbound routes the extension should be a member of (API v1 too: where its firmware cannot
    change them, the link reports the extensions whose routes differ)."""
    return config.routes_for(desired.call_class) if desired.may_call_out else ()


def _clear(config: PbxConfig) -> Step:
    """Empty the extension of the last user's voicemail, alarms and name."""
    if config.checkout_keeps_routes:
        return CommandOp.EXTENSION_VACATE, {}
    return CommandOp.HOTEL_CHECKOUT, {}


def _update(fields: dict[str, str]) -> Step:
    return CommandOp.EXTENSION_UPDATE, {"fields": fields}


def _membership(desired: DesiredExtension, config: PbxConfig) -> Step:
    return CommandOp.ROUTE_MEMBERS, {
        "routes": sorted(routes(desired, config)),
        "managed": config.managed_routes,
    }


def sync_steps(desired: DesiredExtension, config: PbxConfig) -> list[Step]:
    """Make the extension match: its fields, then its route membership."""
    return [_update(extension_fields(desired, config)), _membership(desired, config)]


def check_in_steps(desired: DesiredExtension, config: PbxConfig) -> list[Step]:
    """A clean slate first: if the last user's check-out never reached the PBX, the new one must not
    inherit their voicemail, alarms or routes."""
    return [_clear(config), *sync_steps(desired, config)]


def checkout_steps(desired: DesiredExtension, config: PbxConfig) -> list[Step]:
    """Empty the extension; DND off (hotel/checkout leaves it as it was, the next user must be
    reachable) and the vacant display name; on v1 the routes are set by membership."""
    vacant_name = None if desired.occupied else desired.display_name
    names = {"username": vacant_name} if vacant_name is not None else {}
    steps = [_clear(config), _update({"dnd": "off", **names})]
    if not config.v2:  # v2's hotel/checkout already left the routes
        steps.append(_membership(desired, config))
    return steps


def service_steps(desired: DesiredExtension, config: PbxConfig) -> list[Step]:
    """Barred or free again: v2 bars by hotel/checkout (out of the routes), v1 by DND (see above)."""
    first = [(CommandOp.HOTEL_CHECKOUT, {})] if desired.barred and config.v2 else []
    return [*first, *sync_steps(desired, config)]


def dnd_steps(on: bool) -> list[Step]:
    return [_update({"dnd": _on_off(on)})]


def display_name_steps(name: str) -> list[Step]:
    return [_update({"username": name})]

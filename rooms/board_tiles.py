"""The room board's tiles, rendered in Python and remembered by what they show.

A 1,000-room board is refreshed every few seconds by every open desk, and between two refreshes almost
every tile is the same. So a tile's HTML is a pure function of a `Tile`, the plain values it shows
(selectors.board_tiles reads them in a fixed number of queries), and it is kept in a bounded in-process
memo keyed by that whole `Tile`. The key is the content itself, not a version number: a tile whose room,
guest, hold or phone changed has a different key and is rendered again, so the memo cannot serve a stale
tile, needs no invalidation, and behaves the same on SQLite and PostgreSQL and across processes (each
worker has its own).

The markup is small on purpose (the board's payload must stay under 250 KiB at 1,000 rooms): one class
list per state, styled by static/css/app.css (`.room-grid > a`), icons drawn by CSS from their class,
and the accessible label the only place the tile's full description is spelled out (the mouse gets it
as a tooltip from one delegated handler in static/js/app.js, rather than a title on every mark).

    <a href="/rooms/102/" class="dirty occ dep" data-room="102"
       aria-label="Room 102, STD, occupied by Müller, VIP, dirty, departs today">
      <b>102</b>STD<i class="vip"></i><i class="dep"></i><p>Müller</p><em>Dirty</em></a>

b the number, then the room type as bare text (the tile's own colour and size: a tag around it on every
tile was 18 KB of the board), i the marks, p the guest or "Vacant", em the status line.

Classes on the tile: its housekeeping status (dirty, clean, inspected), occ (occupied), out (out of
order or service), dep (departs today), held (kept for an arrival). Icons: vip, held, dnd, dep,
busy / offline (the room phone), pending / failed (the phone's set-up on the PBX).
"""

from datetime import date
from functools import lru_cache
from html import escape  # the standard library's: Django's adds a lazy wrapper and a SafeString per call
from typing import NamedTuple
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .models import HousekeepingStatus, ServiceState

_BUSY = {"Busy", "Ringing"}
_OFFLINE = {"Unregistered", "Unavailable"}
_HOUSEKEEPING = dict(HousekeepingStatus.choices)
_SERVICE = dict(ServiceState.choices)
_MARKER = "__room__"
# Tiles kept per process: a few boards' worth (filters, changes during the day), ~250 bytes each.
MEMO_SIZE = 8192


class Tile(NamedTuple):
    """Everything one tile shows; equal Tiles render the same HTML."""

    url: str  # the room page's URL, escaped, with _MARKER for the number (room_url_pattern)
    number: str
    type_code: str
    housekeeping: str
    service: str
    service_reason: str
    service_until: date | None
    dnd: bool
    phone: str  # the room phone as the PBX reported it ("Idle", "Busy", ...), "" if never
    guest: str | None  # the in-house guest's last name, None when vacant
    vip: bool
    departing: bool
    hold: str  # "Held for Müller (VIP), arriving today at 14:00", "" when not held
    sync: str  # the phone's set-up on the PBX: in_sync, pending, failed
    sync_message: str


def room_url_pattern() -> str:
    """The room page's URL with a marker for the number, escaped for an attribute: reversed once per
    board, not per tile."""
    return escape(reverse("rooms:room_detail", args=[_MARKER]))


def _escape(text: str) -> str:
    # most values are plain words or numbers ("102", "STD"): nothing to escape, and escaping is most of
    # what a tile costs to render
    return text if text.isalnum() else escape(text)


def _label(t: Tile) -> str:
    """The tile's full description, said once: the screen reader's label, and the mouse's tooltip
    (static/js/app.js copies it to the title on hover). Everything the colours and the marks say."""
    parts = [f"Room {t.number}", t.type_code]
    parts.append(f"occupied by {t.guest}" if t.guest is not None else "vacant")
    if t.vip:
        parts.append("VIP")
    parts.append(_HOUSEKEEPING.get(t.housekeeping, t.housekeeping).lower())
    if t.service != ServiceState.IN_SERVICE:
        out = _SERVICE.get(t.service, t.service).lower()
        if t.service_reason:
            out += f": {t.service_reason}"
        if t.service_until:
            out += f" until {t.service_until:%-d %b}"
        parts.append(out)
    if t.dnd:
        parts.append("do not disturb")
    if t.departing:
        parts.append("departs today")
    if t.hold:
        parts.append(t.hold[0].lower() + t.hold[1:])
    # the phone when it has a mark, as the eye reads it: "phone idle" on every other tile would be noise
    if t.phone in _BUSY:
        parts.append(f"phone {t.phone.lower()}")
    elif t.phone in _OFFLINE:
        parts.append(f"phone {t.phone.lower()} (not connected)")
    if t.sync == "pending":
        parts.append(f"phone set-up pending{': ' + t.sync_message if t.sync_message else ''}")
    elif t.sync == "failed":
        parts.append(f"phone set-up failed{': ' + t.sync_message if t.sync_message else ''}")
    return ", ".join(parts)


def _icons(t: Tile) -> str:
    """The marks at the top right, drawn by CSS from their class; the label says what they mean."""
    icons = ""
    if t.vip:
        icons += '<i class="vip"></i>'
    if t.hold:
        icons += '<i class="held"></i>'
    if t.dnd:
        icons += '<i class="dnd"></i>'
    if t.departing:
        icons += '<i class="dep"></i>'
    if t.phone in _BUSY:
        icons += '<i class="busy"></i>'
    elif t.phone in _OFFLINE:
        icons += '<i class="offline"></i>'
    if t.sync == "pending":
        icons += '<i class="pending"></i>'
    elif t.sync == "failed":
        icons += '<i class="failed"></i>'
    return icons


def _status(t: Tile) -> str:
    """The bottom line: housekeeping (its coloured dot drawn by CSS), or that the room is out, and why."""
    if t.service == ServiceState.IN_SERVICE:
        return f"<em>{_escape(_HOUSEKEEPING.get(t.housekeeping, t.housekeeping))}</em>"
    short = "OOO" if t.service == ServiceState.OUT_OF_ORDER else "OOS"
    reason = f": {t.service_reason}" if t.service_reason else ""
    return f"<em>{short}{escape(reason)}</em>"


@lru_cache(maxsize=MEMO_SIZE)
def render_tile(t: Tile) -> str:
    """One tile's HTML (every value escaped here); remembered, see the module's docstring."""
    classes = t.housekeeping
    if t.guest is not None:
        classes += " occ"
    if t.service != ServiceState.IN_SERVICE:
        classes += " out"
    if t.departing:
        classes += " dep"
    if t.hold:
        classes += " held"
    number = _escape(t.number)
    # the pattern is escaped already; quote() leaves nothing an attribute would need escaped
    url = t.url.replace(_MARKER, t.number if t.number.isascii() and t.number.isalnum() else quote(t.number))
    guest = escape(t.guest) if t.guest is not None else "Vacant"
    return (
        f'<a href="{url}" class="{_escape(classes)}" data-room="{number}" aria-label="{escape(_label(t))}">'
        f"<b>{number}</b>{_escape(t.type_code)}{_icons(t)}<p>{guest}</p>{_status(t)}</a>"
    )


def render_tiles(tiles: list[Tile]) -> SafeString:
    """All tiles of a floor."""
    return mark_safe("".join(map(render_tile, tiles)))  # each value escaped in render_tile

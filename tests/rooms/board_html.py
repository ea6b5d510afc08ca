"""Reading one room's tile out of the board's HTML, as the desk's browser and screen reader get it."""

import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TileView:
    classes: set[str]  # the tile's state: dirty/clean/inspected, occ, out, dep, held
    label: str  # what a screen reader says (aria-label)
    text: str  # the visible words (tags dropped)
    marks: list[str]  # the icons at its top right, by class: vip, held, dnd, dep, busy, offline...
    href: str


def tile(page: str, number: str) -> TileView:
    """The tile of room `number` on a board page (raw HTML); AssertionError if it is not there."""
    match = re.search(rf'<a ([^>]*data-room="{re.escape(number)}"[^>]*)>(.*?)</a>', page, re.S)
    assert match, f"no tile for room {number} on the board"
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
    inner = match.group(2)
    return TileView(
        classes=set(attributes.get("class", "").split()),
        label=html.unescape(attributes.get("aria-label", "")),
        text=" ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split()),
        marks=re.findall(r'<i class="([^"]*)"', inner),
        href=html.unescape(attributes.get("href", "")),
    )


def tile_numbers(page: str) -> list[str]:
    """The rooms the board shows, in order."""
    return re.findall(r'data-room="([^"]+)"', page)

"""Rating: what a call costs under a tariff, and why, in words a guest understands.

Pure Python (no database): a tariff version is compiled once into a prefix table, then each call is a
handful of dictionary look-ups. The semantics are documented in docs/tariffs.md; in short:

- only Outbound, ANSWERED calls from a room extension with a stay in house are chargeable;
- the number: the longest `strip` prefix removed, a leading + becomes the international prefix, digits kept;
- emergency numbers (as dialled or after stripping), then `free` prefixes cost 0; `barred` prefixes are
  uncharged and flagged;
- the rule: the longest matching prefix whose length/day/time conditions hold at the call's local start;
  among equal prefixes the first in the document;
- talk <= grace: free; else b = max(talk, min_seconds),
  base = initial_charge + ceil(max(0, b - initial_seconds) / unit_seconds) * unit_charge,
  price = round_half_up(base * (1 + markup/100) + surcharge, 0.01).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO, quantize
from .tariff_documents import Rule, TariffDefinition


class Reason:
    """Why a call costs what it costs (stored on the call record; labels are what people read)."""

    CHARGED = "charged"
    INBOUND = "inbound"
    INTERNAL = "internal"
    NOT_ANSWERED = "not_answered"
    EMERGENCY = "emergency"
    FREE_NUMBER = "free_number"
    UNDER_GRACE = "under_grace"
    BARRED = "barred"
    NO_RULE = "no_rule"
    NO_STAY = "no_stay"
    UNKNOWN_EXTENSION = "unknown_extension"
    NO_TARIFF = "no_tariff"

    LABELS = {
        CHARGED: "charged",
        INBOUND: "free: inbound",
        INTERNAL: "free: internal",
        NOT_ANSWERED: "free: not answered",
        EMERGENCY: "free: emergency number",
        FREE_NUMBER: "free: free number",
        UNDER_GRACE: "free: under grace",
        BARRED: "barred number (not charged)",
        NO_RULE: "no tariff rule",
        NO_STAY: "no stay in the room",
        UNKNOWN_EXTENSION: "not a room extension",
        NO_TARIFF: "no tariff in force",
    }
    # Uncharged for a reason a manager should look at (never silently free).
    NEEDS_ATTENTION = frozenset({BARRED, NO_RULE, NO_TARIFF, NO_STAY})


@dataclass(frozen=True)
class Rating:
    reason: str
    price: Decimal = ZERO
    number: str = ""  # the number after stripping and + -> international prefix
    rule: Rule | None = None
    explanation: str = ""

    @property
    def charged(self) -> bool:
        return self.reason == Reason.CHARGED


def normalise_number(dialled: str, strip: tuple[str, ...], international_prefix: str) -> str:
    text = (dialled or "").strip()
    for prefix in sorted(strip, key=len, reverse=True):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if text.startswith("+"):
        text = international_prefix + text[1:]
    return "".join(ch for ch in text if "0" <= ch <= "9")


def _minutes(seconds: int) -> str:
    """3 min 10 s / 2 min / 45 s / 1 h 2 min."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _per(unit_seconds: int) -> str:
    return "per min" if unit_seconds == 60 else f"per {_minutes(unit_seconds)}"


def _money(amount: Decimal) -> str:
    text = f"{amount:f}"
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(2, "0")
        return f"{whole}.{frac}"
    return f"{text}.00"


def explain(rule: Rule, talk: int, billed: int, units: int) -> str:
    parts = []
    if rule.initial_seconds or rule.initial_charge:
        parts.append(f"{_money(rule.initial_charge)} for the first {_minutes(rule.initial_seconds)}")
    if units or not parts:
        parts.append(f"{units} × {_money(rule.unit_charge)} {_per(rule.unit_seconds)}")  # noqa: RUF001
    text = f"{rule.name}, {_minutes(talk)}: " + " + ".join(parts)
    if billed > talk:
        text += f" (billed as {_minutes(billed)} minimum)"
    if rule.markup_percent:
        text += f", plus {rule.markup_percent.normalize():f} % service"
    if rule.surcharge:
        text += f", plus {_money(rule.surcharge)} per call"
    return text


class CompiledTariff:
    """A tariff version ready to price calls quickly: rules grouped by prefix, in document order."""

    def __init__(self, definition: TariffDefinition, emergency_numbers: tuple[str, ...] = ()):
        self.definition = definition
        self.emergency = frozenset(n for n in emergency_numbers if n)
        self.strip = definition.strip
        self.intl = definition.international_prefix
        self.free = definition.free
        self.barred = definition.barred
        by_prefix: dict[str, list[tuple[Rule, tuple]]] = {}
        for rule in definition.rules:
            window = None
            if rule.start:
                window = (_minute_of_day(rule.start), _minute_of_day(rule.until))
            by_prefix.setdefault(rule.prefix, []).append((rule, window))
        self.by_prefix = by_prefix
        self.lengths = sorted({len(p) for p in by_prefix}, reverse=True)

    def _rule_for(self, number: str, local_start: dt.datetime) -> Rule | None:
        weekday = local_start.weekday()
        minute = local_start.hour * 60 + local_start.minute
        second_of_day = minute * 60 + local_start.second
        length = len(number)
        for size in self.lengths:
            if size > length:
                continue
            for rule, window in self.by_prefix.get(number[:size], ()):
                if rule.min_length is not None and length < rule.min_length:
                    continue
                if rule.max_length is not None and length > rule.max_length:
                    continue
                if rule.days and weekday not in rule.days:
                    continue
                if window is not None:
                    start, until = window[0] * 60, window[1] * 60
                    if start < until:
                        if not start <= second_of_day < until:
                            continue
                    elif not (second_of_day >= start or second_of_day < until):
                        continue
                return rule
        return None

    def classify_number(self, dialled: str) -> tuple[str, str]:
        """(reason or "", normalised number) for the number alone: emergency, free, barred or ""."""
        number = normalise_number(dialled, self.strip, self.intl)
        as_dialled = "".join(ch for ch in (dialled or "") if "0" <= ch <= "9")
        if as_dialled in self.emergency or number in self.emergency:
            return Reason.EMERGENCY, number
        if any(number.startswith(p) for p in self.free):
            return Reason.FREE_NUMBER, number
        if any(number.startswith(p) for p in self.barred):
            return Reason.BARRED, number
        return "", number

    def price(self, dialled: str, talk_seconds: int, local_start: dt.datetime) -> Rating:
        """Price a chargeable call (outbound, answered, with a stay); the number decides the rest."""
        reason, number = self.classify_number(dialled)
        if reason:
            return Rating(reason=reason, number=number)
        rule = self._rule_for(number, local_start)
        if rule is None:
            return Rating(reason=Reason.NO_RULE, number=number)
        talk = max(0, int(talk_seconds))
        if talk <= rule.grace_seconds:
            return Rating(reason=Reason.UNDER_GRACE, number=number, rule=rule)
        billed = max(talk, rule.min_seconds)
        rest = max(0, billed - rule.initial_seconds)
        units = -(-rest // rule.unit_seconds)
        base = rule.initial_charge + units * rule.unit_charge
        price = quantize(base * (1 + rule.markup_percent / 100) + rule.surcharge)
        return Rating(
            reason=Reason.CHARGED,
            price=price,
            number=number,
            rule=rule,
            explanation=explain(rule, talk, billed, units),
        )


def _minute_of_day(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def call_reason_before_tariff(*, call_type: str, status: str, has_room: bool, has_stay: bool) -> str:
    """The reasons that do not need a tariff, in the order they are checked; "" when chargeable."""
    kind = (call_type or "").strip().lower()
    if kind == "inbound":
        return Reason.INBOUND
    if kind != "outbound":
        return Reason.INTERNAL
    if (status or "").strip().upper() != "ANSWERED":
        return Reason.NOT_ANSWERED
    if not has_room:
        return Reason.UNKNOWN_EXTENSION
    if not has_stay:
        return Reason.NO_STAY
    return ""

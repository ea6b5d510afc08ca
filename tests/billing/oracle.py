"""An independent rating of calls, written from the tariff rules as docs/tariffs.md states them.

It shares no code with billing/: it reads the document with yaml.safe_load, scans every rule for each
call, and computes prices with Fractions and its own half-up rounding. Tests compare the engine (and the
folio lines it posts) against this, to the cent.
"""

import math
import re
from datetime import datetime, time
from fractions import Fraction

import yaml

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _frac(value) -> Fraction:
    return Fraction(str(value))


def _hhmm(value) -> time:
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


class Oracle:
    def __init__(self, document: str, emergency=("110", "112", "911", "999")):
        self.doc = yaml.safe_load(document)
        self.emergency = set(emergency)

    def _default(self, rule: dict, key: str, fallback):
        if key in rule:
            return rule[key]
        return self.doc.get(key, fallback)

    def number(self, dialled: str) -> str:
        text = dialled.strip()
        strips = [str(p) for p in self.doc.get("strip", [])]
        matching = [p for p in strips if text.startswith(p)]
        if matching:
            text = text[len(max(matching, key=len)) :]
        if text.startswith("+"):
            text = str(self.doc.get("international_prefix", "00")) + text[1:]
        return re.sub(r"[^0-9]", "", text)

    def _applies(self, rule: dict, number: str, local: datetime) -> bool:
        if not number.startswith(str(rule["prefix"])):
            return False
        if "min_length" in rule and len(number) < int(rule["min_length"]):
            return False
        if "max_length" in rule and len(number) > int(rule["max_length"]):
            return False
        if "days" in rule and DAY_NAMES[local.weekday()] not in rule["days"]:
            return False
        if "from" in rule:
            start, until, now = _hhmm(rule["from"]), _hhmm(rule["until"]), local.time()
            inside = (start <= now < until) if start < until else (now >= start or now < until)
            if not inside:
                return False
        return True

    def rate(self, dialled: str, talk: int, local: datetime) -> tuple[str, Fraction, str]:
        """(reason, price in currency units, rule name) for an outbound answered call with a stay."""
        number = self.number(dialled)
        if re.sub(r"[^0-9]", "", dialled) in self.emergency or number in self.emergency:
            return "emergency", Fraction(0), ""
        if any(number.startswith(str(p)) for p in self.doc.get("free", [])):
            return "free_number", Fraction(0), ""
        if any(number.startswith(str(p)) for p in self.doc.get("barred", [])):
            return "barred", Fraction(0), ""
        best, best_len = None, -1
        for rule in self.doc["rules"]:  # first in document order wins a tie: only a longer prefix replaces it
            if self._applies(rule, number, local) and len(str(rule["prefix"])) > best_len:
                best, best_len = rule, len(str(rule["prefix"]))
        if best is None:
            return "no_rule", Fraction(0), ""
        grace = int(self._default(best, "grace_seconds", 0))
        if talk <= grace:
            return "under_grace", Fraction(0), best["name"]
        billed = max(talk, int(self._default(best, "min_seconds", 0)))
        initial_seconds = int(best.get("initial_seconds", 0))
        unit_seconds = int(best.get("unit_seconds", 60))
        units = math.ceil(Fraction(max(0, billed - initial_seconds), unit_seconds))
        base = _frac(best.get("initial_charge", 0)) + units * _frac(best["unit_charge"])
        gross = base * (1 + _frac(self._default(best, "markup_percent", 0)) / 100)
        gross += _frac(self._default(best, "surcharge", 0))
        cents = math.floor(gross * 100 + Fraction(1, 2))
        return "charged", Fraction(cents, 100), best["name"]

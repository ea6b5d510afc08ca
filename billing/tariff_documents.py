"""Tariff documents: YAML a manager writes, checked whole before anything is stored.

Every scalar is read as text (YAML's BaseLoader), so `0.30` stays the decimal 0.30 and `18:00` stays a
time, never a float or a base-60 number. Each error names its line and field; a document with one error
is refused whole. The format is documented with a full example in docs/tariffs.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import yaml

from .money import parse_amount

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NUMBER_PREFIX = re.compile(r"^\d*$")
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_RULES = 30_000

TARIFF_KEYS = {
    "tariff",
    "currency",
    "valid_from",
    "tax_rate",
    "markup_percent",
    "surcharge",
    "grace_seconds",
    "min_seconds",
    "strip",
    "international_prefix",
    "free",
    "barred",
    "rules",
}
RULE_KEYS = {
    "name",
    "prefix",
    "min_length",
    "max_length",
    "days",
    "from",
    "until",
    "initial_seconds",
    "initial_charge",
    "unit_seconds",
    "unit_charge",
    "grace_seconds",
    "min_seconds",
    "markup_percent",
    "surcharge",
}


class TariffDocumentError(ValueError):
    """The document was refused; `errors` lists every problem as "line N: field: what is wrong"."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Rule:
    name: str
    prefix: str
    min_length: int | None
    max_length: int | None
    days: tuple[int, ...]  # 0 = Monday; empty: every day
    start: str  # "HH:MM" or "" (no window)
    until: str
    initial_seconds: int
    initial_charge: Decimal
    unit_seconds: int
    unit_charge: Decimal
    grace_seconds: int
    min_seconds: int
    markup_percent: Decimal
    surcharge: Decimal


@dataclass(frozen=True)
class TariffDefinition:
    name: str
    currency: str
    valid_from: dt.date | None
    tax_rate: Decimal
    strip: tuple[str, ...]
    international_prefix: str
    free: tuple[str, ...]
    barred: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        """A JSON-safe form for storage (decimals and dates as text)."""

        def plain(value):
            if isinstance(value, Decimal | dt.date):
                return str(value)
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        return plain(asdict(self))

    @classmethod
    def from_json(cls, data: dict) -> TariffDefinition:
        rules = tuple(
            Rule(
                **{
                    **r,
                    "days": tuple(r["days"]),
                    "initial_charge": Decimal(r["initial_charge"]),
                    "unit_charge": Decimal(r["unit_charge"]),
                    "markup_percent": Decimal(r["markup_percent"]),
                    "surcharge": Decimal(r["surcharge"]),
                }
            )
            for r in data["rules"]
        )
        return cls(
            name=data["name"],
            currency=data["currency"],
            valid_from=dt.date.fromisoformat(data["valid_from"]) if data["valid_from"] else None,
            tax_rate=Decimal(data["tax_rate"]),
            strip=tuple(data["strip"]),
            international_prefix=data["international_prefix"],
            free=tuple(data["free"]),
            barred=tuple(data["barred"]),
            rules=rules,
        )


# --- reading YAML with line numbers ---------------------------------------------------------------


class _Node:
    """A YAML value with the line it starts on (1-based)."""

    __slots__ = ("line", "value")

    def __init__(self, value, line: int):
        self.value, self.line = value, line


def _plain_tree(node, errors: list[str]) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                errors.append(f"line {key_node.start_mark.line + 1}: a key must be a plain word")
                continue
            if key in out:
                errors.append(f"line {key_node.start_mark.line + 1}: {key}: given twice")
                continue
            out[key] = _plain_tree(value_node, errors)
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_plain_tree(item, errors) for item in node.value], line)
    if node.tag == "tag:yaml.org,2002:null" or (node.value in ("", "~", "null") and not node.style):
        return _Node(None, line)
    return _Node(node.value, line)


def _compose(text: str) -> _Node:
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise TariffDocumentError(
            [f"{where}not valid YAML: {getattr(exc, 'problem', None) or exc}"]
        ) from None
    if root is None:
        raise TariffDocumentError(["line 1: the document is empty"])
    errors: list[str] = []
    tree = _plain_tree(root, errors)
    if errors:
        raise TariffDocumentError(errors)
    return tree


# --- checking fields ------------------------------------------------------------------------------


class _Checker:
    def __init__(self):
        self.errors: list[str] = []

    def error(self, node: _Node | None, where: str, message: str, parent_line: int = 1):
        line = node.line if node is not None else parent_line
        self.errors.append(f"line {line}: {where}: {message}")

    def text(self, node, where, *, required=False, parent_line=1, max_length=80) -> str | None:
        if node is None or node.value is None:
            if required:
                self.error(node, where, "is required", parent_line)
            return None
        if not isinstance(node.value, str):
            self.error(node, where, "must be a single value")
            return None
        value = node.value.strip()
        if required and not value:
            self.error(node, where, "must not be empty")
            return None
        if len(value) > max_length:
            self.error(node, where, f"is longer than {max_length} characters")
            return None
        return value

    def integer(self, node, where, *, default=None, minimum=0, maximum=10**7, parent_line=1):
        text = self.text(node, where, parent_line=parent_line)
        if text is None:
            return default
        if not re.fullmatch(r"\d+", text):
            self.error(node, where, f"{text!r} is not a whole number of seconds/digits")
            return default
        value = int(text)
        if not minimum <= value <= maximum:
            self.error(node, where, f"must be between {minimum} and {maximum}")
            return default
        return value

    def amount(self, node, where, *, default=None, minimum=Decimal(0), maximum=Decimal(100_000)):
        text = self.text(node, where)
        if text is None:
            return default
        try:
            value = parse_amount(text)
        except ValueError:
            self.error(node, where, f'{text!r} is not a number (write e.g. "0.30")')
            return default
        if value < minimum or value > maximum:
            self.error(node, where, f"must be between {minimum} and {maximum}")
            return default
        if value.as_tuple().exponent < -5:
            self.error(node, where, "has more than 5 decimals")
            return default
        return value

    def prefixes(self, node, where) -> tuple[str, ...]:
        if node is None or node.value is None:
            return ()
        items = node.value if isinstance(node.value, list) else None
        if items is None:
            self.error(node, where, 'must be a list, e.g. ["0800", "116"]')
            return ()
        out = []
        for i, item in enumerate(items):
            value = item.value if isinstance(item.value, str) else None
            if value is None or not value.strip() or not NUMBER_PREFIX.match(value.strip()):
                self.error(item, f"{where}[{i}]", "must be digits")
                continue
            out.append(value.strip())
        return tuple(out)

    def time(self, node, where) -> str:
        text = self.text(node, where)
        if text is None:
            return ""
        if not TIME.match(text):
            self.error(node, where, f'{text!r} is not a time like "18:00" (quote it)')
            return ""
        return text


def parse_tariff_document(text: str, *, currency: str | None = None) -> TariffDefinition:
    """Read and check a whole tariff document; raise TariffDocumentError with every problem found."""
    if len(text.encode("utf-8", "replace")) > MAX_DOCUMENT_BYTES:
        raise TariffDocumentError([f"line 1: the document is larger than {MAX_DOCUMENT_BYTES} bytes"])
    tree = _compose(text)
    if not isinstance(tree.value, dict):
        raise TariffDocumentError(
            [f"line {tree.line}: the document must be a mapping (tariff:, rules:, ...)"]
        )
    top: dict[str, _Node] = tree.value
    c = _Checker()
    for key, node in top.items():
        if key not in TARIFF_KEYS:
            c.error(node, key, "is not a tariff field (" + ", ".join(sorted(TARIFF_KEYS)) + ")")

    name = c.text(top.get("tariff"), "tariff", required=True, max_length=80)
    doc_currency = c.text(top.get("currency"), "currency", required=True, max_length=3)
    if doc_currency is not None:
        if not re.fullmatch(r"[A-Z]{3}", doc_currency):
            c.error(top["currency"], "currency", f"{doc_currency!r} is not a currency code like EUR")
        elif currency and doc_currency != currency:
            c.error(top["currency"], "currency", f"the hotel bills in {currency}, not {doc_currency}")
    valid_from = None
    valid_text = c.text(top.get("valid_from"), "valid_from")
    if valid_text is not None:
        try:
            valid_from = dt.date.fromisoformat(valid_text)
        except ValueError:
            c.error(top["valid_from"], "valid_from", f"{valid_text!r} is not a date like 2027-01-01")
    tax_rate = c.amount(top.get("tax_rate"), "tax_rate", default=Decimal(0), maximum=Decimal(100))
    defaults = {
        "markup_percent": c.amount(
            top.get("markup_percent"), "markup_percent", default=Decimal(0), maximum=Decimal(1000)
        ),
        "surcharge": c.amount(top.get("surcharge"), "surcharge", default=Decimal(0)),
        "grace_seconds": c.integer(top.get("grace_seconds"), "grace_seconds", default=0, maximum=86400),
        "min_seconds": c.integer(top.get("min_seconds"), "min_seconds", default=0, maximum=86400),
    }
    strip = c.prefixes(top.get("strip"), "strip")
    if any(not p for p in strip):
        c.error(top.get("strip"), "strip", "an empty prefix cannot be stripped")
    intl = c.text(top.get("international_prefix"), "international_prefix")
    if intl is None:
        intl = "00"
    elif not re.fullmatch(r"\d{1,4}", intl):
        c.error(top["international_prefix"], "international_prefix", "must be 1 to 4 digits")
    free = c.prefixes(top.get("free"), "free")
    barred = c.prefixes(top.get("barred"), "barred")

    rules: list[Rule] = []
    rules_node = top.get("rules")
    if rules_node is None or not isinstance(rules_node.value, list) or not rules_node.value:
        c.error(rules_node, "rules", "must be a list with at least one rule", tree.line)
    elif len(rules_node.value) > MAX_RULES:
        c.error(rules_node, "rules", f"more than {MAX_RULES} rules")
    else:
        for i, rule_node in enumerate(rules_node.value):
            rule = _rule(c, rule_node, f"rules[{i}]", defaults)
            if rule is not None:
                rules.append(rule)

    if c.errors:
        raise TariffDocumentError(c.errors)
    return TariffDefinition(
        name=name,
        currency=doc_currency,
        valid_from=valid_from,
        tax_rate=tax_rate,
        strip=strip,
        international_prefix=intl,
        free=free,
        barred=barred,
        rules=tuple(rules),
    )


def _rule(c: _Checker, node: _Node, where: str, defaults: dict) -> Rule | None:
    if not isinstance(node.value, dict):
        c.error(node, where, "must be a mapping like {name: ..., prefix: ..., unit_charge: ...}")
        return None
    f: dict[str, _Node] = node.value
    before = len(c.errors)
    for key, value in f.items():
        if key not in RULE_KEYS:
            c.error(value, f"{where}.{key}", "is not a rule field (" + ", ".join(sorted(RULE_KEYS)) + ")")
    name = c.text(f.get("name"), f"{where}.name", required=True, parent_line=node.line)
    prefix_node = f.get("prefix")
    prefix = ""
    if prefix_node is None or prefix_node.value is None:
        c.error(prefix_node, f"{where}.prefix", 'is required ("" matches every number)', node.line)
    else:
        prefix = c.text(prefix_node, f"{where}.prefix") or ""
        if not NUMBER_PREFIX.match(prefix):
            c.error(prefix_node, f"{where}.prefix", f"{prefix!r} must be digits")
    min_length = c.integer(f.get("min_length"), f"{where}.min_length", maximum=64)
    max_length = c.integer(f.get("max_length"), f"{where}.max_length", maximum=64)
    if min_length is not None and max_length is not None and min_length > max_length:
        c.error(f.get("max_length"), f"{where}.max_length", "is shorter than min_length")
    days: list[int] = []
    days_node = f.get("days")
    if days_node is not None and days_node.value is not None:
        if not isinstance(days_node.value, list) or not days_node.value:
            c.error(days_node, f"{where}.days", "must be a list like [mon, tue]")
        else:
            for j, day in enumerate(days_node.value):
                label = (day.value or "").strip().lower()[:3] if isinstance(day.value, str) else ""
                if label not in DAYS:
                    c.error(day, f"{where}.days[{j}]", f"{day.value!r} is not a day (mon ... sun)")
                elif DAYS.index(label) not in days:
                    days.append(DAYS.index(label))
    start = c.time(f.get("from"), f"{where}.from")
    until = c.time(f.get("until"), f"{where}.until")
    if (f.get("from") is None) != (f.get("until") is None):
        c.error(f.get("from") or f.get("until"), where, "give both from and until, or neither")
    elif start and start == until:
        c.error(f.get("until"), f"{where}.until", "equals from: the window would be empty")
    unit_seconds = c.integer(
        f.get("unit_seconds"), f"{where}.unit_seconds", default=60, minimum=1, maximum=86400
    )
    unit_charge = c.amount(f.get("unit_charge"), f"{where}.unit_charge")
    if unit_charge is None and f.get("unit_charge") is None:
        c.error(None, f"{where}.unit_charge", "is required", node.line)
    rule = dict(
        initial_seconds=c.integer(
            f.get("initial_seconds"), f"{where}.initial_seconds", default=0, maximum=86400
        ),
        initial_charge=c.amount(f.get("initial_charge"), f"{where}.initial_charge", default=Decimal(0)),
        grace_seconds=c.integer(
            f.get("grace_seconds"), f"{where}.grace_seconds", default=defaults["grace_seconds"], maximum=86400
        ),
        min_seconds=c.integer(
            f.get("min_seconds"), f"{where}.min_seconds", default=defaults["min_seconds"], maximum=86400
        ),
        markup_percent=c.amount(
            f.get("markup_percent"),
            f"{where}.markup_percent",
            default=defaults["markup_percent"],
            maximum=Decimal(1000),
        ),
        surcharge=c.amount(f.get("surcharge"), f"{where}.surcharge", default=defaults["surcharge"]),
    )
    if len(c.errors) > before:
        return None
    return Rule(
        name=name,
        prefix=prefix,
        min_length=min_length,
        max_length=max_length,
        days=tuple(sorted(days)),
        start=start,
        until=until,
        unit_seconds=unit_seconds,
        unit_charge=unit_charge,
        **rule,
    )

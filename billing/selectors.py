"""Billing reads: folio pages, invoices, late charges, uncharged calls and the manager's reports."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import TruncDate

from hotelpbx.core.timeutil import hotel_zone
from rooms.search import fold_terms

from .models import CallOutcome, CallRecord, Folio, FolioKind, FolioLine, LineKind, MinibarItem, TariffVersion
from .money import ZERO, quantize, tax_contained
from .rating import Reason

KIND_ORDER = [
    LineKind.ROOM_NIGHT,
    LineKind.CALL,
    LineKind.MINIBAR,
    LineKind.SERVICE,
    LineKind.ADJUSTMENT,
    LineKind.PAYMENT,
]


@dataclass
class LineGroup:
    kind: str
    label: str
    lines: list[FolioLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return quantize(sum((line.amount for line in self.lines), ZERO))


@dataclass
class TaxRow:
    rate: Decimal
    gross: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.tax


@dataclass
class FolioView:
    folio: Folio
    groups: list[LineGroup]
    balance: Decimal
    charges: Decimal
    payments: Decimal
    taxes: list[TaxRow]
    voided_ids: set[int]


def folio_lines(folio: Folio, *, until_line_id: int | None = None):
    lines = folio.lines.select_related("call_record", "posted_by", "reverses", "minibar_item")
    if until_line_id is not None:
        lines = lines.filter(id__lte=until_line_id)
    return list(lines.order_by("posted_at", "id"))


def folio_view(folio: Folio, *, until_line_id: int | None = None) -> FolioView:
    lines = folio_lines(folio, until_line_id=until_line_id)
    groups: OrderedDict[str, LineGroup] = OrderedDict(
        (kind, LineGroup(kind=kind, label=LineKind(kind).label)) for kind in KIND_ORDER
    )
    for line in lines:
        groups[line.kind].lines.append(line)
    charges = quantize(sum((ln.amount for ln in lines if ln.kind != LineKind.PAYMENT), ZERO))
    payments = quantize(sum((ln.amount for ln in lines if ln.kind == LineKind.PAYMENT), ZERO))
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        if line.kind != LineKind.PAYMENT:
            by_rate[line.tax_rate] = by_rate.get(line.tax_rate, ZERO) + line.amount
    taxes = [
        TaxRow(rate, quantize(gross), tax_contained(gross, rate)) for rate, gross in sorted(by_rate.items())
    ]
    return FolioView(
        folio=folio,
        groups=[g for g in groups.values() if g.lines],
        balance=quantize(charges + payments),
        charges=charges,
        payments=payments,
        taxes=[t for t in taxes if t.gross],
        voided_ids={ln.reverses_id for ln in lines if ln.reverses_id},
    )


def masked_number(number: str, digits: int | None = None) -> str:
    hide = settings.INVOICE_MASK_DIGITS if digits is None else digits
    if hide <= 0 or not number:
        return number
    keep = max(0, len(number) - hide)
    return number[:keep] + "x" * (len(number) - keep)


def house_accounts() -> list[Folio]:
    """The house accounts by name, each with its balance and how many lines it holds (one query)."""
    accounts = list(
        Folio.objects.filter(kind=FolioKind.HOUSE)
        .annotate(total=Sum("lines__amount"), line_count=Count("lines"))
        .order_by("name")
    )
    for account in accounts:
        account.balance = quantize(account.total or ZERO)  # SQLite sums decimals as floats
    return accounts


def house_account(pk: int) -> Folio | None:
    return Folio.objects.filter(kind=FolioKind.HOUSE, pk=pk).first()


def late_charge_folios() -> list[Folio]:
    """Folios of departed guests with late charges and a balance still open."""
    folios = (
        Folio.objects.filter(kind=FolioKind.STAY, closed_at__isnull=False, lines__late=True)
        .distinct()
        .select_related("stay__guest", "stay__room")
        .order_by("-closed_at", "-id")
    )
    out = []
    for folio in folios:
        balance = folio.lines.aggregate(total=Sum("amount"))["total"] or ZERO
        if balance != ZERO:
            folio.open_balance = quantize(balance)
            folio.late_lines = list(folio.lines.filter(late=True).order_by("posted_at", "id"))
            out.append(folio)
    return out


def uncharged_calls(*, limit: int = 500):
    """Calls a manager should look at: barred, no tariff rule, no tariff in force, no stay."""
    return (
        CallRecord.objects.filter(reason__in=sorted(Reason.NEEDS_ATTENTION))
        .select_related("room", "stay__guest", "tariff_version")
        .order_by("-started_at", "-id")[:limit]
    )


def tariff_versions():
    return TariffVersion.objects.select_related("imported_by").order_by("name", "-version")


def minibar_items(*, active_only: bool = True):
    items = MinibarItem.objects.all()
    return items.filter(active=True) if active_only else items


# --- reports --------------------------------------------------------------------------------------


@dataclass
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = hotel_zone()
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return start, end


def _charged_call_lines(period: Period):
    start, end = period.utc_bounds()
    return FolioLine.objects.filter(
        kind=LineKind.CALL, call_record__started_at__gte=start, call_record__started_at__lt=end
    )


def call_revenue_by_day(period: Period) -> list[dict]:
    rows = (
        _charged_call_lines(period)
        .annotate(day=TruncDate("call_record__started_at", tzinfo=hotel_zone()))
        .values("day")
        .annotate(revenue=Sum("amount"), calls=Count("call_record", distinct=True))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    out = []
    day = period.start
    while day <= period.end:
        row = by_day.get(day, {})
        out.append(
            {"day": day, "revenue": quantize(row.get("revenue") or ZERO), "calls": row.get("calls") or 0}
        )
        day += dt.timedelta(days=1)
    return out


def call_revenue_by_room(period: Period) -> list[dict]:
    rows = (
        _charged_call_lines(period)
        .values("call_record__room__number")
        .annotate(revenue=Sum("amount"), calls=Count("call_record", distinct=True))
        .order_by("call_record__room__number")
    )
    return [
        {"room": r["call_record__room__number"], "revenue": quantize(r["revenue"]), "calls": r["calls"]}
        for r in rows
    ]


def call_revenue_by_rule(period: Period) -> list[dict]:
    rows = (
        _charged_call_lines(period)
        .values("call_record__rule_name")
        .annotate(revenue=Sum("amount"), calls=Count("call_record", distinct=True))
        .order_by("-revenue", "call_record__rule_name")
    )
    return [
        {
            "rule": r["call_record__rule_name"] or "(re-rated away)",
            "revenue": quantize(r["revenue"]),
            "calls": r["calls"],
        }
        for r in rows
    ]


def minibar_sales(period: Period) -> list[dict]:
    start, end = period.utc_bounds()
    rows = (
        FolioLine.objects.filter(kind=LineKind.MINIBAR, posted_at__gte=start, posted_at__lt=end)
        .values("minibar_item__code", "minibar_item__name")
        .annotate(quantity=Sum("quantity", filter=Q(reverses__isnull=True)), revenue=Sum("amount"))
        .order_by("minibar_item__code")
    )
    return [
        {
            "code": r["minibar_item__code"],
            "item": r["minibar_item__name"],
            "quantity": r["quantity"] or 0,
            "revenue": quantize(r["revenue"]),
        }
        for r in rows
    ]


def uncharged_by_reason(period: Period) -> list[dict]:
    start, end = period.utc_bounds()
    rows = (
        CallRecord.objects.filter(started_at__gte=start, started_at__lt=end)
        .exclude(outcome=CallOutcome.CHARGED)
        .values("reason")
        .annotate(calls=Count("id"))
        .order_by("-calls", "reason")
    )
    return [
        {"reason": Reason.LABELS.get(r["reason"], r["reason"] or "not rated"), "calls": r["calls"]}
        for r in rows
    ]


# --- the desk's calls list ------------------------------------------------------------------------

NOT_CHARGED_OUTCOMES = (CallOutcome.BARRED, CallOutcome.UNCHARGED, CallOutcome.PENDING)
DIRECTIONS = ("outbound", "inbound", "internal")
OUTCOME_FILTERS = ("charged", "free", "not_charged")


@dataclass(frozen=True)
class CallFilters:
    day: dt.date
    room: str = ""
    guest: str = ""
    direction: str = ""  # "", outbound, inbound, internal
    outcome: str = ""  # "", charged, free, not_charged


def calls_of_day(filters: CallFilters):
    """The hotel's call records that started on a local day, newest first, with what each row shows
    (room, guest, the folio line of a charge) in a fixed number of queries."""
    start, end = Period(filters.day, filters.day).utc_bounds()
    calls = CallRecord.objects.filter(started_at__gte=start, started_at__lt=end)
    if filters.room:
        calls = calls.filter(room__number=filters.room)
    for term in fold_terms(filters.guest):
        calls = calls.filter(stay__guest__search_name__contains=term)
    if filters.direction in ("outbound", "inbound"):
        calls = calls.filter(call_type__iexact=filters.direction)
    elif filters.direction == "internal":
        calls = calls.exclude(call_type__iexact="outbound").exclude(call_type__iexact="inbound")
    if filters.outcome == "charged":
        calls = calls.filter(outcome=CallOutcome.CHARGED)
    elif filters.outcome == "free":
        calls = calls.filter(outcome=CallOutcome.FREE)
    elif filters.outcome == "not_charged":
        calls = calls.filter(outcome__in=NOT_CHARGED_OUTCOMES)
    # the line that charges the call now: posted for it and not voided (a re-rating voids the old one)
    current = FolioLine.objects.filter(
        kind=LineKind.CALL, reverses__isnull=True, reversed_by__isnull=True
    ).order_by("-id")
    return (
        calls.select_related("room", "stay__guest")
        .prefetch_related(Prefetch("folio_lines", queryset=current, to_attr="current_lines"))
        .order_by("-started_at", "-id")
    )

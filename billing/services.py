"""Billing writes: tariffs, call records and their rating, the folio ledger, minibar, check-out, invoices.

Every posting goes through `_post_line`, which locks the folio row: a posting and a check-out of the same
stay are serialised, so a charge lands either on the open folio or, after check-out, as a late charge,
never in between. Lines carry an idempotency key where the outside world can repeat itself (a report
sent twice, a double tap on the tablet), and the database's unique index decides.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from hotelpbx.core.audit import audit_record
from hotelpbx.core.roles import Role, has_role
from hotelpbx.core.timeutil import hotel_today, hotel_zone
from hotelpbx.pbx.pbxtime import parse_pbx_time
from rooms.errors import RoomRuleError
from rooms.models import Room, Stay, StayStatus
from rooms.selectors import stay_in_room_at

from . import signals
from .models import (
    CallOutcome,
    CallRecord,
    CheckOutOverride,
    Folio,
    FolioKind,
    FolioLine,
    Invoice,
    InvoiceCounter,
    LineKind,
    LineSource,
    MinibarItem,
    PaymentMethod,
    TariffVersion,
)
from .money import ZERO, quantize
from .rating import CompiledTariff, Rating, Reason, call_reason_before_tariff
from .tariff_documents import TariffDefinition, TariffDocumentError, parse_tariff_document

# A PBX's number can be anything; the column holds a week of seconds many times over.
MAX_SECONDS = 2**31 - 1


class BillingError(RoomRuleError):
    """A billing rule refused the action; `message` says what to do."""

    code = "billing_rule"


def pbx_time_to_utc(text: str) -> dt.datetime | None:
    """`timestart` is PBX local time without a zone (rules for the DST hours: hotelpbx.pbx.pbxtime)."""
    return parse_pbx_time(text)


# ----------------------------------------------------------------------------------------------------
# Tariffs
# ----------------------------------------------------------------------------------------------------


def tariff_import(*, text: str, by=None) -> TariffVersion:
    """Check a whole document and store it as the next version of its name; nothing is stored if any
    field is wrong (TariffDocumentError lists them all)."""
    definition = parse_tariff_document(text, currency=settings.CURRENCY)
    with transaction.atomic():
        latest = (
            TariffVersion.objects.select_for_update()
            .filter(name=definition.name)
            .order_by("-version")
            .first()
        )
        number = (latest.version if latest else 0) + 1
        try:
            with transaction.atomic():
                version = TariffVersion.objects.create(
                    name=definition.name,
                    version=number,
                    currency=definition.currency,
                    valid_from=definition.valid_from or hotel_today(),
                    tax_rate=definition.tax_rate,
                    source=text,
                    definition=definition.as_json(),
                    imported_by=by if getattr(by, "is_authenticated", False) else None,
                )
        except IntegrityError:  # another import of the same name won the number
            raise TariffDocumentError(
                [f"line 1: tariff: {definition.name} was imported at the same moment; try again"]
            ) from None
        audit_record(
            actor=by,
            action="tariff.import",
            obj=version,
            summary=f"Tariff {version.name} v{version.version} imported, valid from {version.valid_from}",
        )
    return version


def tariff_export(name: str, version: int | None = None) -> str:
    versions = TariffVersion.objects.filter(name=name)
    if version is not None:
        versions = versions.filter(version=version)
    found = versions.order_by("-version").first()
    if found is None:
        raise BillingError(
            f"There is no tariff named {name!r}" + (f" with version {version}" if version else "")
        )
    return found.source


_compiled: dict[tuple, CompiledTariff] = {}


def compiled_tariff(version: TariffVersion) -> CompiledTariff:
    """Versions never change once stored, so each is compiled once per process (keyed by more than the
    id: a database restored from an older backup may give an id to another version)."""
    key = (version.pk, version.name, version.version, version.imported_at, tuple(settings.EMERGENCY_NUMBERS))
    compiled = _compiled.get(key)
    if compiled is None:
        if len(_compiled) > 64:
            _compiled.clear()
        compiled = CompiledTariff(
            TariffDefinition.from_json(version.definition), tuple(settings.EMERGENCY_NUMBERS)
        )
        _compiled[key] = compiled
    return compiled


class TariffBook:
    """Every stored version, to find the one in force on a local date (loaded once per batch)."""

    def __init__(self):
        self.versions = list(TariffVersion.objects.order_by("-valid_from", "-imported_at", "-id"))

    def in_force(self, local_day: dt.date) -> TariffVersion | None:
        return next((v for v in self.versions if v.valid_from <= local_day), None)


# ----------------------------------------------------------------------------------------------------
# Call records and their rating
# ----------------------------------------------------------------------------------------------------


def call_record_from_cdr(*, cdr, serial: str) -> tuple[CallRecord, bool]:
    """Keep one call record per call leg; a repeated CDR returns the existing row. A new record is rated
    and, if chargeable, posted to its stay's folio in the same transaction."""
    started = pbx_time_to_utc(cdr.timestart or "")
    room_ext = cdr.callfrom if (cdr.type or "").lower() != "inbound" else cdr.callto
    room = Room.objects.filter(extension=room_ext).first() if room_ext else None
    stay = stay_in_room_at(room, started) if room else None
    with transaction.atomic():
        lock_stay_for_posting([stay.pk if stay else None])
        record, created = CallRecord.objects.get_or_create(
            pbx_serial=serial[:32],
            callid=cdr.callid[:64],
            caller=(cdr.callfrom or "")[:64],
            callee=(cdr.callto or "")[:64],
            timestart=(cdr.timestart or "")[:32],
            defaults={
                "started_at": started,
                "call_type": (cdr.type or "")[:16],
                "status": (cdr.status or "")[:16],
                "call_seconds": min(cdr.call_seconds, MAX_SECONDS),
                "talk_seconds": min(cdr.talk_seconds, MAX_SECONDS),
                "trunk": (cdr.dst_trunk or cdr.src_trunk or "")[:64],
                "room": room,
                "stay": stay,
            },
        )
        if record.outcome == CallOutcome.PENDING:
            line = call_rate_and_post(record)
            _announce_rating(record, line, rerated=False)
    return record, created


def rate_record(record: CallRecord, book: TariffBook | None = None) -> tuple[Rating, TariffVersion | None]:
    reason = call_reason_before_tariff(
        call_type=record.call_type,
        status=record.status,
        has_room=record.room_id is not None,
        has_stay=record.stay_id is not None,
    )
    if reason:
        return Rating(reason=reason), None
    if record.started_at is None:
        return Rating(reason=Reason.NO_TARIFF), None
    local_start = record.started_at.astimezone(hotel_zone())
    version = (book or TariffBook()).in_force(local_start.date())
    if version is None:
        return Rating(reason=Reason.NO_TARIFF), None
    return compiled_tariff(version).price(record.callee, record.talk_seconds, local_start), version


OUTCOME_OF = {
    Reason.CHARGED: CallOutcome.CHARGED,
    Reason.BARRED: CallOutcome.BARRED,
    Reason.NO_RULE: CallOutcome.UNCHARGED,
    Reason.NO_TARIFF: CallOutcome.UNCHARGED,
    Reason.NO_STAY: CallOutcome.UNCHARGED,
    Reason.UNKNOWN_EXTENSION: CallOutcome.UNCHARGED,
}


def _apply_rating(record: CallRecord, rating: Rating, version: TariffVersion | None) -> None:
    record.outcome = OUTCOME_OF.get(rating.reason, CallOutcome.FREE)
    record.reason = rating.reason
    record.number = rating.number[:64]
    record.rule_name = rating.rule.name[:80] if rating.rule else ""
    record.tariff_version = version
    record.price = rating.price
    record.explanation = rating.explanation[:255]
    record.rated_at = timezone.now()
    record.rating_revision += 1


def call_rate_and_post(record: CallRecord, *, book: TariffBook | None = None, by=None) -> FolioLine | None:
    """Rate a call record and post its charge (at most one line per rating revision, by the database)."""
    rating, version = rate_record(record, book)
    _apply_rating(record, rating, version)
    record.save()
    if not rating.charged:
        return None
    return _post_call_line(record, by=by)


def _announce_rating(record: CallRecord, line: FolioLine | None, *, rerated: bool) -> None:
    lines = {record.pk: line} if line is not None else {}
    signals.call_rated.send(sender=CallRecord, records=[record], lines=lines, rerated=rerated)


def _call_description(record: CallRecord) -> str:
    return record.explanation or f"Call to {record.callee}"


def _post_call_line(record: CallRecord, *, by=None) -> FolioLine | None:
    folio = folio_for_stay(record.stay)
    tax = record.tariff_version.tax_rate if record.tariff_version else ZERO
    return _post_line(
        folio,
        kind=LineKind.CALL,
        description=_call_description(record),
        amount=record.price,
        unit_price=record.price,
        tax_rate=tax,
        source=LineSource.CALL_RECORD,
        by=by,
        idempotency_key=f"call:{record.pk}:r{record.rating_revision}",
        call_record=record,
        service_date=record.started_at.astimezone(hotel_zone()).date() if record.started_at else None,
    )


def call_rerate(*, record: CallRecord, by, reason: str, book: TariffBook | None = None) -> CallRecord:
    """A manager re-rates a call after a tariff fix: the current line is reversed and a new one posted."""
    if not has_role(by, Role.MANAGER):
        raise BillingError("Only a manager can re-rate a call.")
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Say why the call is re-rated (e.g. the tariff was corrected).")
    with transaction.atomic():
        lock_stay_for_posting([record.stay_id])
        record = CallRecord.objects.select_for_update().get(pk=record.pk)
        had_stay = record.stay_id is not None
        if record.stay_id is None and record.room_id is not None:
            record.stay = stay_in_room_at(record.room, record.started_at)
            lock_stay_for_posting([record.stay_id])
        for line in FolioLine.objects.filter(call_record=record, reverses__isnull=True, kind=LineKind.CALL):
            if not FolioLine.objects.filter(reverses=line).exists():
                folio_line_reverse(line=line, by=by, reason=f"Re-rated: {reason}", _check_role=False)
        before = record.price
        line = call_rate_and_post(record, book=book, by=by)
        # a record that only now found its stay is news to whoever follows the stay, not a change
        _announce_rating(record, line, rerated=had_stay or record.stay_id is None)
        audit_record(
            actor=by,
            action="call.rerate",
            obj=record,
            summary=f"Call to {record.callee} re-rated: {before} -> {record.price} ({reason})"[:255],
        )
    return record


def calls_rate_pending_for_stay(stay: Stay) -> int:
    """Calls that arrived before their stay was entered (a late check-in) are rated once it exists."""
    if stay.room_id is None or stay.checked_in_at is None:
        return 0
    done = 0
    candidates = CallRecord.objects.filter(
        reason=Reason.NO_STAY, stay__isnull=True, started_at__gte=stay.checked_in_at - dt.timedelta(seconds=1)
    ).filter(room__in=[stay.room_id, *stay.moves.values_list("from_room_id", flat=True)])
    for record in candidates.select_related("room"):
        with transaction.atomic():
            owner = stay_in_room_at(record.room, record.started_at)
            if owner is None:
                continue
            lock_stay_for_posting([owner.pk])
            record = CallRecord.objects.select_for_update().get(pk=record.pk)
            if record.stay_id is not None:
                continue
            record.stay = owner
            line = call_rate_and_post(record)
            _announce_rating(record, line, rerated=False)
            done += 1
    return done


# ----------------------------------------------------------------------------------------------------
# Folio ledger
# ----------------------------------------------------------------------------------------------------


def lock_stay_for_posting(stay_ids) -> None:
    """Postings take the stay's row lock first, as check-out does (stay, then room, then folio).

    PostgreSQL checks foreign keys at commit (Django makes them deferred): a posting that wrote rows
    pointing at a stay would otherwise ask for that stay only at COMMIT, while a check-out holding the
    stay waits for the posting's folio: a deadlock. FOR NO KEY UPDATE waits for a check-out and lets
    foreign-key checks of other writers through."""
    ids = sorted({i for i in stay_ids if i is not None})
    if ids:
        list(Stay.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))


def folio_for_stay(stay: Stay) -> Folio:
    with transaction.atomic():
        lock_stay_for_posting([stay.pk])
        folio, _ = Folio.objects.get_or_create(stay=stay, defaults={"kind": FolioKind.STAY})
    return folio


def house_account(name: str) -> Folio:
    folio, _ = Folio.objects.get_or_create(kind=FolioKind.HOUSE, name=name.strip()[:80])
    return folio


def house_account_open(*, name: str, by=None) -> tuple[Folio, bool]:
    """Open a house account ("Restaurant", "Lost & found") for charges that belong to no stay; a name
    already open is that account (names are unique among house accounts, ignoring case). Returns the
    account and whether it is new."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise BillingError("Name the house account, e.g. Restaurant or Lost & found.")
    existing = Folio.objects.filter(kind=FolioKind.HOUSE, name__iexact=name).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        try:
            with transaction.atomic():
                folio = Folio.objects.create(kind=FolioKind.HOUSE, name=name)
        except IntegrityError:  # opened at the same moment at another desk
            return Folio.objects.get(kind=FolioKind.HOUSE, name=name), False
        audit_record(actor=by, action="folio.house_open", obj=folio, summary=f"House account {name} opened")
    return folio, True


def folio_balance(folio: Folio) -> Decimal:
    return quantize(folio.lines.aggregate(total=Sum("amount"))["total"] or ZERO)


def _post_line(folio: Folio, *, idempotency_key: str | None = None, by=None, **fields) -> FolioLine | None:
    """Append one line, serialised with check-out by the folio row lock. A repeated idempotency key
    posts nothing and returns the line that holds it."""
    with transaction.atomic():
        folio = Folio.objects.select_for_update().get(pk=folio.pk)
        if idempotency_key:
            existing = FolioLine.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        late = folio.kind == FolioKind.STAY and folio.closed_at is not None
        try:
            with transaction.atomic():
                line = FolioLine.objects.create(
                    folio=folio,
                    idempotency_key=idempotency_key,
                    posted_by=by if getattr(by, "is_authenticated", False) else None,
                    late=late and fields.get("kind") not in (LineKind.PAYMENT,),
                    **fields,
                )
        except IntegrityError:
            if idempotency_key:  # a concurrent copy of the same posting won
                return FolioLine.objects.filter(idempotency_key=idempotency_key).first()
            raise
        signals.charge_posted.send(sender=FolioLine, lines=[line])
        return line


def folio_post_charge(
    *,
    folio: Folio,
    kind: str,
    description: str,
    amount: Decimal,
    tax_rate: Decimal = ZERO,
    by=None,
    source: str = LineSource.DESK,
    idempotency_key: str | None = None,
    quantity: int = 1,
    posted_via: str = "",
) -> FolioLine:
    if kind not in (LineKind.SERVICE, LineKind.ADJUSTMENT, LineKind.ROOM_NIGHT):
        raise BillingError("Post calls through the call records and minibar through the minibar.")
    description = (description or "").strip()
    if not description:
        raise BillingError("Describe the charge; the guest reads it on the invoice.")
    if kind == LineKind.SERVICE and amount <= 0:
        raise BillingError("A service charge is a positive amount; use an adjustment or a payment.")
    return _post_line(
        folio,
        kind=kind,
        description=description[:255],
        quantity=quantity,
        unit_price=quantize(amount / quantity),
        amount=quantize(amount),
        tax_rate=tax_rate,
        source=source,
        by=by,
        idempotency_key=idempotency_key,
        posted_via=posted_via[:80],
    )


def folio_record_payment(
    *,
    folio: Folio,
    amount: Decimal,
    method: str,
    by=None,
    reference: str = "",
    idempotency_key: str | None = None,
) -> FolioLine:
    """A payment received (cash, card, company account): recorded, no card is processed."""
    if method not in PaymentMethod.values:
        raise BillingError("Choose how the guest paid: cash, card or company account.")
    amount = quantize(amount)
    if amount <= 0:
        raise BillingError("A payment is a positive amount.")
    label = PaymentMethod(method).label
    return _post_line(
        folio,
        kind=LineKind.PAYMENT,
        description=f"Payment, {label.lower()}"
        + (f" ({reference.strip()[:80]})" if reference.strip() else ""),
        amount=-amount,
        unit_price=-amount,
        payment_method=method,
        source=LineSource.DESK,
        by=by,
        idempotency_key=idempotency_key,
    )


def folio_line_reverse(*, line: FolioLine, by, reason: str, _check_role: bool = True) -> FolioLine:
    """Void a line by posting its reversal (at most once per line, by the database)."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Say why the line is voided; the reason stays on the folio.")
    if line.reverses_id is not None:
        raise BillingError("This line is itself a reversal; post a new charge instead.")
    with transaction.atomic():
        line = FolioLine.objects.select_related("folio").get(pk=line.pk)  # as posted, not as held in memory
        if FolioLine.objects.filter(reverses=line).exists():
            raise BillingError("This line was voided already.")
        try:
            with transaction.atomic():
                reversal = _post_line(
                    line.folio,
                    kind=line.kind,
                    description=f"Void: {line.description}"[:255],
                    quantity=line.quantity,
                    unit_price=-line.unit_price,
                    amount=-line.amount,
                    tax_rate=line.tax_rate,
                    source=LineSource.DESK,
                    by=by,
                    reverses=line,
                    reason=reason[:200],
                    call_record=line.call_record,
                    minibar_item=line.minibar_item,
                    payment_method=line.payment_method,
                    service_date=line.service_date,
                )
        except IntegrityError:
            raise BillingError("This line was voided already.") from None
        signals.charge_voided.send(sender=FolioLine, line=line, reversal=reversal)
        audit_record(
            actor=by,
            action="folio.void",
            obj=line,
            summary=f"Voided {line.description[:80]} ({line.amount}): {reason[:80]}",
        )
    return reversal


def folio_post_room_nights(*, stay: Stay, by=None) -> int:
    """One line per night at the room type's rate (optional; each night posts once)."""
    rate = stay.room_type.rack_rate if stay.room_type_id else ZERO
    if not rate:
        return 0
    folio = folio_for_stay(stay)
    posted = 0
    for offset in range(stay.nights):
        night = stay.arrival + dt.timedelta(days=offset)
        key = f"night:{stay.pk}:{night.isoformat()}"
        if FolioLine.objects.filter(idempotency_key=key).exists():
            continue
        _post_line(
            folio,
            kind=LineKind.ROOM_NIGHT,
            description=f"Room {stay.room.number if stay.room_id else ''}, night of {night:%d %b %Y}",
            unit_price=rate,
            amount=quantize(rate),
            source=LineSource.SYSTEM,
            by=by,
            idempotency_key=key,
            service_date=night,
        )
        posted += 1
    return posted


# ----------------------------------------------------------------------------------------------------
# Minibar
# ----------------------------------------------------------------------------------------------------


def stay_for_room_posting(room: Room) -> Stay | None:
    """The in-house stay, or the last one to leave (its postings become late charges)."""
    current = room.stays.filter(status=StayStatus.IN_HOUSE).first()
    if current is not None:
        return current
    return (
        Stay.objects.filter(status=StayStatus.CHECKED_OUT, room=room)
        .order_by("-checked_out_at", "-id")
        .first()
    )


def check_stay_can_be_charged(stay: Stay) -> None:
    """Charges go to a guest who is in house or has left (a late charge); never to a booking."""
    if stay.status not in (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT):
        raise BillingError("Charges are posted to a guest who is in house or has left, not to a booking.")


@dataclass(frozen=True)
class MinibarCount:
    code: str
    quantity: int


def minibar_post(
    *,
    room: Room,
    counts: list[MinibarCount],
    source: str,
    by=None,
    idempotency_key: str,
    stay: Stay | None = None,
    posted_via: str = "",
) -> list[FolioLine]:
    """Post minibar consumption for a room (or for the given stay); the same idempotency key posts once
    (a double tap, a resent report). All counts are checked first; nothing is posted if one is wrong."""
    if not idempotency_key:
        raise BillingError("A minibar posting needs an idempotency key.")
    counts = [c for c in counts if c.quantity]
    if not counts:
        raise BillingError("Count at least one item.")
    items = {i.code: i for i in MinibarItem.objects.filter(code__in=[c.code for c in counts], active=True)}
    problems = [f"no active minibar item with code {c.code}" for c in counts if c.code not in items]
    problems += [
        f"{c.code}: quantity {c.quantity} is not between 1 and 99" for c in counts if not 0 < c.quantity < 100
    ]
    if problems:
        raise BillingError("; ".join(problems).capitalize() + ".")
    if stay is not None:
        check_stay_can_be_charged(stay)
    else:
        stay = stay_for_room_posting(room)
    if stay is None:
        raise BillingError(f"Room {room.number} has had no guest to charge.")
    lines = []
    with transaction.atomic():
        folio = folio_for_stay(stay)  # takes the stay's lock for the whole posting
        for index, count in enumerate(counts):
            item = items[count.code]
            line = _post_line(
                folio,
                kind=LineKind.MINIBAR,
                description=f"Minibar: {count.quantity} × {item.name}",  # noqa: RUF001
                quantity=count.quantity,
                unit_price=item.price,
                amount=quantize(item.price * count.quantity),
                tax_rate=item.tax_rate,
                source=source,
                by=by,
                minibar_item=item,
                posted_via=posted_via[:80],
                idempotency_key=f"minibar:{idempotency_key}:{index}:{count.code}"[:200],
                service_date=hotel_today(),
            )
            lines.append(line)
    return lines


# ----------------------------------------------------------------------------------------------------
# Check-out with the folio
# ----------------------------------------------------------------------------------------------------


def check_out_guard(*, stay: Stay, by=None, **_) -> None:
    """Called by rooms' check-out inside its transaction (stay row locked): the folio must be settled,
    or a manager has recorded an override for the current balance. The folio is closed on success, so
    later postings become late charges."""
    folio = Folio.objects.select_for_update().filter(stay=stay).first()
    if folio is None:
        folio = folio_for_stay(stay)
        folio = Folio.objects.select_for_update().get(pk=folio.pk)
    balance = folio_balance(folio)
    if balance != ZERO:
        override = folio.overrides.filter(balance=balance).order_by("-at").first()
        if override is None:
            raise BillingError(
                f"The folio has a balance of {balance} {settings.CURRENCY}: record a payment on the folio "
                "page first, or a manager can let the guest leave with a reason there.",
                code="folio_balance",
            )
    folio.closed_at = timezone.now()
    folio.save(update_fields=["closed_at"])


def _wait_for_call_to_end(room: Room, seconds: float) -> bool:
    """True if the room phone is (still) busy after waiting up to `seconds` for the call to end."""
    deadline = time.monotonic() + max(0.0, seconds)
    while True:
        busy = Room.objects.filter(pk=room.pk, phone_status__iexact="busy").exists()
        if not busy or time.monotonic() >= deadline:
            return busy
        time.sleep(0.25)


def folio_check_out(*, stay: Stay, by, override_reason: str = "", wait_seconds: float | None = None) -> Stay:
    """Check a guest out from the folio page: a manager may let them leave with a balance (reason kept)."""
    from rooms.services import stay_check_out

    if stay.room_id:
        wait = settings.CHECKOUT_CALL_WAIT_SECONDS if wait_seconds is None else wait_seconds
        _wait_for_call_to_end(stay.room, wait)  # a charge still arriving after this is a late charge
    with transaction.atomic():
        folio = Folio.objects.select_for_update().get(pk=folio_for_stay(stay).pk)
        balance = folio_balance(folio)
        override_reason = (override_reason or "").strip()
        if balance != ZERO and override_reason:
            if not has_role(by, Role.MANAGER):
                raise BillingError("Only a manager can let a guest leave with a balance.")
            CheckOutOverride.objects.create(folio=folio, balance=balance, reason=override_reason[:200], by=by)
            audit_record(
                actor=by,
                action="folio.override",
                obj=folio,
                summary=f"Check-out with a balance of {balance}: {override_reason[:120]}",
            )
        return stay_check_out(stay=stay, by=by)


# ----------------------------------------------------------------------------------------------------
# Invoices
# ----------------------------------------------------------------------------------------------------


def invoice_issue(*, folio: Folio, by=None) -> Invoice:
    """Number an invoice for the folio as it stands; numbers run without gaps per year."""
    with transaction.atomic():
        folio = Folio.objects.select_for_update().get(pk=folio.pk)
        last_line = folio.lines.order_by("-id").first()
        if last_line is None:
            raise BillingError("The folio has no lines to invoice.")
        year = timezone.now().astimezone(hotel_zone()).year
        InvoiceCounter.objects.get_or_create(year=year)
        counter = InvoiceCounter.objects.select_for_update().get(year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        invoice = Invoice.objects.create(
            folio=folio,
            year=year,
            number=counter.last_number,
            issued_by=by if getattr(by, "is_authenticated", False) else None,
            total=folio_balance_until(folio, last_line.pk, charges_only=True),
            last_line=last_line,
        )
        audit_record(actor=by, action="invoice.issue", obj=invoice, summary=f"Invoice {invoice.label} issued")
    return invoice


def folio_balance_until(folio: Folio, last_line_id: int, *, charges_only: bool = False) -> Decimal:
    lines = folio.lines.filter(id__lte=last_line_id)
    if charges_only:
        lines = lines.exclude(kind=LineKind.PAYMENT)
    return quantize(lines.aggregate(total=Sum("amount"))["total"] or ZERO)


# ----------------------------------------------------------------------------------------------------
# Many call records at once (back-fill of a day's CDRs, a replay after an outage)
# ----------------------------------------------------------------------------------------------------


class _StayIndex:
    """Who held which room when, for a batch of calls: the same answer as rooms.selectors.stay_in_room_at,
    from one query instead of one per call."""

    def __init__(self, room_ids: set[int], earliest: dt.datetime, latest: dt.datetime):
        from django.db.models import Prefetch, Q

        from rooms.models import RoomMove

        stays = (
            Stay.objects.filter(checked_in_at__lt=latest + dt.timedelta(seconds=1))
            .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=earliest))
            .filter(
                Q(room_id__in=room_ids)
                | Q(moves__from_room_id__in=room_ids)
                | Q(moves__to_room_id__in=room_ids)
            )
            .distinct()
            .prefetch_related(
                Prefetch("moves", queryset=RoomMove.objects.order_by("moved_at"), to_attr="moves_by_time")
            )
            .order_by("-checked_in_at")
        )
        self.by_room: dict[int, list[Stay]] = {}
        for stay in stays:
            held = (
                {stay.room_id}
                | {m.from_room_id for m in stay.moves_by_time}
                | {m.to_room_id for m in stay.moves_by_time}
            )
            for room_id in held:
                self.by_room.setdefault(room_id, []).append(stay)

    @staticmethod
    def _room_at(stay: Stay, moment: dt.datetime) -> int | None:
        moves = stay.moves_by_time
        if not moves:
            return stay.room_id
        room_id = moves[0].from_room_id
        for move in moves:
            if move.moved_at <= moment:
                room_id = move.to_room_id
        return room_id

    def stay_at(self, room_id: int, moment: dt.datetime | None) -> Stay | None:
        if moment is None:
            return None
        for stay in self.by_room.get(room_id, ()):
            in_house = stay.checked_in_at < moment + dt.timedelta(seconds=1) and (
                stay.checked_out_at is None or stay.checked_out_at > moment
            )
            if in_house and self._room_at(stay, moment) == room_id:
                return stay
        return None


def calls_post_batch(cdrs: list, *, serial: str, book: TariffBook | None = None) -> int:
    """Keep, rate and post many call records in one transaction; records already kept are skipped.
    Returns how many were new. Same outcome as call_record_from_cdr for each, in a fraction of the
    queries. A concurrent writer of the same records makes the batch fall back to one call at a time."""
    serial = serial[:32]
    rows = []
    for cdr in cdrs:
        if not cdr.callid:
            continue
        key = (
            cdr.callid[:64],
            (cdr.callfrom or "")[:64],
            (cdr.callto or "")[:64],
            (cdr.timestart or "")[:32],
        )
        rows.append((key, cdr))
    if not rows:
        return 0
    unique = dict(rows)  # a CDR twice in one batch is one call
    existing = set(
        CallRecord.objects.filter(pbx_serial=serial, callid__in={k[0] for k in unique}).values_list(
            "callid", "caller", "callee", "timestart"
        )
    )
    todo = [(k, c) for k, c in unique.items() if k not in existing]
    if not todo:
        return 0
    book = book or TariffBook()
    extensions = set()
    for _, cdr in todo:
        extensions.add(cdr.callfrom if (cdr.type or "").lower() != "inbound" else cdr.callto)
    rooms_by_ext = {r.extension: r for r in Room.objects.filter(extension__in=extensions)}
    starts = {k: pbx_time_to_utc(c.timestart or "") for k, c in todo}
    known = [s for s in starts.values() if s is not None]
    index = (
        _StayIndex({r.pk for r in rooms_by_ext.values()}, min(known), max(known))
        if known and rooms_by_ext
        else None
    )
    now = timezone.now()
    records = []
    for key, cdr in todo:
        started = starts[key]
        room = rooms_by_ext.get(cdr.callfrom if (cdr.type or "").lower() != "inbound" else cdr.callto)
        stay = index.stay_at(room.pk, started) if (index and room) else None
        record = CallRecord(
            pbx_serial=serial,
            callid=key[0],
            caller=key[1],
            callee=key[2],
            timestart=key[3],
            started_at=started,
            call_type=(cdr.type or "")[:16],
            status=(cdr.status or "")[:16],
            call_seconds=min(cdr.call_seconds, MAX_SECONDS),
            talk_seconds=min(cdr.talk_seconds, MAX_SECONDS),
            trunk=(cdr.dst_trunk or cdr.src_trunk or "")[:64],
            room=room,
            stay=stay,
        )
        rating, version = rate_record(record, book)
        _apply_rating(record, rating, version)
        record.rated_at = now
        records.append(record)
    try:
        with transaction.atomic():
            lock_stay_for_posting([r.stay_id for r in records])
            created = CallRecord.objects.bulk_create(records)
            if any(r.pk is None for r in created):  # a database that returns no ids: read them back
                ids = dict(
                    ((c, f, t, s), pk)
                    for c, f, t, s, pk in CallRecord.objects.filter(
                        pbx_serial=serial, callid__in={r.callid for r in records}
                    ).values_list("callid", "caller", "callee", "timestart", "pk")
                )
                for r in created:
                    r.pk = r.id = ids[(r.callid, r.caller, r.callee, r.timestart)]
            lines = _post_call_lines_batch([r for r in created if r.outcome == CallOutcome.CHARGED])
            signals.call_rated.send(sender=CallRecord, records=created, lines=lines, rerated=False)
    except IntegrityError:
        for _, cdr in todo:  # someone else kept some of these a moment ago: one at a time
            call_record_from_cdr(cdr=cdr, serial=serial)
    return len(records)


def _post_call_lines_batch(records: list[CallRecord]) -> dict[int, FolioLine]:
    """Post the charged records' lines; returns them by call record id."""
    if not records:
        return {}
    stay_ids = {r.stay_id for r in records}
    missing = stay_ids - set(Folio.objects.filter(stay_id__in=stay_ids).values_list("stay_id", flat=True))
    if missing:  # one insert for every stay without a folio yet; a concurrent creator wins quietly
        Folio.objects.bulk_create(
            [Folio(kind=FolioKind.STAY, stay_id=s) for s in missing], ignore_conflicts=True
        )
    # lock every folio touched, in a stable order (the same lock check-out takes)
    locked = {
        f.stay_id: f for f in Folio.objects.select_for_update().filter(stay_id__in=stay_ids).order_by("pk")
    }
    tax = {}
    lines = []
    for record in records:
        folio = locked[record.stay_id]
        version = record.tariff_version
        if version.pk not in tax:
            tax[version.pk] = version.tax_rate
        lines.append(
            FolioLine(
                folio=folio,
                kind=LineKind.CALL,
                description=_call_description(record),
                quantity=1,
                unit_price=record.price,
                amount=record.price,
                tax_rate=tax[version.pk],
                source=LineSource.CALL_RECORD,
                idempotency_key=f"call:{record.pk}:r{record.rating_revision}",
                call_record=record,
                late=folio.closed_at is not None,
                service_date=record.started_at.astimezone(hotel_zone()).date() if record.started_at else None,
            )
        )
    FolioLine.objects.bulk_create(lines)
    signals.charge_posted.send(sender=FolioLine, lines=lines)
    return {line.call_record_id: line for line in lines}

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from rooms.models import Room, Stay

from .rating import Reason

MONEY = {"max_digits": 12, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 2}


class TariffVersion(models.Model):
    """One imported version of a tariff document. The one in force at a call's start prices it."""

    name = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    valid_from = models.DateField(
        help_text="Local date (HOTEL_TIME_ZONE) from which this version prices calls."
    )
    tax_rate = models.DecimalField(**RATE, default=Decimal("0"))
    source = models.TextField(help_text="The document as imported, exported unchanged.")
    definition = models.JSONField(help_text="The checked document, as the rating engine reads it.")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "-imported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="one_tariff_version_number")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} (from {self.valid_from})"


class CallOutcome(models.TextChoices):
    PENDING = "pending", "Not rated yet"
    CHARGED = "charged", "Charged"
    FREE = "free", "Free"
    BARRED = "barred", "Barred (not charged)"
    UNCHARGED = "uncharged", "Uncharged"


REASON_CHOICES = [(code, label) for code, label in Reason.LABELS.items()]


class CallRecord(models.Model):
    """One call leg the PBX reported (NewCdr), kept once per (PBX serial, callid, from, to, timestart).

    A second leg under the same callid (transfer, forward) is a call of its own. Every record gets a
    rating outcome and reason; a charged one has exactly one current folio line.
    """

    pbx_serial = models.CharField(max_length=32)
    callid = models.CharField(max_length=64)
    timestart = models.CharField(max_length=32, blank=True, default="", help_text="As the PBX sent it")
    started_at = models.DateTimeField(null=True, blank=True, help_text="timestart, converted from PBX time")
    call_type = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, blank=True)
    caller = models.CharField(max_length=64, blank=True)
    callee = models.CharField(max_length=64, blank=True)
    call_seconds = models.PositiveIntegerField(default=0)
    talk_seconds = models.PositiveIntegerField(default=0)
    trunk = models.CharField(max_length=64, blank=True)
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="call_records"
    )
    stay = models.ForeignKey(
        Stay, null=True, blank=True, on_delete=models.PROTECT, related_name="call_records"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    # the rating (re-rating replaces these; the folio keeps every posted line)
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices, default=CallOutcome.PENDING)
    reason = models.CharField(max_length=24, choices=REASON_CHOICES, blank=True)
    number = models.CharField(max_length=64, blank=True, help_text="After stripping; what the tariff matched")
    rule_name = models.CharField(max_length=80, blank=True)
    tariff_version = models.ForeignKey(
        TariffVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="call_records"
    )
    price = models.DecimalField(**MONEY, default=Decimal("0.00"))
    explanation = models.CharField(max_length=255, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    rating_revision = models.PositiveIntegerField(default=0)
    # any change (a re-rating) dates the record, so an incremental reader (the partner API's
    # `updated_since`, cursor pages by (updated_at, id)) gets it again
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pbx_serial", "callid", "caller", "callee", "timestart"],
                name="one_record_per_pbx_call_leg",
            )
        ]
        indexes = [
            models.Index(fields=["outcome", "reason"]),
            models.Index(fields=["room", "started_at"]),
            models.Index(fields=["updated_at", "id"], name="callrecord_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.call_type} {self.caller} -> {self.callee} ({self.talk_seconds}s)"

    @property
    def reason_label(self) -> str:
        return Reason.LABELS.get(self.reason, self.reason)


class FolioKind(models.TextChoices):
    STAY = "stay", "Stay"
    HOUSE = "house", "House account"


class Folio(models.Model):
    """One per stay, plus named house accounts. The balance is always the sum of its lines."""

    kind = models.CharField(max_length=8, choices=FolioKind.choices, default=FolioKind.STAY)
    stay = models.OneToOneField(Stay, null=True, blank=True, on_delete=models.PROTECT, related_name="folio")
    name = models.CharField(max_length=80, blank=True, help_text="House accounts: the account's name")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="stay", stay__isnull=False) | Q(kind="house", stay__isnull=True),
                name="folio_stay_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(kind="house"), name="one_house_account_per_name"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == FolioKind.HOUSE:
            return f"House account {self.name}"
        return f"Folio of {self.stay}"


class LineKind(models.TextChoices):
    CALL = "call", "Phone call"
    MINIBAR = "minibar", "Minibar"
    SERVICE = "service", "Service"
    ROOM_NIGHT = "room_night", "Room night"
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment"


class LineSource(models.TextChoices):
    CALL_RECORD = "call_record", "Call record"
    TABLET = "tablet", "Housekeeping tablet"
    DESK = "desk", "Front desk"
    ROOM_PHONE = "room_phone", "Room phone"
    API = "api", "API"
    SYSTEM = "system", "System"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    COMPANY = "company", "Company account"


class LedgerIsAppendOnly(Exception):
    """Posted folio lines are never changed or deleted; a correction is a reversal line."""


class FolioLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerIsAppendOnly("Posted folio lines cannot be changed; post a reversal.")

    def delete(self):
        raise LedgerIsAppendOnly("Posted folio lines cannot be deleted; post a reversal.")


class FolioLine(models.Model):
    """One posting. Charges are positive, payments and reversals negative. Never updated or deleted
    (a PostgreSQL trigger refuses it; the model refuses it on every database)."""

    folio = models.ForeignKey(Folio, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=16, choices=LineKind.choices)
    description = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(**MONEY, default=Decimal("0.00"))
    amount = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(
        **RATE, default=Decimal("0"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    source = models.CharField(max_length=16, choices=LineSource.choices)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    posted_via = models.CharField(
        max_length=80,
        blank=True,
        help_text="The API client that posted it, by name as it was then (the desk reads who charged it)",
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    call_record = models.ForeignKey(
        CallRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="folio_lines"
    )
    minibar_item = models.ForeignKey(
        "MinibarItem", null=True, blank=True, on_delete=models.PROTECT, related_name="folio_lines"
    )
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.CharField(max_length=200, blank=True, help_text="Why a reversal or adjustment was posted")
    late = models.BooleanField(default=False, help_text="Posted after the guest checked out")
    service_date = models.DateField(null=True, blank=True)

    objects = FolioLineQuerySet.as_manager()

    class Meta:
        ordering = ["posted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reason=""), name="reversal_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["kind", "posted_at"]), models.Index(fields=["late", "folio"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerIsAppendOnly("Posted folio lines cannot be changed; post a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("Posted folio lines cannot be deleted; post a reversal.")


class CheckOutOverride(models.Model):
    """A manager let a stay leave with a balance; why, who and how much."""

    folio = models.ForeignKey(Folio, on_delete=models.PROTECT, related_name="overrides")
    balance = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Override of {self.balance} on folio {self.folio_id}: {self.reason}"


class MinibarItem(models.Model):
    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[
            RegexValidator(r"^\d{1,8}$", "A minibar code is 1 to 8 digits (keyed on the room phone).")
        ],
    )
    name = models.CharField(max_length=80)
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    tax_rate = models.DecimalField(
        **RATE, default=Decimal("0"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InvoiceCounter(models.Model):
    """The last invoice number of a year; locked while an invoice is issued, so numbers have no gaps
    (a database sequence would skip numbers when a transaction rolls back)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    folio = models.ForeignKey(Folio, on_delete=models.PROTECT, related_name="invoices")
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(**MONEY)
    last_line = models.ForeignKey(
        FolioLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The invoice shows the folio up to and including this line.",
    )

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="one_invoice_number_per_year")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}-{self.number:05d}"

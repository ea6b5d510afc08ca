"""Rooms, guests and stays. Occupancy is derived from stays and never stored on the room."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from .search import fold


class RoomType(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=64)
    capacity = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    rack_rate = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class HousekeepingStatus(models.TextChoices):
    DIRTY = "dirty", "Dirty"
    CLEAN = "clean", "Clean"
    INSPECTED = "inspected", "Inspected"


class ServiceState(models.TextChoices):
    IN_SERVICE = "none", "In service"
    OUT_OF_ORDER = "out_of_order", "Out of order"
    OUT_OF_SERVICE = "out_of_service", "Out of service"


class RoomStatusTarget(models.TextChoices):
    """What a tap on the tablet, a desk change or a phone code can ask a room to become: a housekeeping
    status, out of order / out of service, or back in service. Not stored as such on a room."""

    DIRTY = HousekeepingStatus.DIRTY.value, "Dirty"
    CLEAN = HousekeepingStatus.CLEAN.value, "Clean"
    INSPECTED = HousekeepingStatus.INSPECTED.value, "Inspected"
    OUT_OF_ORDER = ServiceState.OUT_OF_ORDER.value, "Out of order"
    OUT_OF_SERVICE = ServiceState.OUT_OF_SERVICE.value, "Out of service"
    IN_SERVICE = "in_service", "Back in service"

    @property
    def is_housekeeping(self) -> bool:
        """Dirty, clean or inspected: the housekeeping cycle."""
        return self.value in HousekeepingStatus.values

    @property
    def takes_out_of_service(self) -> bool:
        """Out of order or out of service: the room cannot take a guest."""
        return self in (RoomStatusTarget.OUT_OF_ORDER, RoomStatusTarget.OUT_OF_SERVICE)


class Room(models.Model):
    number = models.CharField(max_length=8, unique=True)
    floor = models.SmallIntegerField(db_index=True)
    extension = models.CharField(
        max_length=7,
        unique=True,
        validators=[RegexValidator(r"^\d{1,7}$", "A PBX extension is 1 to 7 digits.")],
        help_text="The room phone's extension number on the PBX.",
    )
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="rooms")
    housekeeping_status = models.CharField(
        max_length=16, choices=HousekeepingStatus.choices, default=HousekeepingStatus.CLEAN
    )
    service_state = models.CharField(
        max_length=16, choices=ServiceState.choices, default=ServiceState.IN_SERVICE
    )
    service_reason = models.CharField(max_length=200, blank=True)
    service_until = models.DateField(null=True, blank=True)
    dnd = models.BooleanField("do not disturb", default=False)
    features = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated, e.g. sea view, accessible, quiet."
    )
    notes = models.TextField(blank=True)
    phone_status = models.CharField(
        max_length=16, blank=True, help_text="The room phone as the PBX last reported it (Idle, Busy, ...)."
    )
    phone_status_at = models.DateTimeField(null=True, blank=True)
    housekeeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_rooms",
        help_text="Who cleans the room on `housekeeper_on` (assigned by a supervisor).",
    )
    housekeeper_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["floor", "number"]
        permissions = [
            ("supervise_housekeeping", "Can assign rooms to housekeepers and mark rooms inspected"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="room_updated_idx")]

    def __str__(self) -> str:
        return f"Room {self.number}"

    @property
    def feature_list(self) -> list[str]:
        return [f.strip() for f in self.features.split(",") if f.strip()]

    @property
    def in_service(self) -> bool:
        return self.service_state == ServiceState.IN_SERVICE

    @property
    def is_out_of_order(self) -> bool:
        return self.service_state == ServiceState.OUT_OF_ORDER

    def current_stay(self):
        """The in-house stay, or None. Boards prefetch it; see selectors.board_rooms."""
        prefetched = getattr(self, "in_house_stays", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.stays.filter(status=StayStatus.IN_HOUSE).select_related("guest").first()

    @property
    def is_occupied(self) -> bool:
        return self.current_stay() is not None


class Language(models.TextChoices):
    EN = "en", "English"
    DE = "de", "German"
    FR = "fr", "French"
    ES = "es", "Spanish"
    IT = "it", "Italian"
    NL = "nl", "Dutch"
    ZH = "zh", "Chinese"
    JA = "ja", "Japanese"


class GuestQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create skips save(): fill the folded search name here too."""
        objs = list(objs)
        for guest in objs:
            guest.refresh_search_name()
        return super().bulk_create(objs, *args, **kwargs)


class Guest(models.Model):
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80)
    language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.EN, help_text="Language of phone prompts."
    )
    vip = models.BooleanField("VIP", default=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    document_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    search_name = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="First and last name without accents and in lower case, for searching (kept by save).",
    )

    objects = GuestQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.refresh_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def refresh_search_name(self) -> None:
        self.search_name = fold(f"{self.first_name} {self.last_name}")[:200]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def door_name(self) -> str:
        """What housekeeping may see: title-style surname only."""
        return self.last_name


class StayStatus(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    IN_HOUSE = "in_house", "In house"
    CHECKED_OUT = "checked_out", "Checked out"
    CANCELLED = "cancelled", "Cancelled"


class PhoneClass(models.TextChoices):
    """Class of phone service: how far the room phone may dial."""

    INTERNAL = "internal", "Internal only"
    LOCAL = "local", "Local"
    NATIONAL = "national", "National"
    INTERNATIONAL = "international", "International"


NOTES_MAX = 4000  # a stay's or a room's notes, wherever they are written (desk pages, the API)


class Stay(models.Model):
    guest = models.ForeignKey(Guest, on_delete=models.PROTECT, related_name="stays")
    sharers = models.ManyToManyField(Guest, blank=True, related_name="shared_stays")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="stays", null=True, blank=True)
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    arrival = models.DateField()
    departure = models.DateField()
    adults = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(max_length=16, choices=StayStatus.choices, default=StayStatus.RESERVED)
    phone_class = models.CharField(max_length=16, choices=PhoneClass.choices, default=PhoneClass.NATIONAL)
    voicemail_pin = models.CharField(max_length=8, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    early_departure = models.BooleanField(default=False)
    eta = models.TimeField("expected arrival time", null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["arrival", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(status="in_house"), name="one_in_house_stay_per_room"
            ),
            models.CheckConstraint(
                condition=Q(departure__gt=models.F("arrival")), name="stay_departs_after_arrival"
            ),
            models.CheckConstraint(
                condition=~Q(status="in_house") | Q(room__isnull=False), name="in_house_stay_has_room"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "arrival"]),
            models.Index(fields=["status", "departure"]),
            models.Index(fields=["updated_at", "id"], name="stay_updated_idx"),
        ]

    def __str__(self) -> str:
        where = f"room {self.room.number}" if self.room_id else "no room"
        return f"{self.guest} ({where}, {self.arrival} to {self.departure})"

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


class StatusSource(models.TextChoices):
    DESK = "desk", "Front desk"
    TABLET = "tablet", "Housekeeping tablet"
    PHONE = "phone", "Room phone"
    SYSTEM = "system", "System"
    API = "api", "API"


class RoomStatusChange(models.Model):
    """History of a room's housekeeping and service status (who, when, from where)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=8, choices=StatusSource.choices)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.room.number}: {self.from_status} -> {self.to_status} ({self.source})"


class RoomMove(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="moves")
    from_room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="moves_out")
    to_room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="moves_in")
    reason = models.CharField(max_length=200, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.stay.guest}: {self.from_room.number} -> {self.to_room.number}"

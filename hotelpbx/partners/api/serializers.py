"""Input and output shapes only: the rules live in rooms.services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rooms.models import Language, PhoneClass, Room, RoomStatusTarget, RoomType, Stay

from ..webhooks import EVENT_TYPES


class Input(serializers.Serializer):
    """A request body: a field this operation does not know is an error, not silently dropped (a
    misspelt `departue` would otherwise answer 200 and change nothing)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


_DATETIME = serializers.DateTimeField()


class ByKey(serializers.SlugRelatedField):
    """A room by its number, a room type by its code. A key no row can have (not text, a NUL, too
    long) is "does not exist" without asking the database (PostgreSQL refuses NUL in a query)."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)  # a room number sent as a JSON number
        if not isinstance(data, str) or not data or len(data) > 64 or not data.isprintable():
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:64])
        return super().to_internal_value(data)


# --- rooms ---------------------------------------------------------------------------------------


class PbxSyncSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["in_sync", "pending", "failed"])
    message = serializers.CharField()


class RoomOutSerializer(serializers.ModelSerializer):
    room_type = serializers.CharField(source="room_type.code")
    occupied = serializers.SerializerMethodField()
    pbx_sync = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = [
            "number",
            "floor",
            "extension",
            "room_type",
            "occupied",
            "housekeeping_status",
            "service_state",
            "service_reason",
            "service_until",
            "dnd",
            "phone_status",
            "pbx_sync",
            "updated_at",
        ]

    def get_occupied(self, room) -> bool:
        return room.occupied_now if hasattr(room, "occupied_now") else room.is_occupied

    def to_representation(self, room):
        """The declared fields, read directly: a page is 50 rooms, and DRF's generic per-field path
        cost about as much as the page's query (tests hold this to the generic answer)."""
        state, message = getattr(room, "pbx_sync", ("in_sync", ""))
        return {
            "number": room.number,
            "floor": room.floor,
            "extension": room.extension,
            "room_type": room.room_type_code if hasattr(room, "room_type_code") else room.room_type.code,
            "occupied": self.get_occupied(room),
            "housekeeping_status": room.housekeeping_status,
            "service_state": room.service_state,
            "service_reason": room.service_reason,
            "service_until": room.service_until.isoformat() if room.service_until else None,
            "dnd": room.dnd,
            "phone_status": room.phone_status,
            "pbx_sync": {"state": state, "message": message},
            "updated_at": _DATETIME.to_representation(room.updated_at),
        }

    @extend_schema_field(PbxSyncSerializer)
    def get_pbx_sync(self, room):
        state, message = getattr(room, "pbx_sync", ("in_sync", ""))
        return {"state": state, "message": message}


class RoomPatchSerializer(Input):
    status = serializers.ChoiceField(
        choices=RoomStatusTarget.choices,
        required=False,
        help_text="dirty/clean/inspected (housekeeping), out_of_order/out_of_service (with a reason), "
        "in_service (back from maintenance; the room becomes dirty).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    until = serializers.DateField(required=False, allow_null=True)
    dnd = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if "status" not in attrs and "dnd" not in attrs:
            raise serializers.ValidationError("Send 'status', 'dnd' or both.")
        return attrs


# --- stays ---------------------------------------------------------------------------------------


class GuestSerializer(Input):
    first_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=80)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.EN)
    vip = serializers.BooleanField(default=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class StayOutSerializer(serializers.ModelSerializer):
    external_id = serializers.CharField(source="partner_link.external_id")
    guest = GuestSerializer()
    room = serializers.CharField(source="room.number", allow_null=True, default=None)
    room_type = serializers.CharField(source="room_type.code", allow_null=True, default=None)

    class Meta:
        model = Stay
        fields = [
            "id",
            "external_id",
            "status",
            "guest",
            "room",
            "room_type",
            "arrival",
            "departure",
            "adults",
            "phone_class",
            "notes",
            "checked_in_at",
            "checked_out_at",
            "early_departure",
            "created_at",
            "updated_at",
        ]


class StayCreateSerializer(Input):
    external_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Your own reservation id."
    )
    guest = GuestSerializer()
    arrival = serializers.DateField()
    departure = serializers.DateField()
    room = ByKey(
        slug_field="number", queryset=Room.objects.all(), required=False, allow_null=True, default=None
    )
    room_type = ByKey(
        slug_field="code", queryset=RoomType.objects.all(), required=False, allow_null=True, default=None
    )
    adults = serializers.IntegerField(min_value=1, max_value=20, default=1)
    phone_class = serializers.ChoiceField(choices=PhoneClass.choices, required=False)
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, default="", help_text="For the desk to read."
    )


class GuestPatchSerializer(Input):
    """Only what is sent changes."""

    first_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=80, required=False)
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="Language of phone prompts."
    )
    vip = serializers.BooleanField(required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class StayPatchSerializer(Input):
    """Only what is sent changes; a field sent with its current value changes nothing."""

    guest = GuestPatchSerializer(required=False)
    arrival = serializers.DateField(required=False, help_text="Reservations only.")
    departure = serializers.DateField(
        required=False, help_text="A reservation's, or an in-house guest's (today at the earliest)."
    )
    room = ByKey(
        slug_field="number",
        queryset=Room.objects.all(),
        required=False,
        allow_null=True,
        help_text="Reservations only; null: no room assigned yet. An in-house guest moves with .../move/.",
    )
    room_type = ByKey(
        slug_field="code", queryset=RoomType.objects.all(), required=False, help_text="Reservations only."
    )
    adults = serializers.IntegerField(
        min_value=1, max_value=20, required=False, help_text="Reservations only."
    )
    phone_class = serializers.ChoiceField(choices=PhoneClass.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs


class CheckInSerializer(Input):
    room = ByKey(
        slug_field="number",
        queryset=Room.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The room, when the reservation has none or another is given.",
    )
    phone_class = serializers.ChoiceField(choices=PhoneClass.choices, required=False, allow_null=True)
    confirm_not_ready = serializers.BooleanField(default=False)


class CheckOutSerializer(Input):
    early_departure_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )


class MoveSerializer(Input):
    to_room = ByKey(slug_field="number", queryset=Room.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    confirm_not_ready = serializers.BooleanField(default=False)


class CancelSerializer(Input):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


# --- PBX -----------------------------------------------------------------------------------------


class PbxCommandSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    extension = serializers.CharField()
    op = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_errno = serializers.CharField()
    last_error = serializers.CharField()
    last_latency_ms = serializers.IntegerField(
        allow_null=True, help_text="How long the last attempt took (null: not tried yet)."
    )
    created_at = serializers.DateTimeField()


class PbxStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    logged_in = serializers.BooleanField()
    level = serializers.CharField()
    headline = serializers.CharField()
    api_version = serializers.CharField()
    down_since = serializers.DateTimeField(allow_null=True)
    last_heartbeat_at = serializers.DateTimeField(allow_null=True)
    last_report_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    guard_tripped = serializers.BooleanField()
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()
    no_worker = serializers.BooleanField()
    pending_commands = PbxCommandSerializer(many=True)
    failed_commands = PbxCommandSerializer(many=True)


# --- webhooks ------------------------------------------------------------------------------------


class WebhookEndpointSerializer(Input):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EVENT_TYPES)),
        required=False,
        default=list,
        help_text="The events to receive; empty means every event. "
        + " ".join(f"`{name}`: {text}" for name, text in EVENT_TYPES.items()),
    )
    is_active = serializers.BooleanField(required=False)
    disabled_reason = serializers.CharField(read_only=True)
    secret = serializers.CharField(read_only=True, help_text="Verify each delivery with it.")
    created_at = serializers.DateTimeField(read_only=True)


class WebhookDeliverySerializer(serializers.Serializer):
    message_id = serializers.CharField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    last_latency_ms = serializers.IntegerField(
        allow_null=True, help_text="How long the last attempt took (null: not tried yet)."
    )
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)

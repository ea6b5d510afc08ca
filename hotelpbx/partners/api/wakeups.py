"""Wake-up calls over the partner API: thin views over wakeup.services and wakeup.selectors.

A partner sees and changes only the wake-ups of its own stays (as with stays)."""

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from wakeup import services as wakeup_services
from wakeup.models import Recurrence, WakeupAttempt, WakeupCall, WakeupMode, WakeupSource, WakeupStatus
from wakeup.timing import hotel_zone

from .base import PartnerAPIMixin
from .filters import UPDATED_SINCE, UtcIsoDateTimeFilter
from .pagination import UpdatedCursorPagination
from .serializers import Input

# --- shapes --------------------------------------------------------------------------------------


class WakeupAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WakeupAttempt
        fields = ["callid", "at", "result", "detail"]


class WakeupOutSerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.number")
    stay = serializers.IntegerField(source="stay_id", allow_null=True)
    local_date = serializers.SerializerMethodField(help_text="The day in the hotel's time zone.")
    local_time = serializers.SerializerMethodField(help_text="HH:MM in the hotel's time zone.")
    attempts = WakeupAttemptSerializer(many=True, read_only=True, help_text="Every call to the room.")

    class Meta:
        model = WakeupCall
        fields = [
            "id",
            "room",
            "stay",
            "series",
            "recurrence",
            "weekdays",
            "due_at",
            "local_date",
            "local_time",
            "language",
            "mode",
            "status",
            "attempts_allowed",
            "interval_minutes",
            "attempts",
            "source",
            "note",
            "outcome_at",
            "created_at",
            "updated_at",
        ]

    def get_local_date(self, wakeup) -> str:
        return timezone.localtime(wakeup.due_at, hotel_zone()).date().isoformat()

    def get_local_time(self, wakeup) -> str:
        return f"{timezone.localtime(wakeup.due_at, hotel_zone()):%H:%M}"


class WakeupCreateSerializer(Input):
    stay = serializers.IntegerField(min_value=1, help_text="One of this client's stays (its id).")
    date = serializers.DateField(help_text="The (first) day, in the hotel's time zone.")
    time = serializers.TimeField(help_text="The clock time, in the hotel's time zone.")
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, default=Recurrence.ONCE)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        default=list,
        max_length=7,
        help_text="For `weekdays`: 0 = Monday .. 6 = Sunday.",
    )
    attempts = serializers.IntegerField(required=False, min_value=1, max_value=3)
    interval_minutes = serializers.IntegerField(required=False, min_value=1, max_value=60)
    mode = serializers.ChoiceField(choices=WakeupMode.choices, required=False)
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)


class WakeupChangeSerializer(Input):
    date = serializers.DateField(required=False, help_text="The new day, in the hotel's time zone.")
    time = serializers.TimeField(required=False, help_text="The new clock time, in the hotel's time zone.")
    attempts = serializers.IntegerField(required=False, min_value=1, max_value=3)
    interval_minutes = serializers.IntegerField(required=False, min_value=1, max_value=60)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give what changes: date, time, attempts or interval_minutes.")
        return attrs


# --- filters -------------------------------------------------------------------------------------


class WakeupFilter(filters.FilterSet):
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)
    room = filters.CharFilter(field_name="room__number", help_text="A room number.")
    stay = filters.NumberFilter(
        field_name="stay_id", min_value=1, max_value=2**53, help_text="One of your stays (its id)."
    )
    series = filters.UUIDFilter(help_text="Every day of one repeated request.")
    status = filters.MultipleChoiceFilter(choices=WakeupStatus.choices)
    due_from = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="gte", help_text="Due at or after.")
    due_to = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lte", help_text="Due at or before.")

    class Meta:
        model = WakeupCall
        fields = []


def partner_wakeups(partner) -> QuerySet[WakeupCall]:
    return (
        WakeupCall.objects.filter(stay__partner_link__partner=partner)
        .select_related("room")
        .prefetch_related("attempts")
    )


def _scoped(description: str, scope: str) -> str:
    return f"{description}\n\nScope: `{scope}`."


@extend_schema_view(
    list=extend_schema(
        description=_scoped("This client's stays' wake-ups, oldest change first.", "wakeups:read")
    ),
    retrieve=extend_schema(description=_scoped("One wake-up with its attempts.", "wakeups:read")),
    create=extend_schema(
        request=WakeupCreateSerializer,
        responses={201: WakeupOutSerializer},
        description=_scoped(
            "Request a wake-up for a stay (once, every day of the stay, or chosen weekdays). A repeated "
            "request makes one wake-up per day (same `series`); the answer is the first. 409 "
            "`wakeup_refused` for a time in the past, less than 2 minutes ahead, or outside the stay.",
            "wakeups:write",
        ),
    ),
    partial_update=extend_schema(
        request=WakeupChangeSerializer,
        description=_scoped(
            "Move a wake-up that has not rung yet, or change its attempts or interval (what is not "
            "given stays; a repeated wake-up changes for all its days). 409 `wakeup_refused` once it "
            "rang, or when another wake-up of the room is at that time.",
            "wakeups:write",
        ),
    ),
    destroy=extend_schema(
        responses=WakeupOutSerializer,
        description=_scoped(
            "Clear a wake-up that has not rung yet; it stays readable as `cancelled` (409 "
            "`wakeup_refused` once it rang).",
            "wakeups:write",
        ),
    ),
)
class WakeupViewSet(
    PartnerAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    required_scopes = {
        "GET": "wakeups:read",
        "POST": "wakeups:write",
        "PATCH": "wakeups:write",
        "DELETE": "wakeups:write",
    }
    serializer_class = WakeupOutSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = WakeupFilter
    lookup_value_regex = r"\d{1,18}"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WakeupCall.objects.none()
        return partner_wakeups(self.partner)

    def _answer(self, wakeup, code=status.HTTP_200_OK):
        return Response(
            WakeupOutSerializer(partner_wakeups(self.partner).get(pk=wakeup.pk)).data, status=code
        )

    def create(self, request, *args, **kwargs):
        from .. import selectors

        data = WakeupCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        stay = selectors.partner_stays(self.partner).filter(pk=v["stay"]).first()
        if stay is None:
            raise serializers.ValidationError({"stay": ["No stay of this client has that id."]})
        rows = wakeup_services.wakeup_set(
            stay=stay,
            day=v["date"],
            clock=v["time"],
            recurrence=v["recurrence"],
            weekdays=tuple(v["weekdays"]),
            attempts=v.get("attempts"),
            interval_minutes=v.get("interval_minutes"),
            mode=v.get("mode"),
            language=v.get("language") or None,
            source=WakeupSource.API,
        )
        return self._answer(rows[0], status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        wakeup = self.get_object()
        data = WakeupChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        changed = wakeup_services.wakeup_change(
            wakeup=wakeup,
            day=v.get("date"),
            clock=v.get("time"),
            attempts=v.get("attempts"),
            interval_minutes=v.get("interval_minutes"),
        )
        return self._answer(changed)

    def destroy(self, request, *args, **kwargs):
        wakeup = self.get_object()
        return self._answer(wakeup_services.wakeup_cancel(wakeup=wakeup, reason="cleared by the PMS"))

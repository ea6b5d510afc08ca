"""The partner API: thin views that parse, call one service or selector, and render."""

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hotelpbx.pbx import selectors as pbx_selectors
from rooms import selectors as rooms_selectors
from rooms import services as rooms_services
from rooms.models import StatusSource, Stay

from .. import selectors, services
from ..models import WebhookEndpoint
from .base import PartnerAPIMixin
from .filters import RoomFilter, StayFilter
from .pagination import UpdatedCursorPagination
from .serializers import (
    CancelSerializer,
    CheckInSerializer,
    CheckOutSerializer,
    MoveSerializer,
    PbxStatusSerializer,
    RoomOutSerializer,
    RoomPatchSerializer,
    StayCreateSerializer,
    StayOutSerializer,
    StayPatchSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    type={"type": "string", "minLength": 1, "maxLength": 255},
    required=False,
    description="Any unique string (e.g. a UUID). The same key with the same body returns the stored answer; "
    "with another body 422; while the first is running 409. Kept 24 hours.",
)


def _scoped(description: str, scope: str) -> str:
    return f"{description}\n\nScope: `{scope}`."


@extend_schema_view(
    list=extend_schema(description=_scoped("Rooms, oldest change first (cursor pages).", "rooms:read")),
    retrieve=extend_schema(description=_scoped("One room by its number.", "rooms:read")),
    partial_update=extend_schema(
        request=RoomPatchSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped(
            "Change a room's housekeeping or service status and/or its DND, as the desk would.", "rooms:write"
        ),
    ),
)
class RoomViewSet(PartnerAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    required_scopes = {"GET": "rooms:read", "PATCH": "rooms:write"}
    serializer_class = RoomOutSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = RoomFilter
    lookup_field = "number"
    lookup_value_regex = r"[^/\x00-\x1f\x7f]{1,8}"  # a control character is no room number (nor a query)
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.api_rooms()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rooms_selectors.annotate_sync_state(page)
        return page

    def get_object(self):
        room = super().get_object()
        rooms_selectors.annotate_sync_state([room])
        return room

    def partial_update(self, request, *args, **kwargs):
        room = super().get_object()  # the sync state is read once, for the answer
        data = RoomPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = data.validated_data
        with transaction.atomic():
            if "status" in change:
                room = rooms_services.room_set_status(
                    room=room,
                    status=change["status"],
                    source=StatusSource.API,
                    reason=change.get("reason", ""),
                    until=change.get("until"),
                )
            if "dnd" in change:
                room = rooms_services.room_set_dnd(room=room, dnd=change["dnd"], source=StatusSource.API)
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(description=_scoped("This client's stays, oldest change first.", "stays:read")),
    retrieve=extend_schema(description=_scoped("One of this client's stays.", "stays:read")),
    create=extend_schema(
        request=StayCreateSerializer,
        responses={201: StayOutSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped("Reserve: a new guest, dates, a room or a room type.", "stays:write"),
    ),
    partial_update=extend_schema(
        request=StayPatchSerializer,
        responses={
            200: StayOutSerializer,
            409: OpenApiResponse(
                response={"$ref": "#/components/schemas/Error"},
                description="A hotel rule refused the change; nothing changed (`overbooked`, `room_held`, "
                "`stay_state`, `rule_violation`), or the Idempotency-Key is in flight.",
            ),
        },
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped(
            "Change a stay (FIAS guest change): only the fields sent change. A reservation may change its "
            "dates, room (null: none yet) or room type, adults, class of phone service, notes and guest "
            "details, under the same rules as a new reservation. An in-house stay changes its departure "
            "(today at the earliest), class of phone service (the room phone follows), notes and guest "
            "details; its room changes with `.../move/`. Refusals are 409: `overbooked` (every room of "
            "the type is taken on some night: other dates or type), `room_held` (the room is kept for "
            "another reservation: another room), `stay_state` (the stay has ended or was cancelled, or an "
            "in-house stay was sent a reservation-only field), `rule_violation` (e.g. departure not after "
            "arrival). Unknown fields are a 400. Partners hear `stay.changed`.",
            "stays:write",
        ),
        examples=[
            OpenApiExample(
                "Extend and upgrade a reservation",
                value={"departure": "2026-12-04", "room_type": "SUITE", "phone_class": "international"},
                request_only=True,
            ),
            OpenApiExample(
                "Correct the guest's name and language",
                value={"guest": {"last_name": "Lovelace", "language": "fr"}},
                request_only=True,
            ),
            OpenApiExample(
                "Refused: overbooked",
                value={
                    "error": {
                        "code": "overbooked",
                        "message": "Every Suite room is taken on Thu 3 Dec. Choose other dates or another "
                        "room type.",
                        "fields": {},
                    }
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    ),
)
class StayViewSet(
    PartnerAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    required_scopes = {"GET": "stays:read", "POST": "stays:write", "PATCH": "stays:write"}
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = StayOutSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = StayFilter
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no partner
            return Stay.objects.none()
        return selectors.partner_stays(self.partner)

    def _answer(self, stay, code=status.HTTP_200_OK):
        return Response(
            StayOutSerializer(selectors.partner_stays(self.partner).get(pk=stay.pk)).data, status=code
        )

    def create(self, request, *args, **kwargs):
        data = StayCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        stay = services.partner_stay_reserve(partner=self.partner, **fields)
        return self._answer(stay, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        stay = self.get_object()
        data = StayPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.partner_stay_update(stay=stay, **data.validated_data))

    def _action(self, serializer_class, run):
        stay = self.get_object()
        data = serializer_class(data=request_data(self.request))
        data.is_valid(raise_exception=True)
        return self._answer(run(stay, data.validated_data))

    @extend_schema(
        request=CheckInSerializer,
        responses=StayOutSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped(
            "Check the guest in (409 `room_not_ready`, `room_not_available`, `stay_state`).", "stays:write"
        ),
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._action(
            CheckInSerializer,
            lambda stay, v: rooms_services.stay_check_in(
                stay=stay,
                room=v["room"],
                confirm_not_ready=v["confirm_not_ready"],
                phone_class=v.get("phone_class"),
                source=StatusSource.API,
            ),
        )

    @extend_schema(
        request=CheckOutSerializer,
        responses=StayOutSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped("Check the guest out (409 `stay_state` when not in house).", "stays:write"),
    )
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        return self._action(
            CheckOutSerializer,
            lambda stay, v: rooms_services.stay_check_out(
                stay=stay, source=StatusSource.API, early_departure_reason=v["early_departure_reason"]
            ),
        )

    @extend_schema(
        request=MoveSerializer,
        responses=StayOutSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped("Move an in-house guest to another room.", "stays:write"),
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        return self._action(
            MoveSerializer,
            lambda stay, v: rooms_services.stay_move(
                stay=stay, to_room=v["to_room"], reason=v["reason"], confirm_not_ready=v["confirm_not_ready"]
            ),
        )

    @extend_schema(
        request=CancelSerializer,
        responses=StayOutSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped("Cancel a reservation (409 `stay_state` once checked in).", "stays:write"),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._action(
            CancelSerializer, lambda stay, v: rooms_services.stay_cancel(stay=stay, reason=v["reason"])
        )


def request_data(request):
    """An action's body may be empty: an empty body means no options."""
    return request.data if request.data is not None else {}


class PbxStatusView(PartnerAPIMixin, APIView):
    required_scopes = {"GET": "pbx:read"}

    @extend_schema(
        responses=PbxStatusSerializer,
        description=_scoped(
            "The PBX link: logged in or not, since when down, pending and failed commands.", "pbx:read"
        ),
    )
    def get(self, request):
        health = pbx_selectors.link_health()
        body = {
            **{name: getattr(health, name) for name in PbxStatusSerializer().fields if hasattr(health, name)},
            "pending_commands": list(pbx_selectors.open_commands()),
            "failed_commands": list(pbx_selectors.failed_commands()),
        }
        return Response(PbxStatusSerializer(body).data)


@extend_schema_view(
    list=extend_schema(description=_scoped("This client's webhook endpoints.", "webhooks:manage")),
    retrieve=extend_schema(description=_scoped("One webhook endpoint.", "webhooks:manage")),
    create=extend_schema(
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped(
            "Register an endpoint; the answer carries its signing secret.", "webhooks:manage"
        ),
    ),
    partial_update=extend_schema(
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped("Change the URL or events, or re-enable a disabled endpoint.", "webhooks:manage"),
    ),
    destroy=extend_schema(description=_scoped("Remove an endpoint.", "webhooks:manage")),
)
class WebhookEndpointViewSet(
    PartnerAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    required_scopes = {m: "webhooks:manage" for m in ("GET", "POST", "PATCH", "DELETE")}
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.partner_endpoints(self.partner)

    def perform_create(self, serializer):
        v = serializer.validated_data
        serializer.instance = services.webhook_endpoint_create(
            partner=self.partner, url=v["url"], event_types=v.get("event_types", [])
        )

    def perform_update(self, serializer):
        serializer.instance = services.webhook_endpoint_update(
            endpoint=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        responses=WebhookDeliverySerializer(many=True),
        description=_scoped("The endpoint's latest deliveries, newest first.", "webhooks:manage"),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        return Response(
            WebhookDeliverySerializer(selectors.endpoint_deliveries(endpoint)[:100], many=True).data
        )


class PingView(APIView):
    """No key needed: is the API there? (Also the baseline of bench/api_latency.py.)"""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    renderer_classes = [JSONRenderer]

    @extend_schema(
        responses={200: {"type": "object", "properties": {"ok": {"type": "boolean"}}}},
        description="Is the API there? No key needed.",
    )
    def get(self, request):
        return Response({"ok": True})


@extend_schema(exclude=True)
class ApiNotFoundView(APIView):
    """Any other path under /api/: a JSON 404 in the API's error shape, not the HTML page."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        raise NotFound("No such API path. See /api/schema/ for the operations.")

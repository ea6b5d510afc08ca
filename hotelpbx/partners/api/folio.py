"""Folio, postings, call records and the minibar catalogue over the partner API: thin views over
billing.services and billing.selectors. A partner reads and charges only its own stays."""

import uuid

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.models import CallOutcome, CallRecord, Folio, FolioLine, LineKind, LineSource, MinibarItem

from .. import selectors
from .base import PartnerAPIMixin
from .filters import UPDATED_SINCE, UtcIsoDateTimeFilter
from .pagination import UpdatedCursorPagination
from .serializers import Input
from .views import IDEMPOTENCY_HEADER

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}

# --- shapes --------------------------------------------------------------------------------------


class FolioLineSerializer(serializers.ModelSerializer):
    minibar_item = serializers.CharField(source="minibar_item.code", allow_null=True, default=None)
    call_record = serializers.IntegerField(source="call_record_id", allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)

    class Meta:
        model = FolioLine
        fields = [
            "id",
            "kind",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "tax_rate",
            "source",
            "posted_at",
            "service_date",
            "late",
            "minibar_item",
            "call_record",
            "reverses",
            "reason",
        ]


class FolioGroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LineKind.choices)
    label = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    lines = FolioLineSerializer(many=True)


class FolioTaxSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)
    gross = serializers.DecimalField(**MONEY)
    tax = serializers.DecimalField(**MONEY)


class FolioSerializer(serializers.Serializer):
    stay = serializers.IntegerField()
    closed = serializers.BooleanField(help_text="The guest has checked out; later charges are late charges.")
    balance = serializers.DecimalField(**MONEY, help_text="Always the sum of the lines.")
    charges = serializers.DecimalField(**MONEY)
    payments = serializers.DecimalField(**MONEY)
    groups = FolioGroupSerializer(many=True, help_text="Lines grouped by kind, in the invoice's order.")
    taxes = FolioTaxSerializer(many=True, help_text="Tax contained in the gross charges, per rate.")


class PostingSerializer(Input):
    minibar_item = serializers.RegexField(
        r"^\d{1,8}$", required=False, help_text="A minibar item's code (see /api/v1/minibar-items/)."
    )
    quantity = serializers.IntegerField(required=False, min_value=1, max_value=99, default=1)
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        min_value=0,
        help_text="A service charge, gross, in the hotel's currency.",
    )
    description = serializers.CharField(required=False, max_length=255, help_text="What the guest reads.")
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )

    def validate(self, attrs):
        if ("minibar_item" in attrs) == ("amount" in attrs):
            raise serializers.ValidationError(
                "Send either `minibar_item` (with `quantity`) or `amount` with `description`."
            )
        if "amount" in attrs and not attrs.get("description", "").strip():
            raise serializers.ValidationError({"description": ["A service charge needs a description."]})
        return attrs


class PostingResultSerializer(serializers.Serializer):
    lines = FolioLineSerializer(many=True)
    balance = serializers.DecimalField(**MONEY)


class CallRecordSerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.number", allow_null=True, default=None)
    stay = serializers.IntegerField(source="stay_id", allow_null=True)
    reason_label = serializers.CharField()

    class Meta:
        model = CallRecord
        fields = [
            "id",
            "callid",
            "started_at",
            "call_type",
            "status",
            "caller",
            "callee",
            "talk_seconds",
            "room",
            "stay",
            "outcome",
            "reason",
            "reason_label",
            "rule_name",
            "price",
            "explanation",
            "rated_at",
            "received_at",
            "updated_at",
        ]


class MinibarItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = MinibarItem
        fields = ["code", "name", "price", "tax_rate", "active"]


# --- helpers -------------------------------------------------------------------------------------


def _scoped(description: str, scope: str) -> str:
    return f"{description}\n\nScope: `{scope}`."


def _folio_body(stay) -> dict:
    folio = Folio.objects.filter(stay=stay).first()
    if folio is None:
        zero = "0.00"
        return {
            "stay": stay.pk,
            "closed": False,
            "balance": zero,
            "charges": zero,
            "payments": zero,
            "groups": [],
            "taxes": [],
        }
    view = billing_selectors.folio_view(folio)
    return {
        "stay": stay.pk,
        "closed": folio.closed_at is not None,
        "balance": view.balance,
        "charges": view.charges,
        "payments": view.payments,
        "groups": [
            {"kind": g.kind, "label": g.label, "total": g.total, "lines": g.lines} for g in view.groups
        ],
        "taxes": [{"rate": t.rate, "gross": t.gross, "tax": t.tax} for t in view.taxes],
    }


class _StayScoped(PartnerAPIMixin, APIView):
    def stay(self, pk):
        stay = selectors.partner_stays(self.partner).filter(pk=pk).first()
        if stay is None:
            raise NotFound("No stay of this client has that id.")
        return stay


class FolioView(_StayScoped):
    required_scopes = {"GET": "folio:read"}

    @extend_schema(
        responses=FolioSerializer,
        description=_scoped(
            "The stay's folio: lines grouped by kind, balance, taxes per rate.", "folio:read"
        ),
    )
    def get(self, request, pk):
        return Response(FolioSerializer(_folio_body(self.stay(pk))).data)


class PostingListSerializer(serializers.Serializer):
    stay = serializers.IntegerField()
    balance = serializers.DecimalField(**MONEY)
    results = FolioLineSerializer(many=True, help_text="Every line, in the order it was posted.")


class PostingView(_StayScoped):
    required_scopes = {"GET": "folio:read", "POST": "postings:write"}

    @extend_schema(
        responses=PostingListSerializer,
        description=_scoped(
            "Every line posted to the stay's folio, in the order posted: charges (calls, minibar, "
            "services, room nights, adjustments), payments and reversals (`reverses` names the voided "
            "line). `source` says where it came from: `call_record`, `tablet`, `desk`, `room_phone`, "
            "`api`, `system`.",
            "folio:read",
        ),
    )
    def get(self, request, pk):
        stay = self.stay(pk)
        folio = Folio.objects.filter(stay=stay).first()
        lines = billing_selectors.folio_lines(folio) if folio is not None else []
        balance = billing_services.folio_balance(folio) if folio is not None else "0.00"
        return Response(PostingListSerializer({"stay": stay.pk, "balance": balance, "results": lines}).data)

    @extend_schema(
        request=PostingSerializer,
        responses={201: PostingResultSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        description=_scoped(
            "Post a charge to the stay's folio: minibar consumption (`minibar_item` code and `quantity`) or "
            "a service charge (`amount`, `description`). With an `Idempotency-Key` the charge is posted "
            "once, however often it is sent. After check-out it is a late charge. 409 `billing_rule` for "
            "a booking not yet checked in or an unknown minibar code.",
            "postings:write",
        ),
    )
    def post(self, request, pk):
        stay = self.stay(pk)
        data = PostingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        key = request.headers.get("Idempotency-Key")
        posting_key = f"api:{self.partner.pk}:{key}" if key else f"api:{uuid.uuid4()}"
        if "minibar_item" in v:
            lines = billing_services.minibar_post(
                room=stay.room,
                stay=stay,
                counts=[billing_services.MinibarCount(code=v["minibar_item"], quantity=v["quantity"])],
                source=LineSource.API,
                idempotency_key=posting_key,
                posted_via=self.partner.name,
            )
        else:
            billing_services.check_stay_can_be_charged(stay)
            lines = [
                billing_services.folio_post_charge(
                    folio=billing_services.folio_for_stay(stay),
                    kind=LineKind.SERVICE,
                    description=v["description"],
                    amount=v["amount"],
                    tax_rate=v.get("tax_rate", 0),
                    source=LineSource.API,
                    idempotency_key=posting_key,
                    posted_via=self.partner.name,
                )
            ]
        balance = billing_services.folio_balance(billing_services.folio_for_stay(stay))
        body = PostingResultSerializer({"lines": lines, "balance": balance}).data
        return Response(body, status=status.HTTP_201_CREATED)


class CallRecordFilter(filters.FilterSet):
    stay = filters.NumberFilter(
        field_name="stay_id", min_value=1, max_value=2**53, help_text="One of your stays (its id)."
    )
    room = filters.CharFilter(field_name="room__number", help_text="A room number.")
    outcome = filters.MultipleChoiceFilter(choices=CallOutcome.choices)
    started_from = UtcIsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", help_text="Calls started at or after."
    )
    started_to = UtcIsoDateTimeFilter(
        field_name="started_at", lookup_expr="lte", help_text="Calls started at or before."
    )
    received_since = UtcIsoDateTimeFilter(
        field_name="received_at", lookup_expr="gte", help_text="Calls the PBX reported at or after."
    )
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)

    class Meta:
        model = CallRecord
        fields = []


def partner_call_records(partner) -> QuerySet[CallRecord]:
    return CallRecord.objects.filter(stay__partner_link__partner=partner).select_related("room")


@extend_schema_view(
    list=extend_schema(
        description=_scoped(
            "Calls made from this client's stays, with their rating outcome, oldest change first (cursor "
            "pages by (updated_at, id)): a call re-rated later comes again with its new price, so "
            "following `next` or asking `updated_since` sees every new and re-rated call.",
            "folio:read",
        )
    ),
    retrieve=extend_schema(description=_scoped("One call record.", "folio:read")),
)
class CallRecordViewSet(
    PartnerAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    required_scopes = {"GET": "folio:read"}
    serializer_class = CallRecordSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CallRecordFilter
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CallRecord.objects.none()
        return partner_call_records(self.partner)


@extend_schema_view(
    list=extend_schema(description=_scoped("The active minibar catalogue.", "folio:read")),
)
class MinibarItemViewSet(PartnerAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    required_scopes = {"GET": "folio:read"}
    serializer_class = MinibarItemSerializer
    pagination_class = None

    def get_queryset(self):
        return billing_selectors.minibar_items()

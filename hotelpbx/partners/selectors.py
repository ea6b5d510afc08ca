"""Partner reads: each partner sees the hotel's rooms, and only its own stays and webhooks."""

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from rooms.models import Room, Stay, StayStatus

from .models import Partner, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def api_rooms() -> QuerySet[Room]:
    """Rooms with their type's code and whether a guest is in house, in one query (a page needs no stays
    and no room type objects)."""
    in_house = Stay.objects.filter(room=OuterRef("pk"), status=StayStatus.IN_HOUSE)
    return Room.objects.annotate(room_type_code=F("room_type__code"), occupied_now=Exists(in_house))


def partner_stays(partner: Partner) -> QuerySet[Stay]:
    return Stay.objects.filter(partner_link__partner=partner).select_related(
        "guest", "room", "room_type", "partner_link"
    )


def partner_endpoints(partner: Partner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(partner=partner)


def endpoint_deliveries(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its last attempt's latency (one query, not one per row)."""
    last_attempt = WebhookAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-id")
    return endpoint.deliveries.annotate(
        last_latency_ms=Subquery(last_attempt.values("latency_ms")[:1])
    ).order_by("-id")

"""Partner writes: keys, stays made through the API (with the partner's own reservation id), webhook
endpoints. The hotel's rules stay in rooms.services."""

import base64
import secrets
from datetime import date, datetime

from django.db import IntegrityError, transaction

from rooms import services as rooms_services
from rooms.errors import RoomRuleError
from rooms.models import Room, RoomType, Stay

from .models import Partner, PartnerKey, PartnerStay, WebhookEndpoint
from .scopes import SCOPES


def api_key_create(
    *, partner_name: str, scopes: list[str], key_name: str = "", expires_at: datetime | None = None
) -> tuple[PartnerKey, str]:
    """A new key for the partner (made if new). Returns the row and the key, which is shown only now."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}")
    with transaction.atomic():
        partner, _ = Partner.objects.get_or_create(name=partner_name)
        return PartnerKey.objects.create_key(
            partner=partner,
            name=(key_name or partner_name)[:50],
            scopes=sorted(set(scopes)),
            expiry_date=expires_at,
        )


def api_key_revoke(*, key: PartnerKey) -> PartnerKey:
    key.revoked = True
    key.save(update_fields=["revoked"])
    return key


def partner_stay_reserve(
    *,
    partner: Partner,
    external_id: str,
    guest: dict,
    arrival: date,
    departure: date,
    room: Room | None = None,
    room_type: RoomType | None = None,
    adults: int = 1,
    phone_class: str | None = None,
) -> Stay:
    """Guest, reservation and the partner's reservation id, in one transaction."""
    with transaction.atomic():
        new_guest = rooms_services.guest_create(**guest)
        extra = {"phone_class": phone_class} if phone_class else {}
        stay = rooms_services.stay_reserve(
            guest=new_guest,
            arrival=arrival,
            departure=departure,
            room=room,
            room_type=room_type,
            adults=adults,
            **extra,
        )
        try:
            with transaction.atomic():
                PartnerStay.objects.create(partner=partner, stay=stay, external_id=external_id or "")
        except IntegrityError as exc:
            raise RoomRuleError(
                f"A stay with external_id {external_id!r} exists already; look it up with ?external_id=.",
                code="external_id_taken",
            ) from exc
    return stay


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_endpoint_create(*, partner: Partner, url: str, event_types: list[str]) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        partner=partner, url=url, event_types=sorted(set(event_types)), secret=new_webhook_secret()
    )


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if fields.get("is_active"):
        endpoint.failing_since, endpoint.disabled_reason = None, ""
    endpoint.save()
    return endpoint

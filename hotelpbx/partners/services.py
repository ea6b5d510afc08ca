"""Partner writes: keys, stays made through the API (with the partner's own reservation id), webhook
endpoints. The hotel's rules stay in rooms.services."""

import base64
import secrets
from datetime import date, datetime

from django.db import IntegrityError, transaction

from rooms import services as rooms_services
from rooms.errors import RoomRuleError, StayStateError
from rooms.models import Room, RoomType, Stay, StayStatus

from . import webhook_urls
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
    notes: str = "",
) -> Stay:
    """Guest, reservation and the partner's reservation id, in one transaction."""
    if external_id and PartnerStay.objects.filter(partner=partner, external_id=external_id).exists():
        # said first: a PMS resending a reservation must hear that it exists, not a room rule
        raise _external_id_taken(external_id)
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
            notes=notes,
            **extra,
        )
        try:
            with transaction.atomic():
                PartnerStay.objects.create(partner=partner, stay=stay, external_id=external_id or "")
        except IntegrityError as exc:  # made by a concurrent request a moment ago
            raise _external_id_taken(external_id) from exc
    return stay


def _external_id_taken(external_id: str) -> RoomRuleError:
    return RoomRuleError(
        f"A stay with external_id {external_id!r} exists already; look it up with ?external_id=.",
        code="external_id_taken",
    )


# What an in-house stay may still change here; its room changes with a move (POST .../move/).
IN_HOUSE_CHANGES = {"departure", "phone_class", "notes"}


def partner_stay_update(*, stay: Stay, guest: dict | None = None, **changes) -> Stay:
    """A partner's change to one of its stays, in one transaction, through the hotel's own services:
    a reservation changes freely under the reservation rules; an in-house stay changes its departure,
    class of phone service, notes and guest details; a stay that has ended or was cancelled, nothing.
    Fields sent with their current value change nothing (and tell nobody)."""
    with transaction.atomic():
        stay = Stay.objects.select_for_update(of=("self",)).select_related("guest", "room").get(pk=stay.pk)
        changes = {name: value for name, value in changes.items() if getattr(stay, name) != value}
        if stay.status not in (StayStatus.RESERVED, StayStatus.IN_HOUSE):
            raise StayStateError(
                f"This stay is {stay.get_status_display().lower()}; it can no longer be changed.",
            )
        if stay.status == StayStatus.IN_HOUSE and set(changes) - IN_HOUSE_CHANGES:
            refused = ", ".join(sorted(set(changes) - IN_HOUSE_CHANGES))
            raise StayStateError(
                f"The guest is in house: {refused} can no longer change. Move the guest with "
                "POST /api/v1/stays/{id}/move/; departure, phone_class, notes and guest details change here.",
            )
        if guest:
            rooms_services.guest_update(guest=stay.guest, **guest)
        if stay.status == StayStatus.RESERVED:
            if changes:
                rooms_services.stay_update_reservation(stay=stay, **changes)
            return stay
        if "departure" in changes:
            rooms_services.stay_change_departure(stay=stay, departure=changes["departure"])
        if "phone_class" in changes:
            rooms_services.stay_set_phone_class(stay=stay, phone_class=changes["phone_class"])
        if "notes" in changes:
            rooms_services.stay_set_notes(stay=stay, notes=changes["notes"])
    return stay


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_endpoint_create(*, partner: Partner, url: str, event_types: list[str]) -> WebhookEndpoint:
    webhook_urls.check_url(url)
    return WebhookEndpoint.objects.create(
        partner=partner, url=url, event_types=sorted(set(event_types)), secret=new_webhook_secret()
    )


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    if "url" in fields:
        webhook_urls.check_url(fields["url"])
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if fields.get("is_active"):
        endpoint.failing_since, endpoint.disabled_reason = None, ""
    endpoint.save()
    return endpoint

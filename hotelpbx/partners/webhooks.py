"""Outgoing partner webhooks, Standard Webhooks style (webhook-id / webhook-timestamp /
webhook-signature, HMAC-SHA256 over "id.timestamp.body").

Events become delivery rows in the transaction of the change (rooms' signals call us inside it). Beat
runs `send_due` every few seconds: per endpoint only the oldest undelivered row is sent, so order is
kept; a failure is retried with exponential backoff (no Celery eta: `next_attempt_at` on the row), a 4xx
other than 408/429 is final, and an endpoint failing for a day is disabled and the managers told."""

import json
import logging
import time
import uuid
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from billing import signals as billing_signals
from hotelpbx.core.audit import audit_record
from rooms import signals as rooms_signals
from rooms.models import Room, Stay
from wakeup import signals as wakeup_signals

from . import webhook_urls
from .models import DeliveryStatus, PartnerStay, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

EVENT_TYPES = {
    "stay.checked_in": "A stay checked in.",
    "stay.checked_out": "A stay checked out.",
    "stay.moved": "An in-house stay moved to another room.",
    "stay.cancelled": "A reservation was cancelled.",
    "stay.changed": "A reservation or stay changed: dates, room or room type, class of phone service, party, "
    "notes or the guest's details (`changed` names what).",
    "room.status_changed": "A room's housekeeping status, service state or DND changed.",
    "wakeup.completed": "A wake-up call was answered (or confirmed by the guest with a key).",
    "wakeup.failed": "A wake-up call was not answered: no answer, busy, failed, heard without a key, "
    "answered and hung up before the end of the message, or no result from the PBX.",
    "wakeup.escalated": "A wake-up call failed or could not be made and the desk was alerted "
    "(`escalated_to` desk); sent again when the alert went unacknowledged to the manager (`manager`).",
    "wakeup.cancelled": "A wake-up call was cleared before it rang.",
    "wakeup.handled": "Staff acknowledged an escalated wake-up and wrote what was done.",
    "charge.posted": "A charge was posted to a folio.",
    "charge.voided": "A posted charge was voided (a reversal line was posted; the folio keeps both).",
    "call.recorded": "A guest's call was recorded and rated: charged, free or not charged, and why.",
    "call.rerated": "A manager re-rated a call (e.g. after a tariff fix): its new outcome and charge.",
    "pbx.link_down": "The PBX stopped answering.",
    "pbx.link_up": "The PBX answers again.",
}


def emit(event_type: str, data: dict, *, partner_id: int | None = None, coalesce_key=None) -> int:
    """One delivery row per active endpoint that wants the event (only the partner's own when
    `partner_id` is given). Call inside the transaction of the change. Returns how many rows.

    With `coalesce_key` (a stay.changed's stay id), an event equal in type and key to the endpoint's
    last delivery, not yet tried, is merged into it: one request that changes a guest and the dates
    says so once. Only the last row is merged, so the order the receiver sees stays true."""
    now = timezone.now()
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    if partner_id is not None:
        endpoints = endpoints.filter(partner_id=partner_id)
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    rows = []
    for endpoint in endpoints:
        if not endpoint.wants(event_type):
            continue
        if coalesce_key is not None and _merged(endpoint, event_type, coalesce_key, payload):
            continue
        rows.append(
            WebhookDelivery(
                endpoint=endpoint,
                message_id=f"msg_{uuid.uuid4().hex}",
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
            )
        )
    if rows:
        WebhookDelivery.objects.bulk_create(rows)
        transaction.on_commit(_kick)
    return len(rows)


def _merged(endpoint: WebhookEndpoint, event_type: str, key, payload: dict) -> bool:
    last = endpoint.deliveries.order_by("-id").first()
    if (
        last is None
        or last.event_type != event_type
        or last.status != DeliveryStatus.PENDING
        or last.attempts
        or last.claimed_until is not None
        or last.payload.get("data", {}).get("stay_id") != key
    ):
        return False
    changed = sorted(set(last.payload["data"].get("changed", [])) | set(payload["data"].get("changed", [])))
    merged = {**payload, "data": {**payload["data"], "changed": changed}}
    # only an untried, unclaimed row: a sender that claims it meanwhile finds it changed by nobody else
    untried = WebhookDelivery.objects.filter(pk=last.pk, attempts=0, claimed_until__isnull=True)
    return bool(untried.update(payload=merged))


def _kick() -> None:
    from .tasks import send_webhooks

    try:
        send_webhooks.delay()
    except Exception:
        log.warning("could not enqueue the webhook sender; beat runs it on its schedule")


# --- what the rooms say --------------------------------------------------------------------------


def _partner_link(stay: Stay):
    try:
        return stay.partner_link
    except Stay.partner_link.RelatedObjectDoesNotExist:
        return None


def _emit_for_stay(event_type: str, stay: Stay, **extra) -> None:
    link = _partner_link(stay)
    if link is None:
        return  # a stay the desk made belongs to no partner
    data = {
        "stay_id": stay.pk,
        "external_id": link.external_id,
        "status": stay.status,
        "room": stay.room.number if stay.room_id else None,
        **extra,
    }
    emit(event_type, data, partner_id=link.partner_id)


@receiver(rooms_signals.stay_checked_in)
def _on_checked_in(sender, stay, **kwargs):
    _emit_for_stay("stay.checked_in", stay)


@receiver(rooms_signals.stay_checked_out)
def _on_checked_out(sender, stay, **kwargs):
    _emit_for_stay("stay.checked_out", stay)


@receiver(rooms_signals.stay_cancelled)
def _on_cancelled(sender, stay, **kwargs):
    _emit_for_stay("stay.cancelled", stay)


@receiver(rooms_signals.stay_changed)
def _on_changed(sender, stay, changed, **kwargs):
    link = _partner_link(stay)
    if link is None:
        return
    data = {
        "stay_id": stay.pk,
        "external_id": link.external_id,
        "status": stay.status,
        "room": stay.room.number if stay.room_id else None,
        "room_type": stay.room_type.code if stay.room_type_id else None,
        "arrival": stay.arrival.isoformat(),
        "departure": stay.departure.isoformat(),
        "phone_class": stay.phone_class,
        "changed": sorted(set(changed)),
    }
    emit("stay.changed", data, partner_id=link.partner_id, coalesce_key=stay.pk)


@receiver(rooms_signals.stay_moved)
def _on_moved(sender, stay, from_room: Room, to_room: Room, **kwargs):
    _emit_for_stay("stay.moved", stay, from_room=from_room.number, to_room=to_room.number)


@receiver(rooms_signals.room_status_changed)
def _on_room_status(sender, room: Room, from_status: str, to_status: str, field: str, **kwargs):
    emit(
        "room.status_changed",
        {
            "room": room.number,
            "change": field,
            "from": from_status,
            "to": to_status,
            "housekeeping_status": room.housekeeping_status,
            "service_state": room.service_state,
            "dnd": room.dnd,
        },
    )


# --- what the wake-up calls and the folios say -----------------------------------------------------

WAKEUP_EVENTS = {
    "answered": "wakeup.completed",
    "guest_confirmed": "wakeup.completed",
    "heard": "wakeup.failed",
    "no_answer": "wakeup.failed",
    "busy": "wakeup.failed",
    "failed": "wakeup.failed",
    "no_result": "wakeup.failed",
    "escalated": "wakeup.escalated",
    "cancelled": "wakeup.cancelled",
    "handled": "wakeup.handled",
}


def _wakeup_data(wakeup, link, from_status: str, to_status: str) -> dict:
    last = wakeup.attempts.order_by("-at", "-id").first() if wakeup.pk else None
    return {
        "wakeup_id": wakeup.pk,
        "stay_id": wakeup.stay_id,
        "external_id": link.external_id,
        "room": wakeup.room.number,
        "due_at": wakeup.due_at.isoformat() if wakeup.due_at else None,
        "from_status": from_status,
        "status": to_status,
        "attempts": wakeup.attempts.count() if wakeup.pk else 0,
        # what the last call came to (e.g. `hung_up`: answered, hung up before the end of the message)
        "last_attempt": last.result if last else None,
        "note": wakeup.note,
    }


@receiver(wakeup_signals.wakeup_status_changed)
def _on_wakeup(sender, wakeup, from_status: str, to_status: str, **kwargs):
    event_type = WAKEUP_EVENTS.get(to_status)
    if event_type is None or wakeup.stay_id is None:
        return
    link = PartnerStay.objects.filter(stay_id=wakeup.stay_id).first()
    if link is None:
        return  # a wake-up of a stay the desk made belongs to no partner
    data = _wakeup_data(wakeup, link, from_status, to_status)
    if event_type == "wakeup.escalated":
        data["escalated_to"] = "desk"
    emit(event_type, data, partner_id=link.partner_id)


@receiver(wakeup_signals.wakeup_alert_to_manager)
def _on_wakeup_to_manager(sender, wakeup, alert, **kwargs):
    """The escalation's second step: the desk left the alert unanswered and it went to the manager."""
    if wakeup.stay_id is None:
        return
    link = PartnerStay.objects.filter(stay_id=wakeup.stay_id).first()
    if link is None:
        return
    data = _wakeup_data(wakeup, link, wakeup.status, wakeup.status)
    data["escalated_to"] = "manager"
    emit("wakeup.escalated", data, partner_id=link.partner_id)


@receiver(billing_signals.charge_posted)
def _on_charges(sender, lines, **kwargs):
    if not lines or not WebhookEndpoint.objects.filter(is_active=True).exists():
        return
    stays = dict(
        sender.objects.filter(pk__in=[line.pk for line in lines]).values_list("pk", "folio__stay_id")
    )
    links = {link.stay_id: link for link in PartnerStay.objects.filter(stay_id__in=set(stays.values()))}
    for line in lines:
        link = links.get(stays.get(line.pk))
        if link is None or line.kind == "payment":
            continue  # house accounts and the desk's stays belong to no partner; a payment is no charge
        data = {
            "line_id": line.pk,
            "stay_id": link.stay_id,
            "external_id": link.external_id,
            "kind": line.kind,
            "description": line.description,
            "quantity": line.quantity,
            "amount": str(line.amount),
            "tax_rate": str(line.tax_rate),
            "source": line.source,
            "late": line.late,
            "call_record_id": line.call_record_id,
            "minibar_item": line.minibar_item.code if line.minibar_item_id else None,
        }
        emit("charge.posted", data, partner_id=link.partner_id)


@receiver(billing_signals.charge_voided)
def _on_void(sender, line, reversal, **kwargs):
    link = PartnerStay.objects.filter(stay__folio__lines=line).first()
    if link is None or line.kind == "payment":
        return  # a voided payment is no charge: the folio and charge.posted of the reversal tell it
    data = {
        "line_id": line.pk,
        "reversal_line_id": reversal.pk,
        "stay_id": link.stay_id,
        "external_id": link.external_id,
        "kind": line.kind,
        "description": line.description,
        "amount": str(line.amount),
        "reason": reversal.reason,
        "call_record_id": line.call_record_id,
        "minibar_item": line.minibar_item.code if line.minibar_item_id else None,
    }
    emit("charge.voided", data, partner_id=link.partner_id)


@receiver(billing_signals.call_rated)
def _on_calls_rated(sender, records, lines, rerated: bool, **kwargs):
    stay_ids = {r.stay_id for r in records if r.stay_id is not None}
    if not stay_ids or not WebhookEndpoint.objects.filter(is_active=True).exists():
        return  # one query for a whole batch of CDRs when nobody listens
    links = {link.stay_id: link for link in PartnerStay.objects.filter(stay_id__in=stay_ids)}
    rooms = dict(Room.objects.filter(pk__in={r.room_id for r in records}).values_list("pk", "number"))
    for record in records:
        link = links.get(record.stay_id)
        if link is None:
            continue  # a call of a stay the desk made belongs to no partner
        line = lines.get(record.pk)
        data = {
            "call_record_id": record.pk,
            "stay_id": link.stay_id,
            "external_id": link.external_id,
            "room": rooms.get(record.room_id),
            "started_at": record.started_at.isoformat() if record.started_at else None,
            "direction": (record.call_type or "").lower(),
            "callee": record.callee,
            "talk_seconds": record.talk_seconds,
            "outcome": record.outcome,
            "reason": record.reason,
            "reason_label": record.reason_label,
            "charge": str(record.price),
            "line_id": line.pk if line is not None else None,
            "rating_revision": record.rating_revision,
        }
        emit("call.rerated" if rerated else "call.recorded", data, partner_id=link.partner_id)


# --- sending -------------------------------------------------------------------------------------


def sign(secret: str, *, message_id: str, timestamp, body: str) -> str:
    return Webhook(secret).sign(msg_id=message_id, timestamp=timestamp, data=body)


def _backoff(attempts: int) -> timedelta:
    base = settings.API_WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.API_WEBHOOK_RETRY_MAX_SECONDS))


def _retryable(status_code: int | None) -> bool:
    return status_code is None or status_code >= 500 or status_code in (408, 429)


def send_one(delivery: WebhookDelivery) -> WebhookDelivery:
    """POST one delivery, record the attempt, decide what comes next."""
    endpoint = delivery.endpoint
    body = json.dumps({"id": delivery.message_id, **delivery.payload}, separators=(",", ":"))
    now = timezone.now()
    headers = {
        "content-type": "application/json",
        "user-agent": "hotelpbx-webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign(endpoint.secret, message_id=delivery.message_id, timestamp=now, body=body),
    }
    started = time.monotonic()
    status_code, error = None, ""
    try:
        response = webhook_urls.session().post(
            endpoint.url,
            data=body.encode(),
            headers=headers,
            timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    latency_ms = int((time.monotonic() - started) * 1000)
    WebhookAttempt.objects.create(
        delivery=delivery, status_code=status_code, latency_ms=latency_ms, error=error
    )
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error, delivery.claimed_until = status_code, error, None
    finished = timezone.now()
    if not error:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, finished
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    elif not _retryable(status_code):
        delivery.status = DeliveryStatus.FAILED  # the receiver refused it: sending again would not help
    else:
        delivery.next_attempt_at = finished + _backoff(delivery.attempts)
        _note_failure(endpoint, finished)
    delivery.save()
    return delivery


def _note_failure(endpoint: WebhookEndpoint, now) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "is_active"])
    limit = timedelta(hours=settings.API_WEBHOOK_DISABLE_AFTER_HOURS)
    if endpoint.is_active and endpoint.failing_since and now - endpoint.failing_since >= limit:
        reason = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
        with transaction.atomic():
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason=reason)
            audit_record(
                actor=None,
                action="webhook.disabled",
                source="system",
                obj=endpoint,
                summary=f"Webhook endpoint of {endpoint.partner.name} disabled: {reason}",
            )
        log.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)


def _claim_head(endpoint_id: int, now) -> WebhookDelivery | None:
    """The endpoint's oldest pending delivery if it is due, claimed by compare-and-swap."""
    head = (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING)
        .order_by("id")
        .first()
    )
    if head is None or head.next_attempt_at > now:
        return None
    if head.claimed_until is not None and head.claimed_until > now:
        return None  # another sender has it
    claimed = (
        WebhookDelivery.objects.filter(pk=head.pk, status=DeliveryStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + timedelta(seconds=settings.API_WEBHOOK_TIMEOUT_SECONDS * 3))
    )
    if not claimed:
        return None
    head.refresh_from_db()
    return head


def send_due(*, limit: int = 100) -> int:
    """Send what is due, in order per endpoint. Returns how many attempts were made."""
    sent = 0
    endpoint_ids = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, endpoint__is_active=True, next_attempt_at__lte=timezone.now()
        )
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    for endpoint_id in endpoint_ids:
        while sent < limit:
            delivery = _claim_head(endpoint_id, timezone.now())
            if delivery is None:
                break
            delivery = send_one(delivery)
            sent += 1
            if delivery.status == DeliveryStatus.PENDING:
                break  # it waits for its retry, and so does everything after it
    return sent


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (from the manager's log): back to pending, due now, at the end of no queue."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), claimed_until=None
    )
    delivery.refresh_from_db()
    return delivery


def watch_pbx_link() -> str | None:
    """From beat: tell partners when the PBX link went down or came back. Returns the event sent."""
    from hotelpbx.pbx import selectors as pbx_selectors

    from .models import PbxLinkWatch

    health = pbx_selectors.link_health()
    down = health.enabled and health.down_since is not None
    with transaction.atomic():
        PbxLinkWatch.objects.get_or_create(pk=1)
        watch = PbxLinkWatch.objects.select_for_update().get(pk=1)
        if watch.link_down == down:
            return None
        watch.link_down, watch.changed_at = down, timezone.now()
        watch.save()
        event = "pbx.link_down" if down else "pbx.link_up"
        emit(
            event,
            {
                "down_since": health.down_since.isoformat() if health.down_since else None,
                "last_error": health.last_error,
                "pending_commands": health.pending,
            },
        )
    return event

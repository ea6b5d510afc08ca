"""Idempotency-Key for a partner's writes: the first request under a key is recorded in flight (a unique
row, so of concurrent replays only one goes on), its answer is stored; a replay with the same body gets
that answer again, with another body a 422, while the first is still running a 409. Kept 24 hours.

A request in flight holds the key for a lease (API_IDEMPOTENCY_LEASE_SECONDS, longer than any request
may run: gunicorn kills a worker after 30 s). A request that died without answering (its worker killed)
leaves its row in flight; once the lease has passed, a retry with the same body takes the key over, by
compare-and-swap on the lease, so of two retries only one does."""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import ApiConflict, ApiUnprocessable, clean
from .models import IdempotencyRecord, Partner

MAX_KEY_LENGTH = 255


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        super().__init__("replay")
        self.record = record


def _retention() -> timedelta:
    return timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def _lease() -> timedelta:
    return timedelta(seconds=settings.API_IDEMPOTENCY_LEASE_SECONDS)


def body_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def begin(*, partner: Partner, key: str, method: str, path: str, body: bytes) -> IdempotencyRecord:
    """Record the request in flight, or raise Replay / 422 / 409 for a key already used."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiUnprocessable(f"The Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")
    fingerprint = body_hash(method, path, body)
    now = timezone.now()
    new, existing = _claim(partner, key, method, path, fingerprint, now)
    if existing is not None and existing.created_at < now - _retention():
        # a key older than the retention is forgotten: the request under it is new (looked at only when
        # a key is used again, so a first use costs one insert)
        IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
        new, existing = _claim(partner, key, method, path, fingerprint, now)
    if new is not None:
        return new
    if existing is None:  # removed meanwhile (its first request failed): the client may try again
        raise ApiConflict("A request with this Idempotency-Key failed a moment ago; send it again.")
    if existing.body_hash != fingerprint:
        raise ApiUnprocessable(
            "This Idempotency-Key was used for a different request; use a new key for a new request.",
            code="idempotency_key_reused",
        )
    if existing.status_code is None and _take_over(existing, now):
        return existing
    if existing.status_code is None:
        raise ApiConflict(
            "A request with this Idempotency-Key is still being processed; retry in a moment.",
            code="idempotency_in_flight",
        )
    raise Replay(existing)


def _claim(partner, key, method, path, fingerprint, now):
    """(the new in-flight row, None), or (None, the row already under the key or None if it just went)."""
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                partner=partner,
                key=key,
                method=method,
                path=path,
                body_hash=fingerprint,
                lease_until=now + _lease(),
            )
        return record, None
    except IntegrityError:
        return None, IdempotencyRecord.objects.filter(partner=partner, key=key).first()


def _take_over(record: IdempotencyRecord, now) -> bool:
    """The key of a request that died: taken by whoever swaps its expired lease first."""
    lease = record.lease_until or (record.created_at + _lease())  # rows from before leases existed
    if lease > now:
        return False
    same_lease = {"lease_until": record.lease_until} if record.lease_until else {"lease_until__isnull": True}
    record.lease_until = now + _lease()
    return bool(
        IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True, **same_lease).update(
            lease_until=record.lease_until
        )
    )


def finish(record: IdempotencyRecord, *, status_code: int, rendered: bytes | None) -> None:
    """Keep the answer, or forget the key when the request failed on our side (it may be retried)."""
    if status_code >= 500:
        forget(record)
        return
    body = clean(json.loads(rendered)) if rendered else None  # storable in jsonb whatever was echoed
    # only while this request still holds the key (a request slower than its lease lost it)
    IdempotencyRecord.objects.filter(pk=record.pk, lease_until=record.lease_until).update(
        status_code=status_code, response_body=body, lease_until=None
    )


def forget(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(
        pk=record.pk, status_code__isnull=True, lease_until=record.lease_until
    ).delete()


def purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - _retention()).delete()
    return deleted

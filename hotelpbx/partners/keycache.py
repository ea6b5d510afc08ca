"""Verified API keys remembered in Redis for a minute, read in the same round trip as the key's
throttle counter: a partner's request then costs no database query for its key.

Safe because:
- the cache is keyed by the SHA-512 of the presented key, which is what the library stores for a
  key (`sha512$$<hex>`), so only the holder of the key finds its entry, and a change to the row
  (revoked, scopes, expiry, deleted; the admin, `api_key_revoke`, a cascade) knows which entry to drop;
- a change writes a tombstone instead of deleting (and again after its commit): a request that read the
  row just before the change cannot put the old row back (it only adds where nothing is);
- expiry is checked on every request against the remembered expiry date.
A bulk `.update()` of keys sends no signal: its change shows within KEY_SECONDS.
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.dateparse import parse_datetime

from .models import Partner, PartnerKey

KEY_SECONDS = 60
TOMBSTONE = b"-"


def fingerprint(key: str) -> str:
    return hashlib.sha512(key.encode()).hexdigest()


@dataclass
class Lookup:
    key: PartnerKey | None  # None: not remembered (look in the database)
    count: int | None  # the throttle counter after this request, when one was asked for


def _redis():
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def _name(cache, fp: str) -> str:
    return cache.make_and_validate_key(f"partner-key:{fp}")


def lookup(fp: str, *, counter: str | None, period: int) -> Lookup:
    """The remembered key, and the throttle counter raised by one: one round trip."""
    cache = _redis()
    if cache is None:
        return Lookup(None, None)
    name = _name(cache, fp)
    pipe = cache._cache.get_client(name, write=True).pipeline(transaction=False)
    pipe.get(name)
    if counter is not None:
        counter_name = cache.make_and_validate_key(counter)
        pipe.incr(counter_name)
        pipe.expire(counter_name, period + 1)
    results = pipe.execute()
    count = results[1] if counter is not None else None
    return Lookup(_load(results[0]), count)


def remember(fp: str, key: PartnerKey) -> None:
    """Only a key stored as the SHA-512 of itself, and only where no entry (nor tombstone) is."""
    cache = _redis()
    if cache is None or key.hashed_key != f"sha512$${fp}":
        return
    value = json.dumps(
        {
            "id": key.pk,
            "prefix": key.prefix,
            "name": key.name,
            "scopes": key.scopes,
            "expiry": key.expiry_date.isoformat() if key.expiry_date else None,
            "partner": [key.partner_id, key.partner.name],
        }
    )
    name = _name(cache, fp)
    cache._cache.get_client(name, write=True).set(name, value, ex=KEY_SECONDS, nx=True)


def _load(raw) -> PartnerKey | None:
    if not raw or raw == TOMBSTONE:
        return None
    data = json.loads(raw)
    partner_id, partner_name = data["partner"]
    return PartnerKey(
        id=data["id"],
        prefix=data["prefix"],
        name=data["name"],
        scopes=data["scopes"],
        expiry_date=parse_datetime(data["expiry"]) if data["expiry"] else None,
        revoked=False,
        partner=Partner(id=partner_id, name=partner_name),
    )


def _bury(fp: str) -> None:
    cache = _redis()
    if cache is not None:
        name = _name(cache, fp)
        cache._cache.get_client(name, write=True).set(name, TOMBSTONE, ex=KEY_SECONDS * 2)


@receiver(post_save, sender=PartnerKey)
@receiver(post_delete, sender=PartnerKey)
def _forget(sender, instance: PartnerKey, created: bool = False, **kwargs) -> None:
    algorithm, _, fp = (instance.hashed_key or "").partition("$$")
    if created or algorithm != "sha512" or not fp:
        return  # never remembered
    _bury(fp)
    transaction.on_commit(lambda: _bury(fp))

"""API-key authentication, scope permission and per-key throttling for the partner API."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework_api_key.permissions import KeyParser

from . import keycache
from .models import PartnerKey


class PartnerKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`. The user stays anonymous (a partner is no member of staff);
    `request.auth` is the PartnerKey, `request.auth.partner` the client."""

    keyword = "Api-Key"
    parser = KeyParser()

    def authenticate(self, request):
        key = self.parser.get(request)
        if not key:
            if request.META.get("HTTP_AUTHORIZATION"):
                raise exceptions.AuthenticationFailed("Send the key as 'Authorization: Api-Key <key>'.")
            return None
        fp = keycache.fingerprint(key)
        window = throttle_window()
        # the remembered key and this request's count, in one round trip; the count is per key as
        # presented (its hash): nobody raises another's count without holding that key
        found = keycache.lookup(
            fp,
            counter=f"throttle:partner_key:{fp[:40]}:{window.number}" if window else None,
            period=window.period if window else 0,
        )
        api_key = found.key
        if api_key is None:
            try:
                api_key = PartnerKey.objects.get_from_key(key)
            except PartnerKey.DoesNotExist:
                raise exceptions.AuthenticationFailed("The API key is unknown or revoked.") from None
            keycache.remember(fp, api_key)
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("The API key has expired.")
        request.partner_throttle_count = found.count
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword  # makes DRF answer 401 (not 403) without a key


class HasScope(BasePermission):
    """The view says which scope each method needs (`required_scopes = {"GET": "rooms:read", ...}`)."""

    message = "This API key lacks the scope for this operation."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, PartnerKey):
            raise exceptions.NotAuthenticated("Send an API key: 'Authorization: Api-Key <key>'.")
        needed = required_scope(view, request.method)
        if needed is None:
            # a method the view does not have goes on to its 405; one it has but no scope opens is refused
            return getattr(view, request.method.lower(), None) is None
        if needed not in request.auth.scopes:
            self.message = f"This API key lacks the scope '{needed}'."
            return False
        return True


def required_scope(view, method: str) -> str | None:
    scopes = getattr(view, "required_scopes", {})
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return scopes.get(method)


@dataclass
class Window:
    allowed: int
    period: int
    number: int
    left: float  # seconds until the next window


def throttle_window() -> Window | None:
    """The current fixed window of API_THROTTLE_RATE (e.g. 600/minute: this clock minute)."""
    allowed, period = SimpleRateThrottle.parse_rate(None, settings.API_THROTTLE_RATE)
    if allowed is None:
        return None
    now = time.time()
    number = int(now // period)
    return Window(allowed, period, number, (number + 1) * period - now)


class PartnerKeyThrottle(BaseThrottle):
    """Requests per key (API_THROTTLE_RATE, e.g. 600/minute) in fixed windows: one counter per key and
    window in the default cache (Redis), raised atomically, in the round trip that reads the key
    (see PartnerKeyAuthentication). (DRF's SimpleRateThrottle reads and writes back a list of every
    request's time in the window: two more round trips, a list that grows with the rate, and
    concurrent requests of one key overwrite each other's counts.)"""

    scope = "partner_key"

    def allow_request(self, request, view) -> bool:
        window = throttle_window()
        if window is None:
            return True
        self._wait = window.left
        count = getattr(request, "partner_throttle_count", None)
        if count is None:  # no key (refused later), or no Redis: counted here, per client address
            count = _count(f"throttle:{self.scope}:{self.get_ident(request)}:{window.number}", window.period)
        return count <= window.allowed

    def wait(self) -> float:
        return self._wait


def _count(key: str, period: int) -> int:
    """Add one to the window's counter and return it; the counter expires with its window."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        pipe = cache._cache.get_client(name, write=True).pipeline(transaction=False)  # one round trip
        pipe.incr(name)
        pipe.expire(name, period + 1)
        return pipe.execute()[0]
    cache.add(key, 0, timeout=period + 1)  # another cache (a developer's): two steps, still atomic
    return cache.incr(key)

"""API-key authentication, scope permission and per-key throttling for the partner API."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.permissions import KeyParser

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
        try:
            api_key = PartnerKey.objects.get_from_key(key)
        except PartnerKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("The API key has expired.")
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


class PartnerKeyThrottle(SimpleRateThrottle):
    """Requests per key (API_THROTTLE_RATE), counted in the default cache: Redis."""

    scope = "partner_key"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, PartnerKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

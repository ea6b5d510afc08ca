"""Headers that keep guest data out of caches and keep unused browser features off."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class PrivacyHeadersMiddleware:
    """Every page: Permissions-Policy. Every page a signed-in user sees (guest names, PINs, folios):
    not stored by the browser or any cache on the way, so the back button on a shared desk computer
    after sign-out shows nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)
        return response

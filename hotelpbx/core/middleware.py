"""Access control from the policy table, and idle timeouts per role."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone

from .policy import ANY_SIGNED_IN, KEY_AUTHENTICATED_NAMESPACES, PUBLIC_VIEWS, allowed_roles
from .roles import Role, is_housekeeping_only, roles_of


class RolePolicyMiddleware:
    """Every view is closed unless the policy table opens it to one of the user's roles."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if view_name in PUBLIC_VIEWS or request.path.startswith(settings.STATIC_URL):
            return None
        if match and match.namespace in KEY_AUTHENTICATED_NAMESPACES:
            return None
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                # a fragment request would swap the login page into a tile: send the browser there
                return HttpResponse(status=204, headers={"HX-Redirect": resolve_url(settings.LOGIN_URL)})
            return redirect_to_login(request.get_full_path())
        if view_name in ANY_SIGNED_IN:
            return None
        allowed = allowed_roles(view_name)
        if allowed is None or not (roles_of(request.user) & allowed):
            raise PermissionDenied("Your role does not give access to this page.")
        return None


class IdleSessionMiddleware:
    """Signs a user out after a time without activity: short for shared housekeeping tablets.

    Pages that refresh themselves send `X-Hotel-Poll: 1`; such requests do not count as activity,
    or a tablet left open on a self-refreshing page would never sign out.
    """

    SESSION_KEY = "_hotel_last_active"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idle = (
                settings.HOUSEKEEPING_SESSION_IDLE_SECONDS
                if is_housekeeping_only(user)
                else settings.STAFF_SESSION_IDLE_SECONDS
            )
            now = timezone.now().timestamp()
            last = request.session.get(self.SESSION_KEY)
            if last is not None and now - last > idle:
                logout(request)  # the policy middleware then sends the browser to the login page
            else:
                request.session.set_expiry(idle)
                if request.headers.get("X-Hotel-Poll") != "1" or last is None:
                    request.session[self.SESSION_KEY] = now
        return self.get_response(request)


__all__ = ["IdleSessionMiddleware", "Role", "RolePolicyMiddleware"]

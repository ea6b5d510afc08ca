"""Access control from the policy table, and idle timeouts per role."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .policy import ANY_SIGNED_IN, PUBLIC_VIEWS, allowed_roles
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
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if view_name in ANY_SIGNED_IN:
            return None
        allowed = allowed_roles(view_name)
        if allowed is None or not (roles_of(request.user) & allowed):
            raise PermissionDenied("Your role does not give access to this page.")
        return None


class IdleSessionMiddleware:
    """Housekeeping tablets are shared: their sessions end after a short idle time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if is_housekeeping_only(user):
                request.session.set_expiry(settings.HOUSEKEEPING_SESSION_IDLE_SECONDS)
            else:
                request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


__all__ = ["IdleSessionMiddleware", "Role", "RolePolicyMiddleware"]

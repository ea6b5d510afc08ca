"""Who may open which page: one table, read by the middleware and by the role x page test matrix.

Keys are URL names (`namespace:name`). A view that is not in this table is refused to everyone
except the public views: a new page is closed until someone decides who may see it.
"""

from .roles import Role

FD, HK, MG = Role.FRONT_DESK, Role.HOUSEKEEPING, Role.MANAGER
EVERY_ROLE = frozenset({FD, HK, MG})
DESK = frozenset({FD, MG})
MANAGERS = frozenset({MG})

# Reachable without signing in.
PUBLIC_VIEWS = frozenset({"login", "healthz", "readyz", "pbx:events"})

# The partner API authenticates with API keys and scopes of its own (hotelpbx.partners.auth), and its
# views refuse a request without a key: no session, no role.
KEY_AUTHENTICATED_NAMESPACES = frozenset({"api"})

# Signed-in users of any role (or none) may use these.
ANY_SIGNED_IN = frozenset({"logout", "home"})

POLICY: dict[str, frozenset[str]] = {
    # front desk
    "rooms:board": DESK,
    "rooms:board_partial": DESK,
    "rooms:arrivals": DESK,
    "rooms:departures": DESK,
    "rooms:in_house": DESK,
    "rooms:guest_search": DESK,
    "rooms:guest_detail": DESK,
    "rooms:room_detail": DESK,
    "rooms:room_status": EVERY_ROLE,
    "rooms:room_dnd": DESK,
    "rooms:check_in": DESK,
    "rooms:walk_in": DESK,
    "rooms:room_suggestions": DESK,
    "rooms:check_out": DESK,
    "rooms:room_move": DESK,
    "rooms:stay_detail": DESK,
    # housekeeping tablets
    "rooms:housekeeping": EVERY_ROLE,
    "rooms:housekeeping_partial": EVERY_ROLE,
    "rooms:housekeeping_set_status": EVERY_ROLE,
    # the PBX link
    "pbx:status": DESK,
    "pbx:badge": DESK,
    "pbx:resend": DESK,
    "pbx:reconcile": DESK,
    "pbx:backfill": MANAGERS,
    "pbx:reset_guard": MANAGERS,
}

# Prefixes for whole namespaces (the Django admin is for managers only).
NAMESPACE_POLICY: dict[str, frozenset[str]] = {
    "admin": MANAGERS,
}


def allowed_roles(view_name: str) -> frozenset[str] | None:
    """Roles allowed on a view, or None when the view is unknown (refused)."""
    if view_name in POLICY:
        return POLICY[view_name]
    namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
    return NAMESPACE_POLICY.get(namespace)


def register(view_name: str, roles: frozenset[str]) -> None:
    """Apps add their pages here at import time (billing, wakeup, pbx)."""
    POLICY[view_name] = frozenset(roles)

"""What a partner key may do. One table: the API views name the scope they need per method."""

SCOPES: dict[str, str] = {
    "rooms:read": "Read rooms: occupancy, housekeeping status, DND, service state, PBX sync state.",
    "rooms:write": "Change a room's housekeeping or service status and DND.",
    "stays:read": "Read this client's stays.",
    "stays:write": "Reserve, check in, check out, move and cancel this client's stays.",
    "wakeups:read": "Read this client's stays' wake-up calls, their status and attempts.",
    "wakeups:write": "Request, move and clear wake-up calls for this client's stays.",
    "folio:read": "Read this client's stays' folios and call records, and the minibar catalogue.",
    "postings:write": "Post minibar and service charges to this client's stays' folios.",
    "pbx:read": "Read the PBX link state and its pending and failed commands.",
    "webhooks:manage": "Register, change and remove this client's webhook endpoints.",
}


def parse_scopes(text: str) -> list[str]:
    """'a,b' -> ['a', 'b']; unknown scopes are an error that names them."""
    scopes = sorted({s.strip() for s in (text or "").split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)}.")
    return scopes

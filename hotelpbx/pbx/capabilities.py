"""What this PBX's firmware can do, and the state of its trunks, as the link last found them.

The documents and the hardware disagree about API v1.1.0: a real S300 answers outroute/query,
inroute/query and trunklist/query there, and may or may not have outroute/update. So the link asks at
every login and remembers the answers (PbxLink.capabilities); an endpoint that answers errno 10003 at
run time is remembered as missing until the next login asks again.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .errors import PbxError, PbxPermanentError
from .models import PbxLink

log = logging.getLogger(__name__)

UNSUPPORTED = "10003"
OUTROUTE_QUERY = "outroute/query"
OUTROUTE_UPDATE = "outroute/update"
INROUTE_QUERY = "inroute/query"
TRUNK_LIST = "trunk list"
LABELS = {
    OUTROUTE_QUERY: "Read outbound route members (outroute/query)",
    OUTROUTE_UPDATE: "Change outbound route members (outroute/update)",
    INROUTE_QUERY: "Read inbound routes (inroute/query)",
    TRUNK_LIST: "Trunk list (trunklist/query, trunk/list)",
}
# Trunk states that mean calls can go out (API.md 5.11 vocabularies; compared in lower case).
TRUNK_UP = {"registered", "idle", "busy", "up", "unmonitored"}


def _answers(client, path: str, body: dict, token: str) -> bool | None:
    """True: the endpoint exists (any answer but 10003, even a refusal of our probe); None: unknown."""
    try:
        client._post(path, body, token)
    except PbxPermanentError as exc:
        return exc.errno != UNSUPPORTED
    except PbxError:
        return None
    return True


def probe(client, token: str) -> dict[str, bool | None]:
    """Ask which optional endpoints answer (side-effect free) and read the trunks; store both."""
    found: dict[str, bool | None] = {}
    routes: list[dict] = []
    try:
        answer = client._post(OUTROUTE_QUERY, {"id": "all"}, token)
        found[OUTROUTE_QUERY] = True
        routes = next((v for v in answer.values() if isinstance(v, list)), [])
    except PbxPermanentError as exc:
        found[OUTROUTE_QUERY] = exc.errno != UNSUPPORTED
    except PbxError:
        found[OUTROUTE_QUERY] = None
    # An update of a route id that does not exist, with no field to change: changes nothing, and the
    # answer tells whether the endpoint exists (10003) or only the route does not (10073 or similar).
    ids = [int(r["id"]) for r in routes if isinstance(r, dict) and str(r.get("id", "")).isdigit()]
    unused_id = str(max(ids, default=0) + 1000)
    found[OUTROUTE_UPDATE] = _answers(client, OUTROUTE_UPDATE, {"id": unused_id}, token)
    found[INROUTE_QUERY] = _answers(client, INROUTE_QUERY, {"id": "all"}, token)
    trunks = None
    try:
        trunks = client.trunk_list(token=token)
        found[TRUNK_LIST] = True
    except PbxPermanentError as exc:
        found[TRUNK_LIST] = exc.errno != UNSUPPORTED
    except PbxError:
        found[TRUNK_LIST] = None
    now = timezone.now()
    fields = {"capabilities": found, "capabilities_checked_at": now}
    if trunks is not None:
        fields.update(trunks=trunks, trunks_checked_at=now)
    PbxLink.get()
    PbxLink.objects.filter(pk=1).update(**fields)
    log.info("PBX capabilities: %s", ", ".join(f"{k}={v}" for k, v in found.items()))
    return found


def known(path: str) -> bool | None:
    """Whether the PBX has this endpoint: True, False, or None when never asked."""
    caps = PbxLink.objects.filter(pk=1).values_list("capabilities", flat=True).first() or {}
    return caps.get(path)


def remember(path: str, available: bool) -> None:
    """An endpoint answered (or answered 10003) at run time: keep that until the next login's probe."""
    with transaction.atomic():
        PbxLink.get()
        link = PbxLink.objects.select_for_update().get(pk=1)
        if link.capabilities.get(path) == available:
            return
        link.capabilities = {**link.capabilities, path: available}
        link.save(update_fields=["capabilities", "updated_at"])
    if not available:
        log.warning("the PBX has no %s (errno 10003): remembered until the next login", path)


def refresh_trunks(client) -> list[dict[str, str]] | None:
    """Read the trunks again (from the heartbeat); None when the PBX cannot list them."""
    if known(TRUNK_LIST) is False:
        return None
    try:
        trunks = client.trunk_list()
    except PbxPermanentError as exc:
        if exc.errno == UNSUPPORTED:
            remember(TRUNK_LIST, False)
        return None
    except PbxError:
        return None
    PbxLink.objects.filter(pk=1).update(trunks=trunks, trunks_checked_at=timezone.now())
    return trunks


def trunk_is_up(status: str) -> bool:
    return status.strip().lower() in TRUNK_UP

"""The report webhook: the PBX POSTs each report to /pbx/events/<token>/ (API.md section 6.1.1).

The PBX resends until it gets a 200, and it cannot sign, so: check the cheap things (secret path, source
address), store the raw body, and answer 200 only once the row is committed. Everything else runs after
commit in a task.

Who gets what:
- wrong secret in the path: 404; another method than POST: 405; a source address not allowed: 403.
  Nothing is stored: anyone could fill the table from outside.
- past those checks, every body is answered 200, because the PBX would resend anything else forever
  (and hold back its later reports meanwhile): a report is stored ({"status": "ok"} or "duplicate");
  a body that is not one (not JSON, not an object, wrong content type, too large, another PBX's serial)
  is kept marked rejected with the reason, shown on the PBX page ({"status": "rejected", "reason": ...}).
- the database is down: 503 with Retry-After, so the PBX sends it again later; a sender that went away
  mid-body: 400 (nobody reads that answer).
A report never gets a 5xx for its content.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, UnreadablePostError
from django.views.decorators.csrf import csrf_exempt

from . import ingest

log = logging.getLogger(__name__)

# Used instead of the request path in our log lines: the path holds the secret token.
LOG_PATH = "/pbx/events/<token>/"


def _token_ok(token: str) -> bool:
    expected = settings.PBX_EVENTS_TOKEN
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:  # a typo allows nobody more, it never opens the list
            log.error("PBX_ALLOWED_IPS: %r is not an IP address or network; ignored", entry)
    return tuple(networks)


def _source_allowed(remote_addr: str) -> bool:
    entries = tuple(e for e in settings.PBX_ALLOWED_IPS if e.strip())
    if not entries:
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(entries))


def _answer(status: int, body: dict, reason: str = "") -> JsonResponse:
    response = JsonResponse(body, status=status)
    if status >= 400:
        log.warning("PBX report refused (%s) %s: %s", status, LOG_PATH, reason or body)
        response._has_been_logged = True  # django.request would log the path, and with it the token
    return response


def _rejected(reason: str) -> JsonResponse:
    """200 for a body we keep as rejected: the PBX resends anything else without end (API.md 6.1.1)."""
    log.warning("PBX report kept as rejected %s: %s", LOG_PATH, reason)
    return _answer(200, {"status": "rejected", "reason": reason})


def _error(status: int, code: str, message: str) -> JsonResponse:
    return _answer(status, {"error": {"code": code, "message": message}}, f"{code}: {message}")


@csrf_exempt
def report_webhook(request, token: str):
    if not _token_ok(token):
        raise Http404
    if request.method != "POST":
        response = HttpResponseNotAllowed(["POST"])
        log.warning("PBX report refused (405) %s: method %s", LOG_PATH, request.method[:10])
        response._has_been_logged = True  # django.request would log the path, and with it the token
        return response
    source_ip = request.META.get("REMOTE_ADDR", "")
    if not _source_allowed(source_ip):  # not stored: anyone could fill the table from outside
        return _error(403, "source_not_allowed", "This address may not post PBX reports.")

    limit = settings.PBX_REPORT_MAX_BYTES
    try:
        raw = request.read(limit + 1)  # never more: a huge body is refused without holding it in memory
    except UnreadablePostError:  # the sender went away mid-body: no one is left to answer, nothing to keep
        return _error(400, "incomplete_body", "The report body could not be read.")
    try:
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type and "json" not in content_type.lower():
            reason = f"content type {content_type[:80]!r} is not JSON"
            ingest.store_rejected(raw=raw[:limit], source_ip=source_ip, reason=reason)
            return _rejected(reason)
        if len(raw) > limit:
            reason = f"too large: body larger than {limit} bytes (kept truncated)"
            ingest.store_rejected(raw=raw[:limit], source_ip=source_ip, reason=reason)
            return _rejected(reason)
        try:
            _event, created = ingest.store_report(raw=raw, source_ip=source_ip)
        except ingest.ReportRejected as exc:
            return _rejected(exc.message)
        except DataError as exc:  # a value the database refused: bad input, kept as rejected
            log.exception("PBX report could not be stored as received")
            reason = f"could not be stored ({exc.__class__.__name__})"
            ingest.store_rejected(raw=raw, source_ip=source_ip, reason=reason)
            return _rejected(reason)
    except (OperationalError, InterfaceError):  # the database is down: the PBX will send it again
        log.exception("PBX report not stored: database unavailable")
        response = _error(503, "unavailable", "Storage unavailable; send the report again later.")
        response["Retry-After"] = "5"
        return response
    return _answer(200, {"status": "ok" if created else "duplicate"})

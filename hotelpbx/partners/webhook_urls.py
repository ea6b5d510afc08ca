"""Where webhooks may go: no request forgery into the hotel's own network.

A partner names the URL, and the server sends to it from inside the hotel: to loopback, private,
link-local (the cloud metadata address 169.254.169.254) or other non-public addresses it would reach
what the partner cannot. Such addresses are refused unless API_WEBHOOK_ALLOW_PRIVATE (the demo and
DEBUG: a receiver on 127.0.0.1) or the host or its network is in API_WEBHOOK_ALLOWED_HOSTS.

Checked twice: when the URL is registered (its name resolved), and at delivery on the address the
connection actually reached, so a name that resolves elsewhere later (DNS rebinding) is refused too.
Redirects are never followed (webhooks.send_one)."""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class WebhookUrlRefused(Exception):
    """The URL may not receive webhooks. `code` is stable for programs."""

    def __init__(self, message: str, *, code: str = "webhook_url_not_allowed"):
        super().__init__(message)
        self.message, self.code = message, code


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _allow_list() -> tuple[set[str], list]:
    names, networks = set(), []
    for entry in settings.API_WEBHOOK_ALLOWED_HOSTS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


def address_allowed(address: str, host: str) -> bool:
    """May a webhook for `host` go to `address` (the IP connected or resolved)?"""
    if settings.API_WEBHOOK_ALLOW_PRIVATE:
        return True
    names, networks = _allow_list()
    if host.lower().rstrip(".") in names:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return _public(ip) or any(ip in network for network in networks)


def check_url(url: str) -> None:
    """At registration: an http(s) URL whose host resolves only to addresses it may reach."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("A webhook URL is http:// or https:// with a host name.", code="invalid")
    if parts.username or parts.password:
        raise WebhookUrlRefused("Put no user name or password in the URL; verify the signature instead.")
    if settings.API_WEBHOOK_ALLOW_PRIVATE:
        return
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise WebhookUrlRefused(
            f"The host {host!r} does not resolve; register a URL whose name is in DNS.",
            code="webhook_url_unresolvable",
        ) from None
    refused = sorted({info[4][0] for info in infos if not address_allowed(info[4][0], host)})
    if refused:
        raise WebhookUrlRefused(
            f"The host {host!r} resolves to {', '.join(refused)}: a loopback, private, link-local or other "
            "non-public address, which webhooks may not reach. Use a public address, or ask the hotel to "
            "allow the host (API_WEBHOOK_ALLOWED_HOSTS)."
        )


# --- at delivery: the address the connection reached ---------------------------------------------


class _PeerCheck:
    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not address_allowed(peer, self.host):
            sock.close()
            raise requests.ConnectionError(
                f"refused: {self.host} resolved to {peer}, a non-public address webhooks may not reach"
            )
        return sock


class _CheckedHTTPConnection(_PeerCheck, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerCheck, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def session() -> requests.Session:
    """A session whose connections refuse addresses webhooks may not reach. No proxy from the
    environment: the peer checked must be the receiver itself."""
    s = requests.Session()
    s.trust_env = False
    adapter = _CheckedAdapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s

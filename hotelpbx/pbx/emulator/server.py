"""HTTP front end: Boa-style answers for /api/..., JSON for the /_emulator/ control API.

Every API answer is HTTP 200 with the headers of the documented samples and `Connection: close`
(API.md section 2.3). The `down` fault resets API connections without answering.
"""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from . import api, control

if TYPE_CHECKING:
    from .emulator import Emulator

log = logging.getLogger("hotelpbx.pbx.emulator.http")

CORS_HEADERS = {
    "Access-control-allow-origin": "*",
    "Access-control-allow-methods": "GET, POST, OPTIONS, PUT, DELETE",
}
MAX_BODY = 1 << 20


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emu: Emulator, tls: ssl.SSLContext | None) -> None:
        self.emu = emu
        self.tls = tls
        super().__init__(address, RequestHandler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = super().get_request()
        if self.tls is not None:
            # Handshake on first read, in the request thread, so a slow client cannot stall accept().
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


def make_server(
    emu: Emulator, host: str, port: int, certfile: str | None, keyfile: str | None
) -> EmulatorHTTPServer:
    tls = None
    if certfile:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(certfile, keyfile)
    return EmulatorHTTPServer((host, port), emu, tls)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Boa/0.94.14rc21"
    server: EmulatorHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The query string carries the token: log the path only.
        log.debug("%s %s %s -> %s", self.client_address[0], self.command, self.path.split("?")[0], code)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("http: %s", (format % args).split("?")[0])

    def do_POST(self) -> None:
        self._dispatch()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _dispatch(self) -> None:
        emu = self.server.emu
        path, _, query_string = self.path.partition("?")
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        self.close_connection = True
        if path.startswith("/_emulator/") or path == "/_emulator":
            status, payload = control.handle(emu, self.command, path, self._read_body())
            self._send(status, payload, "application/json", {})
            return
        if emu.faults.down:
            self._reset()
            return
        if emu.faults.slow_seconds:
            time.sleep(emu.faults.slow_seconds)
        body = self._read_body()
        if self.command == "OPTIONS":
            self._send(200, b"", "application/json", {"Access-control-allow-headers": "Content-Type"})
            return
        answer = api.handle(emu, self.command, path, query, body, self.client_address[0])
        self._send(200, answer.body, answer.content_type, answer.extra_headers)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Connection", "close")
        self.send_header("Content-Type", content_type)
        for name, value in {**CORS_HEADERS, **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # the client went away (timed out, or its process was killed): the answer has nowhere to go
            self.close_connection = True

    def _reset(self) -> None:
        """Close with RST and no answer: what a client sees when the PBX is unreachable mid-request."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

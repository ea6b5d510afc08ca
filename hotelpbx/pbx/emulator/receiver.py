"""A tiny report receiver (the "application server" side) for tests and manual runs.

    with ReportReceiver() as rx:            # listens on 127.0.0.1, random port
        ... login with port=rx.port, url="yeastar/events" ...
        rx.wait_for(lambda bodies: len(bodies) >= 3)
        rx.bodies       # raw bytes of every POST, in arrival order
        rx.requests     # dicts: path, headers, body

`statuses` lets a test answer e.g. [500, 500] first (then 200) to exercise the PBX's retries.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ReportReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, statuses: list[int] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._cond:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "status": status}
                    )
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bodies(self) -> list[bytes]:
        """Bodies answered with 200 (the ones the app accepted), in order."""
        with self._cond:
            return [r["body"] for r in self.requests if r["status"] == 200]

    def events(self) -> list[dict[str, Any]]:
        """Accepted bodies parsed with plain json.loads (duplicate keys collapse: last one wins)."""
        return [json.loads(b) for b in self.bodies]

    def wait_for(self, predicate: Callable[[list[bytes]], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate([r["body"] for r in self.requests if r["status"] == 200]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def clear(self) -> None:
        with self._cond:
            self.requests.clear()

    def start(self) -> ReportReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ReportReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

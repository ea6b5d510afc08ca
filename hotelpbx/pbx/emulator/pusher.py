"""Background delivery of reports to application servers, like the PBX's HTTP report client.

One worker thread per target URL keeps delivery in order per target while a dead target does not hold
up the others. A report is re-sent until the app answers HTTP 200 (any other status, a timeout or a
refused connection is a failed try), every `retry_interval` seconds, at most `max_attempts` times; then
it is given up (outcome "given_up") and the next one goes. The real schedule is undocumented; these are
emulator settings (--report-retry-interval, --report-max-attempts).

Queue behaviour, exactly: per target, first in, first out, one report in flight. A report the app does
not accept holds back every later report to that target until it is delivered or given up, i.e. for at
most max_attempts tries, (max_attempts - 1) * retry_interval seconds of waiting plus up to `timeout` per
try; with the defaults (30 tries, 1 s, 5 s timeout) 29 s against an app that answers 400 at once.
"""

from __future__ import annotations

import http.client
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("hotelpbx.pbx.emulator.pusher")

HEADERS = {"User-Agent": "WebAPI", "Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class Delivery:
    target: str
    body: bytes
    name: str
    token: str | None
    not_before: float
    record: dict[str, Any] = field(default_factory=dict)


class ReportPusher:
    def __init__(
        self,
        retry_interval: float = 1.0,
        max_attempts: int = 30,
        timeout: float = 5.0,
        on_delivered: Callable[[Delivery], None] | None = None,
        max_log_entries: int = 20000,
    ) -> None:
        self.max_log_entries = max_log_entries
        self.retry_interval = retry_interval
        self.max_attempts = max(1, max_attempts)
        self.timeout = timeout
        self.on_delivered = on_delivered
        self.log: list[dict[str, Any]] = []  # one record per report: target, body, attempts, outcome
        self._queues: dict[str, deque[Delivery]] = {}
        self._workers: dict[str, threading.Thread] = {}
        self._cond = threading.Condition()
        self._pending = 0
        self._stopping = threading.Event()

    def enqueue(
        self, target: str, body: bytes, name: str, token: str | None = None, delay: float = 0.0
    ) -> None:
        record = {
            "target": target,
            "event": name,
            "body": body.decode(),
            "attempts": 0,
            "outcome": "queued",
            "http_status": None,
        }
        delivery = Delivery(target, body, name, token, time.monotonic() + delay, record)
        with self._cond:
            self._log(record)
            self._pending += 1
            self._queues.setdefault(target, deque()).append(delivery)
            if target not in self._workers:
                worker = threading.Thread(
                    target=self._run, args=(target,), name=f"report-pusher {target}", daemon=True
                )
                self._workers[target] = worker
                worker.start()
            self._cond.notify_all()

    def record_dropped(self, target: str, body: bytes, name: str) -> None:
        with self._cond:
            self._log(
                {
                    "target": target,
                    "event": name,
                    "body": body.decode(),
                    "attempts": 0,
                    "outcome": "dropped",
                    "http_status": None,
                }
            )

    def _log(self, record: dict[str, Any]) -> None:
        """Append under the lock, dropping the oldest records past max_log_entries."""
        self.log.append(record)
        if self.max_log_entries > 0 and len(self.log) > self.max_log_entries:
            del self.log[: len(self.log) - self.max_log_entries]

    def pending(self) -> int:
        with self._cond:
            return self._pending

    def wait_idle(self, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            for queue in self._queues.values():
                self._pending -= len(queue)
                for item in queue:
                    item.record["outcome"] = "cancelled"
                queue.clear()
            self._cond.notify_all()

    # --- worker ---------------------------------------------------------------------------------------
    def _run(self, target: str) -> None:
        while not self._stopping.is_set():
            with self._cond:
                queue = self._queues[target]
                while not queue and not self._stopping.is_set():
                    self._cond.wait(timeout=1.0)
                if self._stopping.is_set():
                    return
                delivery = queue[0]
            wait = delivery.not_before - time.monotonic()
            if wait > 0 and self._stopping.wait(wait):
                return
            self._deliver(delivery)
            with self._cond:
                if queue and queue[0] is delivery:
                    queue.popleft()
                    self._pending -= 1
                self._cond.notify_all()

    def _deliver(self, delivery: Delivery) -> None:
        record = delivery.record
        while record["attempts"] < self.max_attempts and not self._stopping.is_set():
            record["attempts"] += 1
            status = self._post(delivery)
            record["http_status"] = status
            if status == 200:
                record["outcome"] = "delivered"
                if self.on_delivered:
                    self.on_delivered(delivery)
                return
            if record["attempts"] < self.max_attempts and self._stopping.wait(self.retry_interval):
                break
        if self._stopping.is_set():
            record["outcome"] = "cancelled"
            return
        record["outcome"] = "given_up"
        log.warning(
            "report %s to %s given up after %s attempts", delivery.name, delivery.target, record["attempts"]
        )

    def _post(self, delivery: Delivery) -> int | None:
        parts = urlsplit(delivery.target)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn: http.client.HTTPConnection
        try:
            if parts.scheme == "https":
                # The PBX does not verify the app server's certificate either (self-signed setups).
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                conn = http.client.HTTPSConnection(
                    parts.hostname or "", parts.port or 443, timeout=self.timeout, context=context
                )
            else:
                conn = http.client.HTTPConnection(
                    parts.hostname or "", parts.port or 80, timeout=self.timeout
                )
            try:
                headers = dict(HEADERS, Connection="close")
                conn.request("POST", path, body=delivery.body, headers=headers)
                response = conn.getresponse()
                response.read()
                return response.status
            finally:
                conn.close()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            log.debug("report %s to %s failed: %s", delivery.name, delivery.target, exc)
            return None

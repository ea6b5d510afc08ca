"""The Emulator object: owns state, sessions, reports, the HTTP server and the test hooks."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from datetime import datetime
from typing import Any

from . import server as server_module
from .alarms import next_ring
from .calls import CallSimulator
from .clock import Clock
from .config import EmulatorConfig
from .errors import TOO_FREQUENT, ApiError
from .faults import Faults
from .pusher import Delivery, ReportPusher
from .reports import Report, boot_up, render
from .sessions import Session, SessionStore
from .state import PbxState

log = logging.getLogger("hotelpbx.pbx.emulator")


class Emulator:
    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = Clock(self.config.time_zone)
        # One re-entrant lock for all PBX state: API handlers, call simulation and tick() take it.
        self.lock = threading.RLock()
        self.state = PbxState.from_config(self.config)
        self.sessions = SessionStore(
            self.clock,
            self.config.token_idle_seconds,
            self.config.login_max_failures,
            self.config.login_block_seconds,
        )
        self.faults = Faults()
        self.applied: list[dict[str, Any]] = []
        self.requests_log: list[dict[str, Any]] = []
        self.randoms: dict[str, dict[str, Any]] = {}
        self.alarm_next: dict[str, datetime] = {}
        self.boot_time = self.clock.time()
        self.pusher = ReportPusher(
            self.config.report_retry_interval,
            self.config.report_max_attempts,
            self.config.report_timeout,
            on_delivered=self._on_delivered,
            max_log_entries=self.config.max_log_entries,
        )
        self.calls = CallSimulator(self.config, self.clock, self.state, self.lock, self.publish)
        self.traffic: Any = None
        self._rng = random.Random(self.config.random_seed)
        self._config_calls: deque[float] = deque()
        self._server: server_module.EmulatorHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        certfile: str | None = None,
        keyfile: str | None = None,
        tick_interval: float = 1.0,
    ) -> Emulator:
        self._server = server_module.make_server(self, host, port, certfile, keyfile)
        serve = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="pbx-emulator-http",
            daemon=True,
        )
        ticker = threading.Thread(
            target=self._tick_loop, args=(tick_interval,), name="pbx-emulator-tick", daemon=True
        )
        self._threads = [serve, ticker]
        for thread in self._threads:
            thread.start()
        log.info(
            "Yeastar emulator listening on %s (sn %s, %d extensions)",
            self.url,
            self.config.sn,
            len(self.state.extensions),
        )
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self.traffic is not None:
            self.traffic.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.pusher.stop()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> Emulator:
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        scheme = "https" if self._server.tls else "http"
        return f"{scheme}://{host}:{port}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def reports_log(self) -> list[dict[str, Any]]:
        """Every report the PBX tried to push: target, event, body, attempts, outcome."""
        return self.pusher.log

    def _tick_loop(self, interval: float) -> None:
        while not self._stopping.wait(interval):
            try:
                self.tick()
            except Exception:  # a broken alarm must not kill the ticker
                log.exception("tick failed")

    # --- reports --------------------------------------------------------------------------------------
    def publish(self, reports: list[Report], delay: float = 0.0) -> None:
        """Queue reports for every subscribed session (nothing when no app is logged in)."""
        with self.lock:
            targets = self._subscribers()
            self._send(targets, reports, delay)

    def _subscribers(self) -> list[Session]:
        """Sessions that get reports over HTTP: with Report Method TCP, v2 sessions get none here."""
        sessions = self.sessions.subscribers(self.config.single_subscriber)
        if self.config.report_transport.upper() == "TCP":
            sessions = [s for s in sessions if s.api_version != "v2.0.0"]
        return sessions

    def _send(self, sessions: list[Session], reports: list[Report], delay: float = 0.0) -> None:
        for report in reports:
            for session in sessions:
                body = render(report, session.format)
                if body is None:
                    continue
                if self.faults.take_drop():
                    self.pusher.record_dropped(session.target, body, report.name)
                    continue
                self.pusher.enqueue(session.target, body, report.name, token=session.token, delay=delay)

    def push_raw(self, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else bytes(body)
        with self.lock:
            for session in self._subscribers():
                if self.faults.take_drop():
                    self.pusher.record_dropped(session.target, data, "raw")
                else:
                    self.pusher.enqueue(session.target, data, "raw", token=session.token)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Until every queued report was delivered or given up; False on timeout."""
        return self.pusher.wait_idle(timeout)

    def _on_delivered(self, delivery: Delivery) -> None:
        # The 2017 guide counts a pushed report as interaction; off by default (see __init__ docstring).
        if not self.config.report_renews_token or delivery.token is None:
            return
        with self.lock:
            session = self.sessions.sessions.get(delivery.token)
            if session is not None and not session.expired:
                session.last_used = self.clock.time()

    # --- test hooks -----------------------------------------------------------------------------------
    def place_call(self, **call: Any) -> str:
        """Simulate a call with its reports and CDR; the options (kind, src, dst, answer, talk_seconds,
        status, did, trunk, recording, delay, callid, ...) are CallSimulator.place_call's, listed once."""
        return self.calls.place_call(**call)

    def press_dtmf(
        self, ext: str, digits: str, callpath: str = "", callid: str | None = None, end_call: bool = True
    ) -> str:
        return self.calls.press_dtmf(ext, digits, callpath=callpath, callid=callid, end_call=end_call)

    def fail_call(self, ext: str, reason: str, callid: str | None = None) -> str:
        return self.calls.fail_call(ext, reason, callid=callid)

    def leave_voicemail(self, ext: str, caller: str, length: int = 20) -> dict[str, str]:
        return self.calls.leave_voicemail(ext, caller, length)

    def ring_alarm(self, ext: str, wakeupid: str | None = None, answer: bool = True) -> list[str]:
        """Run a wake-up alarm now (the ext's first alarm when no id): call reports + NewCdr.

        Returns the callids (one per attempt; an unanswered alarm is retried `repeats` times).
        A onetime alarm is removed afterwards. Without any alarm, an ad-hoc one-attempt alarm rings.
        """
        with self.lock:
            if wakeupid is not None:
                alarm = self.state.alarms.get(str(wakeupid))
                if alarm is None or alarm["ext"] != ext:
                    raise KeyError(f"no wake-up alarm {wakeupid} on {ext}")
            else:
                alarms = self.state.alarms_of(ext)
                alarm = (
                    alarms[0]
                    if alarms
                    else {
                        "ext": ext,
                        "type": "onetime",
                        "repeats": "1",
                        "repeatinterval": "5",
                        "prompt": "macroform-cold_day",
                    }
                )
            callids = self.calls.ring_alarm(alarm, answer=answer)
            self._after_alarm_run(alarm)
            return callids

    def _after_alarm_run(self, alarm: dict[str, str]) -> None:
        wakeupid = alarm.get("wakeupid")
        if not wakeupid or wakeupid not in self.state.alarms:
            return
        if alarm["type"] == "onetime":
            self.delete_alarm(wakeupid)
        else:
            self._schedule(wakeupid)

    def tick(self) -> list[str]:
        """Ring every alarm whose time has passed on the clock; returns the callids placed."""
        callids: list[str] = []
        with self.lock:
            now = self.clock.now()
            due = sorted((when, wid) for wid, when in self.alarm_next.items() if when <= now)
            for _, wakeupid in due:
                alarm = self.state.alarms.get(wakeupid)
                if alarm is None:
                    self.alarm_next.pop(wakeupid, None)
                    continue
                callids += self.calls.ring_alarm(alarm, answer=self.config.alarm_answer)
                self._after_alarm_run(alarm)
            now_epoch = self.clock.time()
            for random_value in [r for r, e in self.randoms.items() if e["expires"] < now_epoch - 3600]:
                del self.randoms[random_value]
        return callids

    def set_trunk_status(self, name: str, status: str) -> dict[str, str]:
        """A trunk goes down or comes back (any of the documented states, e.g. "Failure")."""
        with self.lock:
            if name not in self.state.trunk_info:
                raise KeyError(f"no trunk named {name}")
            if not status.strip():
                raise ValueError("status must not be empty")
            self.state.trunk_info[name]["status"] = status.strip()
            return {"trunkname": name, **self.state.trunk_info[name]}

    def expire_tokens(self) -> int:
        with self.lock:
            return self.sessions.expire_all()

    def reboot(self) -> None:
        """Restart the PBX: BootUp goes to the apps logged in just before; all tokens are then gone."""
        with self.lock:
            before = self._subscribers()
            self.sessions.drop_all()
            self.randoms.clear()
            self.boot_time = self.clock.time()
            self._send(before, [boot_up(self.config.sn)])

    def unblock(self, ip: str | None = None) -> list[str]:
        with self.lock:
            return self.sessions.unblock(ip)

    def log_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests_log.append(entry)
            _trim(self.requests_log, self.config.max_log_entries)

    def reset_logs(self) -> None:
        with self.lock:
            self.applied.clear()
            self.requests_log.clear()
            self.pusher.log.clear()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            data = self.state.snapshot()
            data["sessions"] = [
                {
                    "token_prefix": s.token[:4],
                    "api_version": s.api_version,
                    "version": s.version,
                    "format": s.format,
                    "target": s.target,
                    "source_ip": s.source_ip,
                    "expired": s.expired,
                }
                for s in self.sessions.sessions.values()
            ]
            data["blocked_ips"] = self.sessions.blocked()
            data["alarm_next"] = {k: v.isoformat() for k, v in self.alarm_next.items()}
            data["now"] = self.clock.now().isoformat()
            data["faults"] = self.faults.to_dict()
            return data

    # --- alarm bookkeeping (called by API handlers under the lock) ------------------------------------
    def add_alarm(self, number: str, alarm: dict[str, str]) -> str:
        wakeupid = str(self.state.next_wakeup_id)
        self.state.next_wakeup_id += 1
        self.state.alarms[wakeupid] = {"wakeupid": wakeupid, "ext": number, **alarm}
        self._schedule(wakeupid)
        return wakeupid

    def replace_alarm(self, wakeupid: str, alarm: dict[str, str]) -> None:
        current = self.state.alarms[wakeupid]
        self.state.alarms[wakeupid] = {"wakeupid": wakeupid, "ext": current["ext"], **alarm}
        self._schedule(wakeupid)

    def delete_alarm(self, wakeupid: str) -> None:
        self.state.alarms.pop(wakeupid, None)
        self.alarm_next.pop(wakeupid, None)

    def _schedule(self, wakeupid: str) -> None:
        when = next_ring(self.state.alarms[wakeupid], self.clock.now())
        if when is None:
            self.alarm_next.pop(wakeupid, None)
        else:
            self.alarm_next[wakeupid] = when

    # --- dispatcher helpers ---------------------------------------------------------------------------
    def maybe_inject_errno(self) -> None:
        if self.faults.errno_rate > 0 and self._rng.random() < self.faults.errno_rate:
            raise ApiError(self.faults.errno, "injected fault")

    def check_config_rate(self) -> None:
        """More than config_rate_limit config changes within config_rate_window seconds -> 10025."""
        now = time.monotonic()
        window = self.config.config_rate_window
        while self._config_calls and now - self._config_calls[0] >= window:
            self._config_calls.popleft()
        if len(self._config_calls) >= self.config.config_rate_limit:
            raise ApiError(TOO_FREQUENT)
        self._config_calls.append(now)


def _trim(entries: list[Any], limit: int) -> None:
    """Drop the oldest entries in place (callers keep references to the same list)."""
    if limit > 0 and len(entries) > limit:
        del entries[: len(entries) - limit]

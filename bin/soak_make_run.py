"""Soak test of the real `make run` stack: bin/run (embedded Redis, web, worker, beat, PBX emulator with
its simulated guest calls) for N minutes, with desk changes that send PBX commands, then the figures.

    .venv/bin/python bin/soak_make_run.py                       # 30 minutes on ports 8400 / 8488
    .venv/bin/python bin/soak_make_run.py --minutes 5 --web-port 8410 --emulator-port 8489

The desk changes go through the web pages as the demo front-desk user. It runs in its own folder
(var/soak/ unless --var-dir; emptied first), so a `make run` of yours is not touched; DATABASE_URL
and REDIS_URL pass through as set. It counts:
  - worker exits: the Celery worker leaving (honcho's "worker.1 stopped" line, or its supervisor's pid
    gone at one of the checks every second), and "Unrecoverable error" lines;
  - PBX commands: made, applied, still pending, failed, once the desk changes stop and the queue had
    time to drain;
  - reports received by the webhook and call records billed;
  - the PBX badge the desk sees, once a minute.
Exit code 0 only with no worker exit, nothing pending or failed, and call records arriving.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOPPED = re.compile(r"^\S+ system\s+\| (\w+)\.\d+ stopped \(rc=(-?\d+)\)")
STARTED = re.compile(r"^\S+ system\s+\| worker\.\d+ started \(pid=(\d+)\)")


class RunWatcher:
    """Reads bin/run's output into a log file and counts what matters as it goes."""

    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path
        self.counts: Counter[str] = Counter()
        self.stopped: list[tuple[str, int]] = []
        self.worker_pids: list[int] = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with self.log_path.open("w") as log:
            for raw in self.process.stdout:
                line = raw.rstrip("\n")
                log.write(raw)
                log.flush()
                if match := STOPPED.search(line):
                    self.stopped.append((match.group(1), int(match.group(2))))
                if match := STARTED.search(line):
                    self.worker_pids.append(int(match.group(1)))
                if "worker.1" in line and " ready." in line:
                    self.counts["worker ready"] += 1
                    self.ready.set()
                if "Unrecoverable error" in line:
                    self.counts["unrecoverable error"] += 1
                if "WorkerLostError" in line or re.search(r"ForkPoolWorker-\d+.* exited with", line):
                    self.counts["pool child lost"] += 1
                if "!!!" in line:
                    self.counts["stack stopped itself"] += 1
                if "Traceback" in line:
                    self.counts["tracebacks"] += 1


def free_port(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def django_setup(var_dir: Path) -> None:
    os.environ["HOTELPBX_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotelpbx.settings")
    # The same key bin/run made for the stack (settings refuse to load without one, DEBUG off).
    key_file = var_dir / "secret_key"
    if "DJANGO_SECRET_KEY" not in os.environ and key_file.exists():
        os.environ["DJANGO_SECRET_KEY"] = key_file.read_text().strip()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def figures() -> dict:
    from django.db.models import Count

    from billing.models import CallRecord
    from hotelpbx.pbx.models import PbxCommand, PbxEvent

    def by(model, field: str) -> dict:
        rows = model.objects.order_by().values_list(field).annotate(n=Count("id"))
        return dict(rows.values_list(field, "n"))

    commands, events, names = by(PbxCommand, "status"), by(PbxEvent, "status"), by(PbxEvent, "name")
    return {
        "commands": commands,
        "events_by_status": events,
        "events_by_name": names,
        "call_records": CallRecord.objects.count(),
    }


class Desk:
    """The front desk in a browser: logs in, and turns do-not-disturb on and off in occupied rooms,
    which sends PBX commands through the stack's own web, broker and worker."""

    def __init__(self, base: str):
        import requests

        self.base = base
        self.http = requests.Session()
        self.http.get(f"{base}/login/", timeout=10)
        response = self.http.post(
            f"{base}/login/",
            data={
                "username": "frontdesk",
                "password": "hotelpbx-demo",
                "csrfmiddlewaretoken": self.http.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/login/"},
            timeout=10,
        )
        response.raise_for_status()
        if "sessionid" not in self.http.cookies:
            raise RuntimeError("the demo front-desk login failed")

    def toggle_dnd(self, rng: random.Random) -> None:
        from rooms.models import Room

        room = rng.choice(list(Room.objects.filter(stays__status="in_house").distinct()))
        response = self.http.post(
            f"{self.base}/rooms/{room.number}/dnd/",
            data={"dnd": "off" if room.dnd else "on", "csrfmiddlewaretoken": self.http.cookies["csrftoken"]},
            headers={"Referer": f"{self.base}/rooms/{room.number}/"},
            timeout=10,
        )
        response.raise_for_status()

    def badge_level(self) -> str:
        text = self.http.get(f"{self.base}/pbx/badge/", timeout=10).text
        match = re.search(r'data-pbx-level="(\w+)"', text)
        return match.group(1) if match else "?"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 30)))
    parser.add_argument("--web-port", type=int, default=8400)
    parser.add_argument("--emulator-port", type=int, default=8488)
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "soak"))
    parser.add_argument("--desk-interval", type=float, default=10.0, help="seconds between desk changes")
    parser.add_argument("--drain-seconds", type=float, default=120.0, help="time for the queue to empty")
    args = parser.parse_args()

    var_dir = Path(args.var_dir).resolve()
    for port in (args.web_port, args.emulator_port):
        if not free_port(port):
            print(f"port {port} is in use", file=sys.stderr)
            return 2
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = {
        **os.environ,
        "HOTELPBX_VAR_DIR": str(var_dir),
        "WEB_BIND": f"127.0.0.1:{args.web_port}",
        "PBX_EMULATOR_PORT": str(args.emulator_port),
    }
    env.pop("PBX_URL", None)  # the emulator, not a real PBX
    log_path = var_dir / "run.log"
    started = time.monotonic()
    run = subprocess.Popen(
        [str(ROOT / "bin" / "run")],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # a session as a terminal gives it; Ctrl-C goes to this group
    )
    watcher = RunWatcher(run, log_path)
    print(f"bin/run pid {run.pid}; output in {log_path}", flush=True)
    if not watcher.ready.wait(180):
        print("the worker did not become ready within 180 s", file=sys.stderr)
        os.killpg(run.pid, signal.SIGTERM)
        return 2
    try:
        django_setup(var_dir)
    except Exception:
        os.killpg(run.pid, signal.SIGTERM)  # never leave the stack running behind a failed start
        raise

    rng = random.Random(2026)
    desk = Desk(f"http://127.0.0.1:{args.web_port}")
    badge_levels: Counter[str] = Counter()
    deadline = started + args.minutes * 60
    worker_exits_seen_by_pid = 0
    known_dead: set[int] = set()
    next_desk = time.monotonic()
    next_report = time.monotonic() + 60
    desk_changes = 0
    while time.monotonic() < deadline and run.poll() is None:
        for pid in watcher.worker_pids:
            if pid not in known_dead and not Path(f"/proc/{pid}").exists():
                known_dead.add(pid)
                worker_exits_seen_by_pid += 1
        if time.monotonic() >= next_desk:
            try:
                desk.toggle_dnd(rng)
                desk_changes += 1
            except Exception as exc:  # reported, the soak goes on
                print(f"desk change failed: {exc!r}", flush=True)
            next_desk += args.desk_interval
        if time.monotonic() >= next_report:
            minute = (time.monotonic() - started) / 60
            level = desk.badge_level()
            badge_levels[level] += 1
            print(f"[{minute:5.1f} min] badge {level} {json.dumps(figures())}", flush=True)
            next_report += 60
        time.sleep(1)

    # The desk stops; the queue gets time to drain, and the reports of the last calls time to land.
    from hotelpbx.pbx.models import CommandStatus, EventStatus, PbxCommand, PbxEvent

    def settled() -> bool:
        open_commands = PbxCommand.objects.filter(status__in=[CommandStatus.PENDING, CommandStatus.SENDING])
        unprocessed = PbxEvent.objects.filter(status=EventStatus.RECEIVED)
        return not open_commands.exists() and not unprocessed.exists()

    drain_deadline = time.monotonic() + args.drain_seconds
    quiet_checks = 0
    while time.monotonic() < drain_deadline and run.poll() is None and quiet_checks < 5:
        quiet_checks = quiet_checks + 1 if settled() else 0
        time.sleep(1)
    alive_at_end = run.poll() is None
    worker_alive = bool(watcher.worker_pids) and Path(f"/proc/{watcher.worker_pids[-1]}").exists()
    result = figures()

    stopped_before_end = list(watcher.stopped)
    stop_started = time.monotonic()
    if alive_at_end:
        os.kill(run.pid, signal.SIGTERM)
    try:
        run_rc = run.wait(90)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        run_rc = run.wait(10)
    watcher.thread.join(10)
    stop_seconds = time.monotonic() - stop_started
    redis_left = any(
        "redis-server" in p.read_text(errors="replace") and str(var_dir) in p.read_text(errors="replace")
        for p in Path("/proc").glob("[0-9]*/cmdline")
        if p.exists()
    )

    worker_exits = max(sum(1 for name, _ in stopped_before_end if name == "worker"), worker_exits_seen_by_pid)
    commands = result["commands"]
    pending = commands.get("pending", 0) + commands.get("sending", 0)
    failed = commands.get("failed", 0)
    report = {
        "minutes": round((stop_started - started) / 60, 1),
        "stack_alive_until_the_end": alive_at_end,
        "worker_alive_at_the_end": worker_alive,
        "worker_exits": worker_exits,
        "processes_stopped_before_the_end": [f"{name} (rc={rc})" for name, rc in stopped_before_end],
        "worker_starts": len(watcher.worker_pids),
        "unrecoverable_errors": watcher.counts["unrecoverable error"],
        "tracebacks_in_output": watcher.counts["tracebacks"],
        "desk_changes": desk_changes,
        "badge_levels_seen_each_minute": dict(badge_levels),
        "commands_total": sum(commands.values()),
        "commands_done": commands.get("done", 0),
        "commands_pending": pending,
        "commands_failed": failed,
        "reports_received": sum(result["events_by_status"].values()),
        "reports_by_status": result["events_by_status"],
        "reports_by_name": result["events_by_name"],
        "call_records": result["call_records"],
        "stop_seconds": round(stop_seconds, 1),
        "bin_run_exit_code": run_rc,
        "redis_left_running": redis_left,
        "log": str(log_path),
    }
    print(json.dumps(report, indent=2))
    (var_dir / "figures.json").write_text(json.dumps(report, indent=2))
    ok = (
        alive_at_end
        and report["worker_exits"] == 0
        and report["unrecoverable_errors"] == 0
        and pending == 0
        and failed == 0
        and report["call_records"] > 0
        and not redis_left
    )
    print("SOAK OK" if ok else "SOAK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

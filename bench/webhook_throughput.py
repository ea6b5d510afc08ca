"""Report webhook throughput and latency, against a trivial JSON view (/healthz) on the same server.

Starts gunicorn on 127.0.0.1 with a throwaway SQLite database in a temp dir (or DATABASE_URL if set),
migrated first, then posts distinct NewCdr reports from a bounded client load (THREADS threads x
REQUESTS each, a new connection per request, as the PBX does) and does the same with GET /healthz,
in alternating rounds so that other load on the machine hits both alike. The broker is an embedded
Redis in the temp dir (REDIS_URL is ignored); on DATABASE_URL the bench's reports are deleted
afterwards. Note: SQLite has no persistent connections in settings (CONN_MAX_AGE 0), so every
report opens the file and runs the WAL pragmas; that alone costs about a third of the throughput.
Prints reports/s, p50/p99 latency for both, the throughput ratio (goal >= 0.5) and the webhook p99
(goal < 50 ms). Exits 1 if a request failed, not when a goal is missed: the figure is the output.

    python bench/webhook_throughput.py     # env: BENCH_THREADS=8 BENCH_REQUESTS=250 BENCH_WORKERS=2
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from hotelpbx.core.embedded_redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "250"))  # per thread and per phase
WORKERS = os.environ.get("BENCH_WORKERS", "2")
ROUNDS = 5
SN = "369364835218"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(var_dir: str, token: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="hotelpbx.settings",
        HOTELPBX_VAR_DIR=var_dir,  # SQLite file and the embedded Redis's socket live here
        PBX_EVENTS_TOKEN=token,
        PBX_SERIAL=SN,
        PBX_ALLOWED_IPS="",
        PBX_URL="",  # no PBX link: the bench measures the inbound path only
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # the settings refuse the public one
    env.pop("REDIS_URL", None)  # the broker is an embedded Redis in the temp dir: nothing leaks out
    return env


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hotelpbx.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--worker-class",
            "sync",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and its workers, nothing else
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def cdr(n: int, run: str) -> bytes:
    return json.dumps(
        {
            "action": "NewCdr",
            "callid": f"bench-{run}.{n}",
            "timestart": "2026-03-02 09:30:00",
            "callfrom": "bench",
            "callto": "900442071234567",
            "desttrunkname": "SIP-Carrier",
            "callduraction": "95",
            "talkduraction": "81",
            "status": "ANSWERED",
            "type": "Outbound",
            "sn": SN,
        }
    ).encode()


def run_phase(call, count: int) -> dict:
    """`call(i)` -> (status, ok) for i in range(count) from THREADS threads; latencies in ms."""

    def timed(i: int):
        started = time.perf_counter()
        try:
            status, ok = call(i)
        except requests.RequestException as exc:
            status, ok = repr(exc), False
        return (time.perf_counter() - started) * 1000, status, ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(timed, range(count)))
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "latencies": [r[0] for r in results],
        "failed": [r[1] for r in results if not r[2]][:5],
        "failures": sum(1 for r in results if not r[2]),
    }


def cleanup(env: dict[str, str], run: str) -> None:
    """On a real DATABASE_URL, remove the bench's reports so no sweeper ever processes them."""
    code = (
        "from hotelpbx.pbx.models import PbxEvent; "
        f"PbxEvent.objects.filter(callid__startswith='bench-{run}.').delete()"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=False)


def merge(rounds: list[dict]) -> dict:
    latencies = sorted(ms for r in rounds for ms in r["latencies"])
    return {
        "rate": sum(len(r["latencies"]) for r in rounds) / sum(r["elapsed"] for r in rounds),
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "failed": [f for r in rounds for f in r["failed"]][:5],
        "failures": sum(r["failures"] for r in rounds),
    }


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="hotelpbx-bench-")
    token = secrets.token_urlsafe(24)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    webhook = f"{base}/pbx/events/{token}/"
    run = (
        f"{int(time.time())}{secrets.randbelow(1000):03d}"  # distinct call ids even on a reused DATABASE_URL
    )
    close = {"Connection": "close"}
    db = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "SQLite in a temp dir"
    env = server_env(tmp, token)
    load_before = os.getloadavg()[0]
    broker = EmbeddedRedis(tmp).start()
    try:
        server = start_server(env, port, Path(tmp) / "gunicorn.log")
    except BaseException:
        broker.stop()
        raise
    try:

        def health(i):
            response = requests.get(f"{base}/healthz", headers=close, timeout=10)
            return response.status_code, response.status_code == 200

        def report(i):
            response = requests.post(
                webhook, data=cdr(i, run), headers={**close, "Content-Type": "application/json"}, timeout=10
            )
            return response.status_code, response.status_code == 200 and response.json() == {"status": "ok"}

        total = THREADS * REQUESTS
        run_phase(health, 50)  # warm-up: imports, connections
        run_phase(lambda i: report(total + i), 50)
        # Alternate short rounds, so a change in machine load between phases does not skew the ratio.
        baseline_rounds, report_rounds = [], []
        step = max(1, total // ROUNDS)
        for start in range(0, total, step):
            count = min(step, total - start)
            baseline_rounds.append(run_phase(health, count))
            report_rounds.append(run_phase(lambda i, start=start: report(start + i), count))
        baseline, reports = merge(baseline_rounds), merge(report_rounds)
    finally:
        stop_server(server)
        broker.stop()
        if os.environ.get("DATABASE_URL"):
            cleanup(env, run)
        shutil.rmtree(tmp, ignore_errors=True)

    ratio = reports["rate"] / baseline["rate"]
    print(f"gunicorn {WORKERS} sync workers, {db}; {THREADS} threads x {REQUESTS} requests, no keep-alive")
    print(f"load average before {load_before:.1f}, after {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
    print(
        f"baseline GET /healthz      {baseline['rate']:8.1f} req/s  p50 {baseline['p50']:6.1f} ms  "
        f"p99 {baseline['p99']:6.1f} ms"
    )
    print(
        f"webhook  POST NewCdr       {reports['rate']:8.1f} req/s  p50 {reports['p50']:6.1f} ms  "
        f"p99 {reports['p99']:6.1f} ms"
    )
    print(
        f"throughput ratio webhook/baseline: {ratio:.2f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'MISSED'})"
    )
    print(
        f"webhook p99: {reports['p99']:.1f} ms (goal < 50 ms: {'met' if reports['p99'] < 50 else 'MISSED'})"
    )
    failures = baseline["failures"] + reports["failures"]
    if failures:
        print(f"FAILED requests: {failures}, e.g. {baseline['failed'] + reports['failed']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

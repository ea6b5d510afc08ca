"""Partner API read and write latency with 10 concurrent clients, against a trivial DRF view
(GET /api/v1/ping/, no key) on the same server in the same run.

Starts gunicorn on 127.0.0.1 with a throwaway SQLite database in a temp dir (or DATABASE_URL if set),
migrated, with 200 rooms and one API key made by `create_api_key` (stored hashed as in production:
djangorestframework-api-key 3 hashes keys with SHA-512, so every request pays the key check a partner
pays: one indexed query and one hash). Each client keeps its connection open, as a
PMS would. Phases, alternated in rounds so other load on the machine hits each alike:

- baseline: GET /api/v1/ping/
- read:     GET /api/v1/rooms/?limit=50 (a cursor page: 50 rooms with their PBX sync state)
- write:    PATCH /api/v1/rooms/{number}/ {"dnd": ...} with an Idempotency-Key (the room service, audit,
            status history and webhook rows in one transaction)

Prints p50/p95 per phase and the ratios to the baseline. Exits 1 if a request failed.

    python bench/api_latency.py     # env: BENCH_CLIENTS=10 BENCH_REQUESTS=40 BENCH_WORKERS=2 BENCH_PORT
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotelpbx.core.embedded_redis import EmbeddedRedis  # noqa: E402

_spec = importlib.util.spec_from_file_location("webhook_throughput", ROOT / "bench" / "webhook_throughput.py")
_wt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_wt)

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "10"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))  # per client and per phase
ROUNDS = 4
ROOMS = 200

SEED = f"""
from rooms.models import Room, RoomType
rt, _ = RoomType.objects.get_or_create(code="BEN", defaults={{"name": "Bench"}})
rooms = [
    Room(number=f"B{{n:03d}}", floor=n // 50 + 1, extension=f"7{{n:03d}}", room_type=rt)
    for n in range({ROOMS})
]
Room.objects.bulk_create(rooms, ignore_conflicts=True)
"""


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def run_phase(call, count: int) -> tuple[list[float], list[str]]:
    local = threading.local()

    def timed(i: int):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        try:
            ok, status = call(local.session, i)
        except requests.RequestException as exc:
            ok, status = False, repr(exc)
        return (time.perf_counter() - started) * 1000, None if ok else str(status)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(timed, range(count)))
    return [r[0] for r in results], [r[1] for r in results if r[1]]


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="hotelpbx-apibench-")
    port = int(os.environ.get("BENCH_PORT") or _wt.free_port())
    base = f"http://127.0.0.1:{port}"
    env = _wt.server_env(tmp, "unused")
    env["API_THROTTLE_RATE"] = "1000000/minute"
    env["PBX_URL"] = ""
    db = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "SQLite in a temp dir"
    broker = EmbeddedRedis(tmp).start()
    try:
        server = _wt.start_server(env, port, Path(tmp) / "gunicorn.log")
    except BaseException:
        broker.stop()
        raise
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "shell", "-c", SEED], cwd=ROOT, env=env, check=True)
        made = subprocess.run(
            [
                *manage,
                "create_api_key",
                f"bench-{uuid.uuid4().hex[:6]}",
                "--scopes",
                "rooms:read,rooms:write",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        auth = {"Authorization": f"Api-Key {made.stdout.strip()}"}

        def ping(session, i):
            r = session.get(f"{base}/api/v1/ping/", timeout=15)
            return r.status_code == 200, r.status_code

        def read(session, i):
            r = session.get(f"{base}/api/v1/rooms/", params={"limit": 50}, headers=auth, timeout=15)
            return r.status_code == 200 and len(r.json()["results"]) == 50, r.status_code

        def write(session, i):
            r = session.patch(
                f"{base}/api/v1/rooms/B{i % ROOMS:03d}/",
                json={"dnd": bool((i // ROOMS) % 2 == 0)},
                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                timeout=15,
            )
            return r.status_code == 200, f"{r.status_code} {r.text[:120]}"

        run_phase(ping, 20)
        run_phase(read, 20)
        phases = {"baseline": ([], []), "read": ([], []), "write": ([], [])}
        per_round = CLIENTS * REQUESTS // ROUNDS
        written = 0
        for _ in range(ROUNDS):
            for name, call in (("baseline", ping), ("read", read)):
                latencies, failed = run_phase(call, per_round)
                phases[name][0].extend(latencies)
                phases[name][1].extend(failed)
            latencies, failed = run_phase(lambda s, i, w=written: write(s, w + i), per_round)
            written += per_round
            phases["write"][0].extend(latencies)
            phases["write"][1].extend(failed)
    finally:
        _wt.stop_server(server)
        broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"gunicorn {_wt.WORKERS} sync workers, {db}; {CLIENTS} clients with keep-alive, {os.cpu_count()} CPUs"
    )
    base_p50 = statistics.median(phases["baseline"][0])
    base_p95 = percentile(phases["baseline"][0], 0.95)
    for name, (latencies, _) in phases.items():
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        print(
            f"{name:8s} n={len(latencies):4d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
            f"  ratio to baseline p50 {p50 / base_p50:5.1f}  p95 {p95 / base_p95:5.1f}"
        )
    failed = [f for _, fails in phases.values() for f in fails]
    if failed:
        print(f"FAILED requests: {len(failed)}, e.g. {failed[:3]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

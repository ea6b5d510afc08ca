"""What one partner API request costs the server in CPU, against a trivial DRF view, in one process.

api_latency.py measures what clients wait for, which on a shared, loaded machine swings with everyone
else's work (the same code measured 5x and 11x minutes apart). This measures the CPU time the request
itself burns (time.thread_time around each request, through the whole middleware stack via Django's
test client), which other processes barely move, so before/after figures compare.

A throwaway SQLite database in a temp dir with 200 rooms, an embedded Redis (cache and throttle) and a
key made as `create_api_key` makes it. Phases alternate in rounds:

- baseline: GET /api/v1/ping/ (no key)
- read:     GET /api/v1/rooms/?limit=50
- write:    PATCH /api/v1/rooms/{number}/ {"dnd": ...} with an Idempotency-Key

Prints the median and p95 CPU ms per phase, the ratios to the baseline, and queries per request.

    python bench/api_cpu_cost.py      # env: BENCH_REQUESTS=300 (per phase)
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
ROUNDS = 6
ROOMS = 200


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="hotelpbx-apicost-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hotelpbx.settings",
        HOTELPBX_VAR_DIR=tmp,
        DJANGO_DEBUG="false",
        PBX_URL="",
        API_THROTTLE_RATE="1000000/minute",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    from hotelpbx.core.embedded_redis import EmbeddedRedis

    broker = EmbeddedRedis(tmp).start()
    try:
        return _run()
    finally:
        broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _run() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from hotelpbx.partners.services import api_key_create
    from rooms.models import Room, RoomType

    call_command("migrate", verbosity=0)
    room_type, _ = RoomType.objects.get_or_create(code="BEN", defaults={"name": "Bench"})
    Room.objects.bulk_create(
        [
            Room(number=f"B{n:03d}", floor=n // 50 + 1, extension=f"7{n:03d}", room_type=room_type)
            for n in range(ROOMS)
        ]
    )
    _, key = api_key_create(partner_name="bench", scopes=["rooms:read", "rooms:write"])
    client = Client()
    auth = {"Authorization": f"Api-Key {key}"}
    written = [0]

    def ping():
        return client.get("/api/v1/ping/")

    def read():
        return client.get("/api/v1/rooms/", {"limit": 50}, headers=auth)

    def write():
        written[0] += 1
        n = written[0]
        return client.patch(
            f"/api/v1/rooms/B{n % ROOMS:03d}/",
            f'{{"dnd": {"true" if (n // ROOMS) % 2 == 0 else "false"}}}',
            content_type="application/json",
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )

    phases = {"baseline": ping, "read": read, "write": write}
    queries = {}
    for name, call in phases.items():
        for _ in range(10):  # warm up
            assert call().status_code == 200, name
        seen = []

        def count(execute, sql, params, many, context, seen=seen):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()
        queries[name] = len(seen)

    cpu = {name: [] for name in phases}
    failed = 0
    for _ in range(ROUNDS):
        for name, call in phases.items():
            for _ in range(REQUESTS // ROUNDS):
                started = time.thread_time()
                status = call().status_code
                cpu[name].append((time.thread_time() - started) * 1000)
                failed += status != 200

    print(f"in-process CPU time per request (time.thread_time), SQLite, {os.cpu_count()} CPUs")
    base50 = statistics.median(cpu["baseline"])
    base95 = sorted(cpu["baseline"])[int(len(cpu["baseline"]) * 0.95)]
    for name, values in cpu.items():
        p50, p95 = statistics.median(values), sorted(values)[int(len(values) * 0.95)]
        print(
            f"{name:8s} n={len(values):4d}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  queries {queries[name]:2d}"
            f"  ratio to baseline p50 {p50 / base50:5.1f}  p95 {p95 / base95:5.1f}"
        )
    if failed:
        print(f"FAILED requests: {failed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""500 wake-ups for the same minute in alarm mode: how long until every alarm is confirmed on the PBX,
how many PBX API requests each wake-up costs, against a baseline; and that none was refused (10025)
and no room rings twice.

Standalone: a throwaway SQLite database (migrate, 500 rooms with in-house guests, bulk_create), the
Yeastar emulator in-process over loopback HTTP, and the real path: services.wakeup_set for each room,
then the dispatcher (wakeup.dispatch.dispatch_due) and a worker draining the outbox per extension
(hotelpbx.pbx.commands.drain_extension), in one process, until every wake-up is confirmed by a
wakeupcall/query. The PBX's configuration pacing is the production default (PBX_CONFIG_CALLS_PER_SECOND).

Baseline, in the same run against the same emulator and client: one extension/query per room (the
cheapest read the link makes for a room). The ratio confirm-all / baseline is the figure to compare.

    .venv/bin/python bench/wakeup_storm.py            # or: make bench
    BENCH_WAKEUPS=100 .venv/bin/python bench/wakeup_storm.py
"""

import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WAKEUPS = int(os.environ.get("BENCH_WAKEUPS", "500"))
# alarm: alarm mode in-process; confirmed: confirmed mode in-process (the app's clock moved to the due
# minute); workers: confirmed mode with real Celery worker processes and their beat, on the real clock
MODES = os.environ.get("BENCH_MODES", "alarm,confirmed,workers").split(",")
# worker processes (celery --concurrency) per run of the "workers" phase; the demo (Procfile) runs 2
WORKER_RUNS = [int(n) for n in os.environ.get("BENCH_WORKER_CONCURRENCY", "1,2").split(",") if n]
PLAYPROMPT = ("call/playprompt", "extension/playprompt")
ZONE = "Europe/Berlin"


def configure(tmp: Path, emulator_url: str) -> None:
    # BENCH_DATABASE_URL (an empty PostgreSQL database) instead of SQLite, e.g. for the worker phase
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["HOTELPBX_VAR_DIR"] = str(tmp)
    (tmp / "staticfiles").mkdir()
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault(
        "DJANGO_SECRET_KEY", secrets.token_urlsafe(50)
    )  # the settings refuse the public one
    os.environ["AXES_ENABLED"] = "false"
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # the "worker" drains right after each commit, in-process
    os.environ["HOTEL_TIME_ZONE"] = ZONE
    os.environ["PBX_TIME_ZONE"] = ZONE
    os.environ["PBX_URL"] = emulator_url
    os.environ["PBX_USERNAME"] = "api"
    os.environ["PBX_PASSWORD"] = "Secret123"
    os.environ["PBX_EVENTS_URL"] = "127.0.0.1:9/pbx/events/bench/"
    os.environ["PBX_EVENTS_TOKEN"] = "bench-token-0123456789"
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotelpbx.settings"
    import django

    django.setup()


def build_hotel(extensions: list[str]):
    from django.core.management import call_command

    from hotelpbx.core.timeutil import hotel_today
    from rooms.models import Guest, HousekeepingStatus, Room, RoomType, Stay, StayStatus

    call_command("migrate", verbosity=0, interactive=False)
    today = hotel_today()
    room_type = RoomType.objects.create(code="STD", name="Standard", capacity=2, rack_rate="119.00")
    rooms = Room.objects.bulk_create(
        [
            Room(
                number=ext[1:],
                floor=int(ext[1:-2]),
                extension=ext,
                room_type=room_type,
                housekeeping_status=HousekeepingStatus.INSPECTED,
            )
            for ext in extensions
        ]
    )
    guests = Guest.objects.bulk_create([Guest(last_name=f"Guest {r.number}", language="en") for r in rooms])
    Stay.objects.bulk_create(
        [
            Stay(
                guest=g,
                room=r,
                room_type=room_type,
                arrival=today,
                departure=today + timedelta(days=2),
                status=StayStatus.IN_HOUSE,
            )
            for r, g in zip(rooms, guests, strict=True)
        ]
    )


def drain(extensions: list[str]) -> None:
    from hotelpbx.pbx.commands import drain_extension
    from hotelpbx.pbx.models import CommandStatus, PbxCommand

    waiting = set(
        PbxCommand.objects.filter(status__in=[CommandStatus.PENDING, CommandStatus.SENDING]).values_list(
            "extension", flat=True
        )
    )
    for extension in extensions:
        if extension in waiting:
            drain_extension(extension)


def main() -> None:
    from hotelpbx.pbx.emulator import Emulator, EmulatorConfig

    extensions = [f"2{1 + i // 100}{i % 100:02d}" for i in range(WAKEUPS)]
    emu = Emulator(
        EmulatorConfig(
            extensions=extensions,
            time_zone=ZONE,
            extension_status_reports=False,
            config_change_reports=False,
            report_max_attempts=1,
        )
    ).start(host="127.0.0.1", port=0)
    tmp = Path(tempfile.mkdtemp(prefix="hotelpbx-bench-"))
    from hotelpbx.core.embedded_redis import EmbeddedRedis

    redis = EmbeddedRedis(tmp).start()  # the broker of the worker phase (REDIS_URL unset: this one)
    postgres = os.environ.get("BENCH_DATABASE_URL", "")
    try:
        if postgres:
            recreate_database(postgres)
        configure(tmp, emu.url)
        run(emu, extensions, tmp)
    finally:
        emu.stop()
        redis.stop()
        if postgres:
            drop_database(postgres)
        shutil.rmtree(tmp, ignore_errors=True)


def recreate_database(url: str) -> None:
    """A throwaway PostgreSQL database (BENCH_DATABASE_URL names it; dropped at the end)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(emu, extensions: list[str], tmp: Path) -> None:
    from hotelpbx.pbx import link, session
    from hotelpbx.pbx.client import get_client

    build_hotel(extensions)
    # The first login's reconciliation would rename every room's phone (3 paced configuration calls a
    # room, 5 minutes for 500): set-up work, not what is measured here.
    session.logged_in.disconnect(link.on_login, dispatch_uid="pbx-link-on-login")
    client = get_client()
    client.extension_query([extensions[0]])  # log in before timing anything

    started = time.monotonic()
    for extension in extensions:
        client.extension_query([extension])
    baseline = time.monotonic() - started
    if "alarm" in MODES:
        alarm_mode(emu, extensions, baseline)
    if "confirmed" in MODES:
        confirmed_mode(emu, baseline)
    if "workers" in MODES:
        for concurrency in WORKER_RUNS:
            with_workers(emu, baseline, tmp, concurrency)


def alarm_mode(emu, extensions: list[str], baseline: float) -> None:
    from django.utils import timezone

    from hotelpbx.core.timeutil import hotel_zone
    from rooms.models import Stay
    from wakeup import dispatch, services
    from wakeup.models import WakeupCall, WakeupStatus

    due = timezone.localtime(timezone.now() + timedelta(minutes=20), hotel_zone()).replace(
        second=0, microsecond=0
    )
    for stay in Stay.objects.select_related("room", "guest"):
        services.wakeup_set(stay=stay, day=due.date(), clock=due.time())
    emu.reset_logs()

    started = time.monotonic()
    confirmed = 0
    while time.monotonic() - started < 600:
        dispatch.dispatch_due(now=timezone.now() + timedelta(seconds=10))
        drain(extensions)
        confirmed = WakeupCall.objects.filter(status=WakeupStatus.CONFIRMED).count()
        if confirmed == WAKEUPS:
            break
    confirm_all = time.monotonic() - started
    requests = [r for r in emu.requests_log if r.get("path") not in ("login", "heartbeat")]
    refused = sum(1 for r in emu.requests_log if r.get("errno") == "10025")

    emu.clock.set(due + timedelta(seconds=5))
    emu.tick()
    rings_per_room = Counter(cdr["callto"] for cdr in emu.state.cdrs if cdr["callfrom"] == "wakeup")

    print(f"wake-up storm, alarm mode: {WAKEUPS} wake-ups due {due:%H:%M} (pushed 20 minutes ahead)")
    print(f"  confirmed on the PBX     {confirmed}/{WAKEUPS} in {confirm_all:7.1f} s")
    print(f"  baseline ({WAKEUPS} extension/query) {baseline:7.1f} s")
    print(f"  ratio confirm-all/baseline: {confirm_all / baseline:.1f}x")
    print(
        f"  PBX API requests per wake-up: {len(requests) / WAKEUPS:.2f}  (set: query + create; check: query)"
    )
    print(f"  refused with 10025: {refused}")
    print(
        f"  rooms rung at {due:%H:%M}: {len(rings_per_room)}; rung more than once: "
        f"{sum(1 for n in rings_per_room.values() if n > 1)}"
    )
    print(
        f"  config pacing: {os.environ.get('PBX_CONFIG_CALLS_PER_SECOND', 'default 5')}/s "
        "(wakeupcall/create is a configuration change)",
        flush=True,
    )


def confirmed_mode(emu, baseline: float) -> None:
    """The same rooms, a confirmed-mode wake-up each for one minute: the app rings every room itself."""
    import time_machine
    from django.utils import timezone

    from hotelpbx.core.timeutil import hotel_zone
    from rooms.models import Stay
    from wakeup import dispatch, services
    from wakeup.models import WakeupCall, WakeupMode

    due = timezone.localtime(timezone.now() + timedelta(minutes=5), hotel_zone()).replace(
        second=0, microsecond=0
    )
    for stay in Stay.objects.select_related("room", "guest"):
        services.wakeup_set(stay=stay, day=due.date(), clock=due.time(), mode=WakeupMode.CONFIRMED)
    emu.reset_logs()
    with time_machine.travel(due, tick=True):  # the due minute has come (for the app and the PBX alike)
        started = time.monotonic()
        while time.monotonic() - started < 600:
            dispatch.dispatch_due()
            rung = WakeupCall.objects.filter(mode=WakeupMode.CONFIRMED).exclude(ring_command_id=None).count()
            sent = sum(
                1 for r in emu.requests_log if r.get("path") in ("call/playprompt", "extension/playprompt")
            )
            if sent >= WAKEUPS or (rung >= WAKEUPS and sent >= rung):
                break
        last_ring = time.monotonic() - started
    played = Counter(
        r["body"].get("number") or r["body"].get("extid")
        for r in emu.requests_log
        if r.get("path") in ("call/playprompt", "extension/playprompt") and r.get("body")
    )
    requests = [r for r in emu.requests_log if r.get("path") not in ("login", "heartbeat")]
    refused = sum(1 for r in emu.requests_log if r.get("errno"))
    print(f"wake-up storm, confirmed mode: {WAKEUPS} wake-ups due {due:%H:%M}, the app rings each room")
    print(f"  rooms rung {len(played)}/{WAKEUPS}; from the due minute to the last ring {last_ring:7.1f} s")
    print(f"  ratio last-ring/baseline: {last_ring / baseline:.1f}x")
    print(f"  PBX API requests per wake-up: {len(requests) / WAKEUPS:.2f}  (playprompt)")
    twice = sum(1 for n in played.values() if n > 1)
    print(f"  refused (any errno): {refused}; rooms rung more than once: {twice}", flush=True)


def with_workers(emu, baseline: float, tmp: Path, concurrency: int) -> None:
    """Confirmed mode as deployed: a Celery worker with `concurrency` processes and its beat (the
    dispatcher every WAKEUP_DISPATCH_SECONDS, production settings) on the real clock, the wake-ups due
    at the next whole minute at least 30 s ahead; measured from that minute to the last playprompt."""
    import subprocess

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from hotelpbx.celery import app
    from hotelpbx.core.timeutil import hotel_zone
    from rooms.models import Stay
    from wakeup import services
    from wakeup.models import AlarmSurvey, WakeupCall, WakeupMode

    app.conf.task_always_eager = False
    WakeupCall.objects.all().delete()  # the earlier phases' rows would ring again on their own clocks
    AlarmSurvey.objects.all().delete()
    settings.WAKEUP_MIN_LEAD_SECONDS = 30  # only what the desk may set: the minute is near, not 2 min off
    due = timezone.localtime(timezone.now() + timedelta(seconds=40), hotel_zone()).replace(
        second=0, microsecond=0
    ) + timedelta(minutes=1)
    for stay in Stay.objects.select_related("room", "guest"):
        services.wakeup_set(stay=stay, day=due.date(), clock=due.time(), mode=WakeupMode.CONFIRMED)
    connection.close()  # the worker's processes open their own
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "DATABASE_URL": database_url()}
    log = (tmp / f"worker-{concurrency}.log").open("w")
    command = [sys.executable, "-m", "celery", "-A", "hotelpbx", "worker", "-B", "-Q", "default,pbx"]
    command += ["-c", str(concurrency), "-l", "warning", "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(
        [*command, "-s", str(tmp / f"beat-{concurrency}")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        emu.reset_logs()
        while timezone.now() < due:
            time.sleep(0.05)
        started, first_ring, last_ring, sent = time.monotonic(), None, None, 0
        while time.monotonic() - started < 300:
            now_sent = sum(1 for r in emu.requests_log if r.get("path") in PLAYPROMPT)
            if now_sent != sent:
                sent, last_ring = now_sent, time.monotonic() - started
                first_ring = last_ring if first_ring is None else first_ring
            if sent >= WAKEUPS:
                break
            time.sleep(0.05)
        time.sleep(2)  # a second ring of a room would show now
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        log.close()
    played = Counter(
        r["body"].get("number") or r["body"].get("extid")
        for r in emu.requests_log
        if r.get("path") in PLAYPROMPT and r.get("body")
    )
    requests = [r for r in emu.requests_log if r.get("path") not in ("login", "heartbeat")]
    refused = sum(1 for r in emu.requests_log if r.get("errno") == "10025")
    errors = sum(1 for r in emu.requests_log if r.get("errno"))
    twice = sum(1 for n in played.values() if n > 1)
    engine = "PostgreSQL" if "postgres" in database_url() else "SQLite"
    print(
        f"wake-up storm, confirmed mode, Celery worker -c {concurrency} with beat (dispatch every "
        f"{settings.WAKEUP_DISPATCH_SECONDS:g} s), {engine}: {WAKEUPS} wake-ups due {due:%H:%M:%S}"
    )
    last = f"{last_ring:7.1f} s" if last_ring is not None else "never"
    print(f"  rooms rung {len(played)}/{WAKEUPS}; from the due minute to the last ring {last}")
    if first_ring is not None:
        print(f"  (the first ring {first_ring:.1f} s after the due minute: beat and the dispatcher's start)")
    if last_ring is not None:
        print(f"  ratio last-ring/baseline: {last_ring / baseline:.1f}x")
    print(f"  PBX API requests per wake-up: {len(requests) / WAKEUPS:.2f}  (playprompt, plus beat's own)")
    print(
        f"  refused with 10025: {refused} (any errno: {errors}); rooms rung more than once: {twice}",
        flush=True,
    )


def database_url() -> str:
    return os.environ["DATABASE_URL"]


if __name__ == "__main__":
    main()

"""Route membership with two real Celery worker processes on the same database (SQLite or PostgreSQL).

A route's member list is read, changed and written back whole; two workers doing that at once for
different rooms would each write back a list without the other's room. The room would show "in sync"
while its guest cannot dial out. Every room must end up in exactly its class's routes.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from hotelpbx.pbx.models import CommandStatus, PbxCommand
from rooms import services
from tests.factories import GuestFactory, StayFactory

from .conftest import point_settings_at, start_emulator
from .worker import WorkerProcess, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLASSES = ["local", "national", "international"]
ROUTES_OF = {
    "local": {"Local"},
    "national": {"Local", "National"},
    "international": {"Local", "National", "International"},
}


@pytest.fixture
def two_workers(settings, tmp_path, hotel_rooms):
    from hotelpbx.celery import app

    # a slow PBX widens the window between a route's read and its write-back
    emu = start_emulator(config_rate_limit=1000)
    emu.faults.update({"slow_seconds": 0.03})
    point_settings_at(settings, emu, "v2.0.0")
    app.control.purge()
    env = {
        "PBX_URL": emu.url,
        "PBX_API_VERSION": "v2.0.0",
        "PBX_USERNAME": "api",
        "PBX_PASSWORD": "Secret123",
        "PBX_EVENTS_URL": "127.0.0.1:9/pbx/events/test-token/",
        "PBX_EVENTS_TOKEN": "test-token",
        "PBX_TIME_ZONE": "UTC",
        "PBX_CONFIG_CALLS_PER_SECOND": "200",
        "PBX_STALE_CLAIM_SECONDS": "60",
    }
    workers = []
    for n in (1, 2):
        folder = tmp_path / f"worker{n}"
        folder.mkdir()
        workers.append(WorkerProcess(folder, env))
    for worker in workers:
        worker.start()
    yield emu, workers
    for worker in workers:
        worker.stop()
    emu.stop()


def members(emu) -> dict[str, set[str]]:
    return {r["name"]: {m for m in r["extensions"].split(",") if m} for r in emu.state.outroutes}


def test_rooms_checked_in_at_once_all_end_up_in_their_class_routes_with_two_workers(two_workers, hotel_rooms):
    emu, workers = two_workers
    rooms = hotel_rooms[:48]
    wanted = {room.extension: CLASSES[i % 3] for i, room in enumerate(rooms)}

    def check_in(room):
        try:
            stay = StayFactory(
                room=room, guest=GuestFactory(last_name=f"G{room.number}"), phone_class=wanted[room.extension]
            )
            services.stay_check_in(stay=stay)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(check_in, rooms))

    took = wait_until(lambda: not PbxCommand.objects.exclude(status=CommandStatus.DONE).exists(), timeout=180)
    print(f"{len(rooms)} check-ins applied by two worker processes in {took:.1f} s")
    assert all(w.proc.poll() is None for w in workers)
    drained_by = {w.log_path.read_text(errors="replace").count("drain_extension") > 0 for w in workers}
    assert drained_by == {True}, "both workers took route commands"
    actual = members(emu)
    dropped = [
        (ext, route)
        for ext, phone_class in wanted.items()
        for route in ROUTES_OF[phone_class]
        if ext not in actual[route]
    ]
    extra = [
        (ext, route)
        for ext, phone_class in wanted.items()
        for route in actual
        if route not in ROUTES_OF[phone_class] and ext in actual[route]
    ]
    assert dropped == [], f"{len(dropped)} route memberships lost"
    assert extra == []

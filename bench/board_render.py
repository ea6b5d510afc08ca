"""How long the front desk's room board takes to render for a 1,000-room hotel, against a baseline.

Standalone: builds a throwaway SQLite database in a temporary directory (migrate, then 1,000 rooms with
live phone states, ~600 in-house stays and 50 rooms held for today's arrivals, with bulk_create), signs a
front-desk user in with Django's test Client and renders the board N times, counting SQL queries. As a
baseline, in the same run and through the same Client and middleware stack (sessions, auth, role
policy, htmx), it serves a static page of exactly the board's byte size. The ratio board/baseline is
the figure to watch: it cancels out the speed of the machine.

Targets, each printed with PASS or FAIL (issue 11, item 10):
- the board page's payload is under 250 KiB uncompressed (its gzip size is printed beside it);
- it renders in at most 10x the time of the static page of its size, in each state of the tile memo
  (rooms/board_tiles.py): steady (nothing changed), one room changed before each render, and cold
  (the memo emptied before each render, as in a freshly started worker);
- a refresh when nothing changed (If-None-Match: the board's ETag, answered 304) takes at most 2x a
  trivial view (a two-byte page through the same stack).

    .venv/bin/python bench/board_render.py            # or: make bench
    BENCH_RUNS=50 BENCH_ROOMS=2000 .venv/bin/python bench/board_render.py
"""

import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import types
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROOMS = int(os.environ.get("BENCH_ROOMS", "1000"))
IN_HOUSE = int(os.environ.get("BENCH_IN_HOUSE", str(ROOMS * 6 // 10)))
HELD = ROOMS // 20  # rooms held for today's arrivals
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WARMUP = 3
ROOMS_PER_FLOOR = 50


def configure(tmp: Path) -> None:
    """Point the project at a throwaway database and var/ before Django reads its settings."""
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["HOTELPBX_VAR_DIR"] = str(tmp)
    (tmp / "staticfiles").mkdir()  # WhiteNoise warns about a missing STATIC_ROOT otherwise
    os.environ["DJANGO_DEBUG"] = "false"
    # a throwaway key for this run: with DEBUG off the settings refuse the public demo key
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ["AXES_ENABLED"] = "false"
    os.environ["REDIS_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotelpbx.settings"

    import django

    django.setup()

    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def build_hotel() -> object:
    """1,000 rooms on 20 floors, ~600 guests in house (some leaving today); returns a desk user."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction

    from hotelpbx.core.timeutil import hotel_today
    from rooms.models import Guest, HousekeepingStatus, Room, RoomType, ServiceState, Stay, StayStatus

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(1000)
    today = hotel_today()
    with transaction.atomic():
        types_ = RoomType.objects.bulk_create(
            [
                RoomType(code="STD", name="Standard double", capacity=2, rack_rate="119.00"),
                RoomType(code="SGL", name="Single", capacity=1, rack_rate="89.00"),
                RoomType(code="SUP", name="Superior king", capacity=2, rack_rate="159.00"),
                RoomType(code="STE", name="Junior suite", capacity=4, rack_rate="249.00"),
            ]
        )
        statuses = [HousekeepingStatus.DIRTY, HousekeepingStatus.CLEAN, HousekeepingStatus.INSPECTED]
        rooms = []
        for i in range(ROOMS):
            floor, n = 1 + i // ROOMS_PER_FLOOR, 1 + i % ROOMS_PER_FLOOR
            number = f"{floor}{n:02d}"
            out = i % 97 == 0
            rooms.append(
                Room(
                    number=number,
                    floor=floor,
                    extension=f"2{number}",
                    room_type=types_[i % len(types_)],
                    housekeeping_status=rng.choice(statuses),
                    service_state=ServiceState.OUT_OF_ORDER if out else ServiceState.IN_SERVICE,
                    service_reason="Water damage" if out else "",
                    dnd=i % 11 == 0,
                    # a live PBX reports every phone: most idle, some in a call, a few unplugged
                    phone_status=rng.choice(["Idle"] * 17 + ["Busy", "Busy", "Unregistered"]),
                )
            )
        rooms = Room.objects.bulk_create(rooms)
        guests = Guest.objects.bulk_create(
            [
                Guest(first_name=f"Guest{i}", last_name=f"Surname{i:04d}", vip=i % 20 == 0)
                for i in range(IN_HOUSE + HELD)
            ]
        )
        in_service = [r for r in rooms if r.service_state == ServiceState.IN_SERVICE]
        chosen = rng.sample(in_service, IN_HOUSE + HELD)
        occupied, held = chosen[:IN_HOUSE], chosen[IN_HOUSE:]
        Stay.objects.bulk_create(
            [
                Stay(
                    guest=guest,
                    room=room,
                    room_type=room.room_type,
                    arrival=today - timedelta(days=rng.randint(1, 5)),
                    departure=today + timedelta(days=rng.choice([0, 0, 1, 2, 3, 5])),
                    status=StayStatus.IN_HOUSE,
                    voicemail_pin="1234",
                )
                for guest, room in zip(guests, occupied, strict=False)
            ]
            + [  # today's arrivals with their rooms assigned: held, marked on the board
                Stay(
                    guest=guest,
                    room=room,
                    room_type=room.room_type,
                    arrival=today,
                    departure=today + timedelta(days=2),
                    eta=clock_time(rng.randint(12, 20), 0),
                    status=StayStatus.RESERVED,
                )
                for guest, room in zip(guests[IN_HOUSE:], held, strict=True)
            ]
        )
        user = get_user_model().objects.create_user("bench-desk", password=None)
        user.groups.add(Group.objects.get(name="Front desk"))
    return user


class StaticPage:
    """The baseline: a fixed body served at its own URL through the same middleware as the board."""

    body = b""

    @classmethod
    def view(cls, request):
        from django.http import HttpResponse

        return HttpResponse(cls.body, content_type="text/html; charset=utf-8")

    @classmethod
    def install(cls) -> str:
        from django.conf import settings
        from django.urls import clear_url_caches, include, path, reverse, set_urlconf

        from hotelpbx.core import policy

        urls = types.ModuleType("bench_urls")
        urls.urlpatterns = [
            path("bench/static-page/", cls.view, name="bench_static_page"),
            path("", include(settings.ROOT_URLCONF)),
        ]
        sys.modules["bench_urls"] = urls
        settings.ROOT_URLCONF = "bench_urls"
        clear_url_caches()
        set_urlconf(None)
        policy.register("bench_static_page", policy.DESK)  # the role policy lets the desk see it
        return reverse("bench_static_page")


BOARD_RATIO_MAX = 10.0
PAYLOAD_MAX_KIB = 250
NOT_MODIFIED_RATIO_MAX = 2.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def measure(
    client, url: str, runs: int, headers: dict | None = None, expect: int = 200
) -> tuple[list[float], int, int]:
    """Wall time (ms) per request, the SQL query count of the last one, the body size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, size = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, headers=headers or {})
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        times.append(elapsed)
        queries, size = len(captured.captured_queries), len(response.content)
    return times, queries, size


def not_modified(client, url: str, baseline_url: str) -> None:
    """A refresh with the board's ETag (304) against a trivial view through the same stack."""
    headers = {"HX-Request": "true"}
    etag = client.get(url, headers=headers)["ETag"]
    headers_304 = {**headers, "If-None-Match": etag}
    StaticPage.body = b"ok"
    measure(client, url, WARMUP, headers_304, expect=304)
    measure(client, baseline_url, WARMUP, headers)
    refresh_ms, trivial_ms, refresh_q, trivial_q = [], [], 0, 0
    for _ in range(RUNS):
        t, refresh_q, _size = measure(client, url, 1, headers_304, expect=304)
        refresh_ms += t
        t, trivial_q, _size = measure(client, baseline_url, 1, headers)
        trivial_ms += t
    refresh_median, trivial_median = statistics.median(refresh_ms), statistics.median(trivial_ms)
    ratio = refresh_median / trivial_median
    print(f"\nunchanged refresh: GET {url} with If-None-Match -> 304")
    print(
        f"  304       median {refresh_median:8.1f} ms   p95 {p95(refresh_ms):8.1f} ms   queries {refresh_q}"
    )
    print(
        f"  trivial   median {trivial_median:8.1f} ms   p95 {p95(trivial_ms):8.1f} ms   queries {trivial_q}"
    )
    print(
        f"  ratio 304/trivial (median): {ratio:.1f}x ... target at most {NOT_MODIFIED_RATIO_MAX:.0f}x: "
        f"{verdict(ratio <= NOT_MODIFIED_RATIO_MAX)}"
    )
    print(f"  ratio of the fastest runs: {min(refresh_ms) / min(trivial_ms):.1f}x")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def compare(client, url: str, headers: dict, baseline_url: str, before=None) -> tuple:
    """The board and the static page of its size, interleaved so a slow moment of the machine hits both
    alike; `before` runs ahead of each board request, outside its timing."""
    body = client.get(url, headers=headers).content
    StaticPage.body = body
    measure(client, url, WARMUP, headers)
    measure(client, baseline_url, WARMUP, headers)
    board_ms, base_ms, board_q, base_q = [], [], 0, 0
    for _ in range(RUNS):
        if before:
            before()
        t, board_q, _size = measure(client, url, 1, headers)
        board_ms += t
        t, base_q, base_size = measure(client, baseline_url, 1, headers)
        base_ms += t
    assert base_size == len(body), "the baseline must be the board's size"
    return board_ms, base_ms, board_q, base_q


def report(board_ms: list, base_ms: list, board_q: int, base_q: int, indent: str = "  ") -> float:
    board_median, base_median = statistics.median(board_ms), statistics.median(base_ms)
    for name, median, times, queries in (
        ("board", board_median, board_ms, board_q),
        ("baseline", base_median, base_ms, base_q),
    ):
        print(f"{indent}{name:<9} median {median:8.1f} ms   p95 {p95(times):8.1f} ms   queries {queries}")
    ratio = board_median / base_median
    print(f"{indent}ratio board/baseline (median): {ratio:.1f}x   (queries of its own: {board_q - base_q})")
    # the fastest of each: what the work itself costs when no other process took the CPU meanwhile
    print(f"{indent}ratio of the fastest runs: {min(board_ms) / min(base_ms):.1f}x")
    return ratio


def board_page(client, url: str, baseline_url: str) -> None:
    """The full page: its size (raw, and gzip as a browser gets it), and its time in three states of the
    tile memo (rooms/board_tiles.py), each against the static page of its size."""
    from rooms.board_tiles import render_tile
    from rooms.models import Room

    raw = len(client.get(url).content)
    wire = len(client.get(url, headers={"Accept-Encoding": "gzip"}).content)
    print(f"\nboard page: GET {url}")
    ok = verdict(raw < PAYLOAD_MAX_KIB * 1024)
    print(f"  payload {raw / 1024:.0f} KiB raw ... target under {PAYLOAD_MAX_KIB} KiB: {ok}")
    print(f"          {wire / 1024:.0f} KiB gzip (GZip on the board's views, what a browser downloads)")

    rooms = list(Room.objects.order_by("?")[: RUNS + WARMUP])

    def one_room_changes():  # as a service would: a save, so updated_at moves
        room = rooms.pop()
        room.dnd = not room.dnd
        room.save(update_fields=["dnd", "updated_at"])

    cases = [
        ("steady (nothing changed since the last render: every tile from the memo)", None),
        ("one room changed before each render (its tile rendered again)", one_room_changes),
        ("cold (memo emptied before each render: every tile rendered)", render_tile.cache_clear),
    ]
    for title, before in cases:
        print(f"  {title}")
        ratio = report(*compare(client, url, {}, baseline_url, before), indent="    ")
        ok = verdict(ratio <= BOARD_RATIO_MAX)
        print(f"    target: at most {BOARD_RATIO_MAX:.0f}x the static page ... {ok}")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hotelpbx-bench-"))
    try:
        configure(tmp)
        from django.test import Client
        from django.urls import reverse

        user = build_hotel()
        client = Client()
        client.force_login(user)

        baseline_url = StaticPage.install()
        print(f"board_render: {ROOMS} rooms, {IN_HOUSE} in house, {RUNS} renders each (SQLite in {tmp})")
        board_page(client, reverse("rooms:board"), baseline_url)
        refresh = reverse("rooms:board_partial")
        print(f"\nboard refresh (a change was seen): GET {refresh} with HX-Request")
        report(*compare(client, refresh, {"HX-Request": "true"}, baseline_url))
        not_modified(client, reverse("rooms:board_partial"), baseline_url)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

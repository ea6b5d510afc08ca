"""100,000 call records kept, rated and posted as folio lines on PostgreSQL, against a raw bulk insert of
exactly the same rows. Goal: at most 3x the bulk insert.

Standalone: creates a throwaway PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/hotelpbx_bench_billing; dropped at the end), migrates it, imports the
documented example tariff, and puts 200 guests in house. It then generates BENCH_CDRS call reports
(answered outbound calls from the rooms, plus some inbound and unanswered ones) and:

1. posts them with billing.services.calls_post_batch (the back-fill path: dedupe against stored records,
   resolve room and stay, rate, write records, lock folios, write lines), in batches of BENCH_BATCH;
2. as the baseline, TRUNCATEs both tables and inserts the very rows step 1 produced with bulk_create, in
   the same batches and transactions (no lookups, no rating).

The ratio 1/2 is the figure to compare between commits.

    .venv/bin/python bench/folio_posting.py
"""

import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hotelpbx_bench_billing")
CDRS = int(os.environ.get("BENCH_CDRS", "100000"))
BATCH = int(os.environ.get("BENCH_BATCH", "2000"))
ROOMS = 200


def recreate_database() -> None:
    import psycopg

    base, name = URL.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base, name = URL.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def configure() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("HOTELPBX_VAR_DIR", str(ROOT / "var" / "bench"))
    Path(os.environ["HOTELPBX_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotelpbx.settings"
    import django

    django.setup()


def build_hotel():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from billing.services import tariff_import
    from hotelpbx.core.timeutil import hotel_today
    from rooms.models import Guest, Room, RoomType, Stay, StayStatus

    call_command("migrate", verbosity=0, interactive=False)
    example = (ROOT / "docs" / "tariffs.md").read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    tariff_import(text=example.replace("valid_from: 2027-01-01", "valid_from: 2020-01-01"))
    room_type = RoomType.objects.create(code="STD", name="Standard", rack_rate="119.00")
    rooms = Room.objects.bulk_create(
        [
            Room(
                number=f"{1 + i // 50}{i % 50 + 1:02d}",
                floor=1 + i // 50,
                extension=f"2{i:03d}",
                room_type=room_type,
            )
            for i in range(ROOMS)
        ]
    )
    guests = Guest.objects.bulk_create([Guest(last_name=f"Guest {i}") for i in range(ROOMS)])
    since = timezone.now() - timedelta(days=2)
    Stay.objects.bulk_create(
        [
            Stay(guest=g, room=r, room_type=room_type, arrival=hotel_today() - timedelta(days=2),
                 departure=hotel_today() + timedelta(days=2), status=StayStatus.IN_HOUSE, checked_in_at=since)
            for g, r in zip(guests, rooms, strict=True)
        ]
    )  # fmt: skip
    return rooms, since


def reports(rooms, since):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.conf import settings

    rnd = random.Random(7)
    zone = ZoneInfo(settings.PBX_TIME_ZONE)
    starts = ["0044", "00", "0", "0800", "112"]
    out = []
    for i in range(CDRS):
        room = rnd.choice(rooms)
        at = (since + timedelta(seconds=60 + rnd.randint(0, 36 * 3600))).astimezone(zone)
        answered = rnd.random() < 0.85
        talk = rnd.randint(1, 1800) if answered else 0
        out.append(
            SimpleNamespace(
                callid=f"1700{i:08d}.{i % 97}",
                timestart=at.strftime("%Y-%m-%d %H:%M:%S"),
                callfrom=room.extension,
                callto=rnd.choice(starts)
                + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(6, 10))),
                call_seconds=talk + 5,
                talk_seconds=talk,
                src_trunk="",
                dst_trunk="SIP",
                status="ANSWERED" if answered else "NO ANSWER",
                type="Outbound" if rnd.random() < 0.95 else "Inbound",
            )
        )
    return out


def main() -> None:
    import psycopg

    try:
        recreate_database()
    except psycopg.OperationalError as exc:
        print(f"skipped: no PostgreSQL at {URL.rsplit('/', 1)[0]} ({str(exc).strip()[:80]})")
        return
    configure()
    try:
        run()
    finally:
        drop_database()


def run() -> None:
    from django.db import connection, transaction

    from billing.models import CallRecord, FolioLine
    from billing.services import TariffBook, calls_post_batch

    rooms, since = build_hotel()
    cdrs = reports(rooms, since)
    book = TariffBook()

    t0 = time.perf_counter()
    for i in range(0, len(cdrs), BATCH):
        with transaction.atomic():
            calls_post_batch(cdrs[i : i + BATCH], serial="369364835218", book=book)
    posting = time.perf_counter() - t0

    records = list(CallRecord.objects.order_by("id"))
    lines = list(FolioLine.objects.order_by("id"))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE billing_invoice, billing_folioline, billing_callrecord")
    per_batch_lines = {}
    for line in lines:
        per_batch_lines.setdefault(line.call_record_id, []).append(line)

    t0 = time.perf_counter()
    for i in range(0, len(records), BATCH):
        chunk = records[i : i + BATCH]
        with transaction.atomic():
            CallRecord.objects.bulk_create(chunk)
            FolioLine.objects.bulk_create([ln for r in chunk for ln in per_batch_lines.get(r.pk, ())])
    baseline = time.perf_counter() - t0

    print(f"{len(records)} call records, {len(lines)} folio lines (PostgreSQL, batches of {BATCH})")
    print(f"bulk insert of the same rows: {baseline:.2f} s  ({len(records) / baseline:,.0f} records/s)")
    print(f"keep + rate + post:           {posting:.2f} s  ({len(records) / posting:,.0f} records/s)")
    print(f"ratio posting / bulk insert: {posting / baseline:.2f}x (goal <= 3x)")


if __name__ == "__main__":
    main()

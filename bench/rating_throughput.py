"""How many calls a compiled tariff rates per second, against a bare loop over the same calls.

Standalone and database-free: the rating engine (billing/rating.py) is pure Python. It compiles the
documented example tariff plus 2,000 generated country/mobile rules (a realistic rate deck), generates
BENCH_CALLS calls (default 100,000) with numbers, talk times and local start times, then times
(1) a bare loop that unpacks each call and adds its talk seconds, and (2) rating every call. The ratio
rating/bare loop is the figure to compare between commits; calls per second is printed beside it.

    .venv/bin/python bench/rating_throughput.py
"""

import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from billing.rating import CompiledTariff  # noqa: E402
from billing.tariff_documents import parse_tariff_document  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", "100000"))
DECK_RULES = int(os.environ.get("BENCH_RULES", "2000"))


def document() -> str:
    example = (ROOT / "docs" / "tariffs.md").read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    rnd = random.Random(1)
    lines = [example.rstrip()]
    for i in range(DECK_RULES):
        prefix = "00" + str(rnd.randint(1, 999)) + str(rnd.randint(0, 99))
        charge = f"{rnd.randint(1, 300) / 100:.2f}"
        lines.append(f'  - {{name: Deck {i}, prefix: "{prefix}", unit_seconds: 60, unit_charge: "{charge}"}}')
    return "\n".join(lines) + "\n"


def calls(n: int):
    rnd = random.Random(2)
    start = datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    starts = ["00", "0044", "0", "9", "+", "112", "0800", "0900", ""]
    return [
        (
            rnd.choice(starts) + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(4, 11))),
            rnd.randint(0, 3600),
            start + timedelta(seconds=rnd.randint(0, 365 * 86400)),
        )
        for _ in range(n)
    ]


def main() -> None:
    t0 = time.perf_counter()
    tariff = CompiledTariff(parse_tariff_document(document()), ("110", "112", "911", "999"))
    compile_s = time.perf_counter() - t0
    data = calls(CALLS)

    t0 = time.perf_counter()
    total = 0
    for _number, talk, _local in data:
        total += talk
    bare = time.perf_counter() - t0

    t0 = time.perf_counter()
    charged = 0
    for number, talk, local in data:
        if tariff.price(number, talk, local).charged:
            charged += 1
    rating = time.perf_counter() - t0

    print(f"tariff: {len(tariff.definition.rules)} rules, parsed and compiled in {compile_s * 1000:.0f} ms")
    print(f"{CALLS} calls, {charged} charged")
    print(f"bare loop:  {bare:.3f} s  ({CALLS / bare:,.0f} calls/s)")
    print(f"rating:     {rating:.3f} s  ({CALLS / rating:,.0f} calls/s)")
    print(f"ratio rating / bare loop: {rating / bare:.1f}x")


if __name__ == "__main__":
    main()

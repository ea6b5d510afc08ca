"""Background traffic: plausible guest calls every few seconds, for demos and manual testing.

Callers are rooms with a guest name set (username differs from the number), or any room when no
room is occupied. Mix: room-to-room, outbound local/national/international, inbound; some calls end
NO ANSWER or BUSY.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .emulator import Emulator

log = logging.getLogger("hotelpbx.pbx.emulator.traffic")

# International destinations: country code + a plausible subscriber number length.
COUNTRIES = [("44", 10), ("33", 9), ("49", 10), ("1", 10), ("39", 10), ("34", 9), ("31", 9), ("41", 9)]
AREA_CODES = ["20", "30", "40", "50", "10", "70", "61", "62", "65", "71"]


class TrafficGenerator:
    def __init__(self, emu: Emulator, interval: float = 5.0, seed: int | None = None) -> None:
        self.emu = emu
        self.interval = interval
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> TrafficGenerator:
        self._thread = threading.Thread(target=self._run, name="pbx-emulator-traffic", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(self.rng.uniform(0.5, 1.5) * self.interval):
            try:
                self.place_one()
            except Exception:  # keep generating after one bad call
                log.exception("traffic call failed")

    def rooms(self) -> list[str]:
        with self.emu.lock:
            extensions = self.emu.state.extensions
            occupied = [n for n, e in extensions.items() if e["username"] != n]
            return occupied or list(extensions)

    def dialled_number(self, kind: str) -> str:
        rng = self.rng
        if kind == "international":
            code, length = rng.choice(COUNTRIES)
            return "00" + code + str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=length - 1))
        if kind == "national":
            return "0" + rng.choice(AREA_CODES) + "".join(rng.choices("0123456789", k=7))
        if kind == "mobile":
            return "06" + "".join(rng.choices("0123456789", k=8))
        return str(rng.randint(2, 8)) + "".join(rng.choices("0123456789", k=6))  # local

    def place_one(self) -> str:
        rng = self.rng
        rooms = self.rooms()
        all_rooms = list(self.emu.state.extensions)
        src = rng.choice(rooms)
        roll = rng.random()
        outcome = rng.choices(["ANSWERED", "NO ANSWER", "BUSY"], weights=[75, 17, 8])[0]
        talk = int(rng.expovariate(1 / 120)) + 5
        ring = rng.randint(3, 25)
        if roll < 0.2 and len(all_rooms) > 1:
            dst = rng.choice([r for r in all_rooms if r != src])
            kind, did = "internal", ""
        elif roll < 0.8:
            kind, did = "outbound", ""
            dst = self.dialled_number(
                rng.choices(["local", "national", "mobile", "international"], weights=[30, 30, 15, 25])[0]
            )
        else:
            kind = "inbound"
            dst, src = src, self.dialled_number(rng.choice(["national", "mobile", "international"]))
            did = "5551000"
        callid = self.emu.place_call(
            kind=kind,
            src=src,
            dst=dst,
            answer=outcome == "ANSWERED",
            status=outcome,
            talk_seconds=talk,
            ring_seconds=ring,
            did=did,
        )
        log.info("traffic: %s call %s -> %s %s (%s)", kind, src, dst, outcome, callid)
        return callid

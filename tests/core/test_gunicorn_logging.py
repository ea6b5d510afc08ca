"""The report webhook's secret path token stays out of gunicorn's access log."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from hotelpbx.gunicorn_logging import redact

ROOT = Path(__file__).resolve().parents[2]


def test_redact_hides_only_the_token():
    assert redact('"POST /pbx/events/s3cr3t-token/ HTTP/1.1"') == '"POST /pbx/events/<token>/ HTTP/1.1"'
    assert redact("/pbx/events/s3cr3t-token") == "/pbx/events/<token>"
    assert redact("/board/?q=101") == "/board/?q=101"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_started_from_the_repository_logs_the_webhook_without_its_token(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hotelpbx.settings",
        "PBX_EVENTS_TOKEN": "the-real-one",
        "HOTELPBX_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hotelpbx.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{port}/pbx/events/guessed-s3cr3t/", data=b"{}")
                )
            except urllib.error.HTTPError as exc:
                assert exc.code == 404  # an unknown token: nothing stored, nothing revealed
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
    text = log.read_text()
    assert "POST /pbx/events/<token>/" in text
    assert "guessed-s3cr3t" not in text

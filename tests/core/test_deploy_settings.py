"""Production settings pass Django's deployment checks, and the public demo key never signs anything
outside a DEBUG run."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "pms.example-hotel.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://pms.example-hotel.com",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
}


def _manage(tmp_path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PBX_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "hotelpbx.settings", "HOTELPBX_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    done = _manage(
        tmp_path,
        {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_without_tls_settings(tmp_path):
    done = _manage(
        tmp_path,
        {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50)},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode != 0
    assert "SECURE_HSTS_SECONDS" in done.stderr


@pytest.mark.parametrize(
    "key_env",
    [{}, {"DJANGO_SECRET_KEY": "dev-only-insecure-key-change-me-in-production"}],
    ids=["unset", "demo"],
)
@pytest.mark.parametrize("command", [("check",), ("migrate", "--noinput")])
def test_the_app_refuses_to_start_with_the_public_demo_key(tmp_path, key_env, command):
    done = _manage(tmp_path, {**PRODUCTION, **key_env}, *command)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "DJANGO_SECRET_KEY is unset or the public demo key" in done.stderr
    assert not (tmp_path / "hotelpbx.sqlite3").exists()  # nothing ran


def test_a_debug_run_on_a_developer_machine_may_use_the_demo_key(tmp_path):
    assert _manage(tmp_path, {"DJANGO_DEBUG": "true"}, "check").returncode == 0

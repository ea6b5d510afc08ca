"""A fresh install's first `migrate` gives the Manager group every permission it should have."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

READ_GRANTS = """
import json
from django.contrib.auth.models import Group, Permission
from hotelpbx.core.permissions import manager_permissions, permission_names
held = permission_names(Group.objects.get(name="Manager").permissions.all())
print(json.dumps({
    "held": sorted(held),
    "intended": sorted(permission_names(manager_permissions())),
    "all": Permission.objects.count(),
}))
"""


def _manage(tmp_path: Path, *args: str) -> str:
    env = {
        **os.environ,
        "HOTELPBX_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "hotelpbx.settings",
    }
    env.pop("DATABASE_TEST_NAME", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_one_migrate_on_a_fresh_database_gives_managers_every_permission(tmp_path):
    _manage(tmp_path, "migrate", "--noinput")
    grants = json.loads(_manage(tmp_path, "shell", "-c", READ_GRANTS).strip().splitlines()[-1])

    assert grants["held"] == grants["intended"]
    assert len(grants["held"]) > 48
    assert len(grants["held"]) == grants["all"] - 3  # all but writing the audit log
    for later_app_model in ("billing.change_callrecord", "rooms.change_stay", "pbx.view_pbxcommand"):
        assert later_app_model in grants["held"]
    assert "core.add_auditentry" not in grants["held"]
    assert "core.view_auditentry" in grants["held"]

    # a second migrate changes nothing
    _manage(tmp_path, "migrate", "--noinput")
    again = json.loads(_manage(tmp_path, "shell", "-c", READ_GRANTS).strip().splitlines()[-1])
    assert again == grants

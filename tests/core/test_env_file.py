"""Every variable in .env counts, including HOTELPBX_VAR_DIR (where the database, Redis socket and beat
schedule live): the settings read .env before they use it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SETTINGS = Path(__file__).resolve().parents[2] / "hotelpbx" / "settings.py"


def test_var_dir_set_in_dot_env_is_used(tmp_path):
    # The settings module alone, beside its own .env (BASE_DIR is the settings file's grandparent).
    (tmp_path / "hotelpbx").mkdir()
    (tmp_path / "hotelpbx" / "__init__.py").write_text("")
    shutil.copy(SETTINGS, tmp_path / "hotelpbx" / "settings.py")
    var_dir = tmp_path / "elsewhere"
    (tmp_path / ".env").write_text(f"HOTELPBX_VAR_DIR={var_dir}\nDJANGO_DEBUG=true\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PBX_", "HOTELPBX_", "PYTEST", "DATABASE_URL"))
    }
    env.update({"REDIS_URL": "redis://127.0.0.1:6379/15", "PYTHONPATH": str(tmp_path)})
    shown = subprocess.run(
        [sys.executable, "-c", "import hotelpbx.settings as s; print(s.VAR_DIR); print(s.DATABASES)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert shown.splitlines()[0] == str(var_dir)
    assert str(var_dir / "hotelpbx.sqlite3") in shown
    assert var_dir.is_dir()

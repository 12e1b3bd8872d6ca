"""The packaging entry point dispatches to the CLI or the GUI, and the spec names real modules."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.support import REPO_ROOT


def test_entry_runs_the_cli_for_commands() -> None:
    import os

    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run([sys.executable, str(REPO_ROOT / "packaging" / "entry.py"), "--version"],
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, env=env)
    assert out.returncode == 0 and "HR Desk" in out.stdout
    out = subprocess.run([sys.executable, str(REPO_ROOT / "packaging" / "entry.py"), "models", "verify", "--json"],
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, env=env)
    assert '"models"' in out.stdout


def test_spec_collects_every_cli_command_module() -> None:
    spec = (REPO_ROOT / "packaging" / "hrdesk.spec").read_text(encoding="utf-8")
    assert "app/db/migrations" in spec and "resources" in spec and "MANIFEST.toml" in spec
    for excluded in ("QtWebEngineCore", "QtQml", "Qt3DCore"):
        assert excluded in spec
    cli = (REPO_ROOT / "app" / "cli.py").read_text(encoding="utf-8")
    block = cli.split("COMMAND_MODULES: list[str] = [")[1].split("]")[0]
    found = re.findall(r'^\s+"(app\.[\w.]+)",$', block, re.M)  # the same expression the spec uses
    from app.cli import COMMAND_MODULES

    assert found == COMMAND_MODULES

"""The layer rules of ARCHITECTURE.md, enforced."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support import REPO_ROOT


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_core_imports_and_runs_without_qt() -> None:
    """Every app/ module imports with PySide6 made unimportable (the headless core)."""
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in ('PySide6', 'shiboken6', 'ui'):
                    raise ImportError('blocked: ' + name)
        sys.meta_path.insert(0, Block())
        import app
        for m in pkgutil.walk_packages(app.__path__, 'app.'):
            if '.migrations' in m.name or m.name.endswith('__main__'):
                continue
            importlib.import_module(m.name)
        print('ok')
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]

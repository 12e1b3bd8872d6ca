"""packaging/build.py: where it writes, what it copies, and the environment the smoke test runs in.
(The build itself takes minutes: it is the separate check `python packaging/build.py --models DIR`.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.support import REPO_ROOT


def _build():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("hrdesk_build", REPO_ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hrdesk_build"] = module
    spec.loader.exec_module(module)
    return module


def test_the_build_never_writes_into_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    build = _build()
    assert REPO_ROOT not in build.DEFAULT_OUT.parents
    with pytest.raises(SystemExit) as exc:
        build.main(["--out", str(REPO_ROOT / "dist"), "--skip-smoke"])
    assert exc.value.code == 2 and "outside the repository" in capsys.readouterr().err


def test_models_are_copied_beside_the_program_with_the_manifest(tmp_path: Path) -> None:
    build = _build()
    source = tmp_path / "models"
    (source / "opencv").mkdir(parents=True)
    (source / "opencv" / "face.onnx").write_bytes(b"onnx")
    (source / "README.md").write_text("notes for tests", encoding="utf-8")
    bundle = tmp_path / "人事 工作台" / "hrdesk"
    build.copy_models(bundle, source)
    assert (bundle / "models" / "opencv" / "face.onnx").read_bytes() == b"onnx"
    assert (bundle / "models" / "MANIFEST.toml").read_bytes() == (REPO_ROOT / "models" / "MANIFEST.toml").read_bytes()
    assert (bundle / "models" / "README.md").read_bytes() == (REPO_ROOT / "models" / "README.md").read_bytes()


def test_the_smoke_test_cannot_lean_on_the_developer_environment(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    build = _build()
    monkeypatch.setenv("HRDESK_MODELS_DIR", "/work/shared/models")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    env = build.smoke_env(tmp_path)
    assert "HRDESK_MODELS_DIR" not in env and "PYTHONPATH" not in env
    assert env["QT_QPA_PLATFORM"] == "offscreen" and env["HRDESK_CONFIG_DIR"].startswith(str(tmp_path))
    assert not build.SMOKE_PARENT.isascii() and " " in build.SMOKE_PARENT


def test_the_spec_keeps_python_docx_templates_reachable() -> None:
    spec = (REPO_ROOT / "packaging" / "hrdesk.spec").read_text(encoding="utf-8")
    assert 'collect_data_files("docx")' in spec
    assert '"docx": "pyz+py"' in spec  # docx/parts/../templates/*.xml needs docx/parts/ on disk
    assert "locale-data/root.dat" in spec  # Babel's CLDR root, which zh_Hans_CN and en inherit

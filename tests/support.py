"""Helpers shared by the tests: where the shared data and models are, and the models rule.

Tests that need model files call ``require_model("faster-whisper-base")``: it returns the path,
or skips with the reason — unless ``HRDESK_REQUIRE_MODELS=1`` (CI), where a missing model fails
the test instead of skipping it. ``shared_data("media/speech")`` works the same way for
``../shared/data``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def models_required() -> bool:
    return os.environ.get("HRDESK_REQUIRE_MODELS", "") not in ("", "0", "false")


def _missing(what: str) -> None:
    if models_required():
        pytest.fail(f"required test asset missing (HRDESK_REQUIRE_MODELS=1): {what}")
    pytest.skip(f"test asset not available: {what}")


def shared_dir() -> Path:
    env = os.environ.get("HRDESK_SHARED_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def shared_data(relative: str = "") -> Path:
    path = shared_dir() / "data" / relative
    if not path.exists():
        _missing(str(path))
    return path


def require_model(relative: str) -> Path:
    from app.paths import find_model

    found = find_model(relative)
    if found is None:
        _missing(f"model {relative} (set HRDESK_MODELS_DIR)")
    assert found is not None
    return found

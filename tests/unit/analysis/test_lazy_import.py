"""Start-up: the assessment service and the analysis package load the scorer (jieba, the medical
vocabulary) only when something is analysed."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO_ROOT


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_opening_the_assessment_service_does_not_load_the_scorer() -> None:
    loaded = _loaded_after("import app.services.assessment")
    assert "app.analysis.rollup" in loaded  # the light part is there
    assert not {"jieba", "app.text.tokenize", "app.analysis.scoring"} & loaded


def test_the_package_names_load_on_first_use() -> None:
    loaded = _loaded_after("import app.analysis as A\nassert A.RECOMMENDATION_LABELS['hold']")
    assert "jieba" not in loaded
    loaded = _loaded_after("from app.analysis import score_text_answer")
    assert "app.analysis.scoring" in loaded and "jieba" in loaded

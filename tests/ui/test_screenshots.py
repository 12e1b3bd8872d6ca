"""``main.py --demo --screenshot DIR`` under a real X server (Xvfb) writes six real pictures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.support import REPO_ROOT

TABS = ("positions", "screening", "interview", "talent", "training", "payroll")


@pytest.mark.slow
def test_screenshot_mode_renders_every_tab(tmp_path: Path) -> None:
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        pytest.skip("xvfb-run not installed (apt install xvfb)")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    out = tmp_path / "shots"
    result = subprocess.run(
        [xvfb, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, str(REPO_ROOT / "main.py"), "--demo",
         "--data-dir", str(tmp_path / "demo"), "--screenshot", str(out), "--today", "2026-11-22"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for tab in TABS:
        image = QImage(str(out / f"{tab}.png"))
        assert (image.width(), image.height()) == (1440, 900), tab
        colours = {image.pixel(x, y) for x in range(0, 1440, 7) for y in range(0, 900, 7)}
        assert len(colours) > 40, f"{tab} looks blank"
        # text was drawn across the picture, not only a frame: count dark pixels
        dark = sum(1 for x in range(0, 1440, 3) for y in range(0, 900, 3) if QImage.pixelColor(image, x, y).lightness() < 90)
        assert dark > 800, tab

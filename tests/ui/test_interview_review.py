"""The 面试 tab's 评估与复核 page on the demo: list, evidence tree, radar, decision, comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from ui.main_window import MainWindow
from ui.tabs.interview_review import ComparisonDialog, InterviewReviewPage
from ui.workers import SyncPool


@pytest.fixture()
def messages(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Message boxes are recorded instead of blocking the test."""
    seen: list[str] = []

    def record(_parent, _title, text, *a, **k):  # type: ignore[no-untyped-def]
        seen.append(text)
        return QMessageBox.StandardButton.Ok

    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, record)
    return seen


@pytest.fixture()
def page(qtbot, demo_ctx, tmp_path: Path, messages):  # type: ignore[no-untyped-def]
    win = MainWindow(demo_ctx, SyncPool(), QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    tab = next(p for p in win.tab_pages if p.KEY == "interview")
    win.tabs.setCurrentWidget(tab)
    assert [tab.pages_widget.tabText(i) for i in range(tab.pages_widget.count())] == ["面试安排", "录制", "评估与复核"]
    assert tab.page("interview_list").table.model.rowCount() > 5  # the schedule still works
    review = tab.page("interview_review")
    tab.pages_widget.setCurrentWidget(review)
    assert isinstance(review, InterviewReviewPage)
    yield review


def test_review_page_shows_scores_radar_and_evidence(page, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    rows = page.table.model.rows()
    assert len(rows) >= 6
    page.queue_only.setChecked(True)
    assert 0 < page.table.proxy.rowCount() < len(rows)
    page.queue_only.setChecked(False)
    risky = next(r for r in rows if r.risk_count)
    page.select_interview(risky.interview_id)
    d = page.detail
    assert d is not None and d.interview_id == risky.interview_id
    assert page.dimension_model.rowCount() == 3
    qtmodeltester.check(page.dimension_model)
    assert "保留观察" in page.summary.text()
    chart = page.radar.chart()
    assert len(chart.series()) == 4  # blended, AI, interviewer, pass bar
    assert chart.series()[0].count() == 4  # three dimensions, closed
    model = page.tree.model()
    qtmodeltester.check(model)
    answers = model.index(0, 0)
    assert model.rowCount(answers) == len(d.answers)
    texts = []
    for r in range(model.rowCount()):
        texts.append(model.index(r, 0).data())
    assert any("风险提示" in t for t in texts) and any("非言语观察" in t for t in texts)
    first_q = model.index(0, 0, answers)
    children = [model.index(i, 0, first_q).data() for i in range(model.rowCount(first_q))]
    assert any("要点" in c for c in children) and any("转写" in c for c in children)


def test_decision_from_the_page_is_recorded(page, messages) -> None:  # type: ignore[no-untyped-def]
    queued = next(r for r in page.table.model.rows() if r.needs_review and not r.decision)
    page.select_interview(queued.interview_id)
    page.decide("reject", "", "王五")  # no reason: refused, nothing changes
    assert messages and "理由" in messages[-1]
    assert page.services.assessment.detail(queued.interview_id).decision is None
    page.decide("reject", "沟通与专业知识均未达到岗位要求。", "王五")
    detail = page.services.assessment.detail(queued.interview_id)
    assert detail.decision is not None and detail.decision.decided_by == "王五"
    refreshed = next(r for r in page.table.model.rows() if r.interview_id == queued.interview_id)
    assert refreshed.decision == "reject"


def test_comparison_dialog_and_pdf_export(page, tmp_path: Path, messages) -> None:  # type: ignore[no-untyped-def]
    rows = page.table.model.rows()
    counts: dict[int, int] = {}
    for r in rows:
        counts[r.position_id] = counts.get(r.position_id, 0) + 1
    row = next(r for r in rows if counts[r.position_id] >= 2)
    page.select_interview(row.interview_id)
    page._on_compare_clicked()
    dialog = page.comparison_dialog
    assert isinstance(dialog, ComparisonDialog)
    assert dialog.table.model.rowCount() == counts[row.position_id]
    assert len(dialog.radar.chart().series()) == counts[row.position_id] + 1
    out = tmp_path / "cmp.xlsx"
    page.export_comparison(row.position_id, out)
    assert out.exists()
    pdf = tmp_path / "r.pdf"
    page.export_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert any(str(pdf) in m for m in messages) and any(str(out) in m for m in messages)
    dialog.close()


def test_dimension_bars_are_painted_to_scale(page) -> None:  # type: ignore[no-untyped-def]
    """The 'score against the bar' column is drawn as a bar whose filled length is the blended score and whose
    colour says pass / below; the text of the cell stays the score (for sorting and copying)."""
    from PySide6.QtGui import QColor

    from ui.tabs.interview_review import BAR_BELOW, BAR_COLUMN, BAR_FAR_BELOW, BAR_PASS, BAR_TRACK, bar_tooltip

    rows = page.table.model.rows()
    seen_status: set[str] = set()
    for row in rows:
        page.select_interview(row.interview_id)
        view = page.dimensions
        view.setColumnWidth(BAR_COLUMN, 220)
        image = view.viewport().grab().toImage()
        for r, dim in enumerate(page.dimension_model.rows()):
            if dim.blended is None:
                continue
            index = page.dimension_model.index(r, BAR_COLUMN)
            assert index.data() == f"{dim.blended:.1f}"
            rect = view.visualRect(index)
            fill = {"pass": BAR_PASS, "far_below": BAR_FAR_BELOW}.get(dim.status, BAR_BELOW)
            counts = {"fill": 0, "track": 0, "other_fill": 0}
            y = rect.center().y()
            for x in range(rect.left(), rect.right()):
                c = QColor(image.pixel(x, y))
                if c == fill:
                    counts["fill"] += 1
                elif c == BAR_TRACK:
                    counts["track"] += 1
                elif c in (BAR_PASS, BAR_BELOW, BAR_FAR_BELOW):
                    counts["other_fill"] += 1
            assert counts["other_fill"] == 0, (dim, counts)
            share = counts["fill"] / max(1, counts["fill"] + counts["track"])
            assert abs(share - dim.blended / 10) < 0.1, (dim, counts)
            assert f"{dim.pass_bar:g}" in bar_tooltip(dim)
            seen_status.add("pass" if dim.status == "pass" else "below")
        if seen_status == {"pass", "below"}:
            break
    assert seen_status == {"pass", "below"}  # the demo shows both colours

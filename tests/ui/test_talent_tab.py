"""The talent tab on the demo hospital (offscreen, jobs inline): lists, profile with radar and linked
evidence, search with saved searches, pool, onboarding approval and the probation review."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from ui.tablemodels.base import ROW_ROLE
from ui.tabs.talent_tab import OnboardingPage, ProbationPage, ProfilePage, SearchPage, TalentTab
from ui.workers import SyncPool

TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)


def _rows(table) -> list:  # type: ignore[no-untyped-def]
    return [table.proxy.index(r, 0).data(ROW_ROLE) for r in range(table.proxy.rowCount())]


def test_talent_tab_profile_search_onboarding_and_probation(qtbot, demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = TalentTab(demo_ctx.services, SyncPool())
    qtbot.addWidget(tab)
    tab.set_today(TODAY)
    tab.show()
    tab.ensure_loaded()
    assert tab.people.model.rowCount() >= 290
    assert tab.show_page("licences").licences.model.rowCount() > 0  # type: ignore[attr-defined]

    # probation page: the demo's due review, with the interview reference next to it
    probation = tab.page("probation")
    assert isinstance(probation, ProbationPage)
    tab.show_page("probation")
    due = _rows(probation.reviews)
    assert due, "a review is due"
    assert probation._context is not None and probation._context.interview is not None
    assert probation.interview.model.rowCount() >= 3 and "天" in probation.attendance.text()

    # double-click → profile with radar, phrases and evidence linked to a phrase
    tab.open_profile(due[0].person_id)
    profile = tab.page("profile")
    assert isinstance(profile, ProfilePage) and tab.pages_widget.currentWidget() is profile.parentWidget()
    assert profile.profile is not None and profile.profile.name in profile.header.text()
    assert profile.radar.chart().series(), "radar has series"
    assert profile.phrases.model.rowCount() >= 1
    profile.phrases.view.selectRow(0)
    shown = {r.id for r in _rows(profile.evidence)}
    assert shown == set(profile.phrases.model.row(0).evidence_ids) or not profile.phrases.model.row(0).evidence_ids
    assert profile.interviews.model.rowCount() >= 1 and profile.coefficients.model.rowCount() >= 1

    # decide the review: confirm with a coefficient proposal, then approve it
    tab.show_page("probation")
    probation.reviews.view.selectRow(0)
    probation.outcome.setCurrentIndex(probation.outcome.findData("confirm"))
    probation.coefficient.setValue(0.9)
    probation.decide_btn.click()
    assert not any(r.review_id == due[0].review_id for r in _rows(probation.reviews))
    proposed = _rows(probation.proposed)  # other proposals (e.g. from training) may be listed too
    mine = [i for i, p in enumerate(proposed) if p.name == due[0].name]
    assert [(proposed[i].name, proposed[i].proposed) for i in mine] == [(due[0].name, 0.9)]
    before = probation.proposed.model.rowCount()
    row = next(r for r in range(before)
               if probation.proposed.proxy.index(r, 0).data(ROW_ROLE).name == due[0].name)
    probation.proposed.view.selectRow(row)
    probation.approve_coeff_btn.click()
    assert probation.proposed.model.rowCount() == before - 1
    assert not any(p.name == due[0].name for p in _rows(probation.proposed))

    # search: licence filter, save, recall from the saved list
    search = tab.page("search")
    assert isinstance(search, SearchPage)
    tab.show_page("search")
    everyone = search.results.model.rowCount()
    search.licence.setText("护士执业")
    search.run_search()
    nurses = search.results.model.rowCount()
    assert 0 < nurses < everyone
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("持证护士", True))
    search.save_btn.click()
    assert search.saved.findText("持证护士") > 0
    search._on_clear_clicked()
    assert search.results.model.rowCount() == everyone
    search.saved.setCurrentIndex(search.saved.findText("持证护士"))
    search._on_saved_activated(search.saved.currentIndex())
    assert search.licence.text() == "护士执业" and search.results.model.rowCount() == nurses

    # pool page lists reasons; onboarding: sign the waiting form twice and an employee appears
    pool = tab.show_page("pool")
    assert all(r.reason for r in _rows(pool.table)) and pool.retention.model.rowCount() >= 1  # type: ignore[attr-defined]
    onboarding = tab.page("onboarding")
    assert isinstance(onboarding, OnboardingPage)
    tab.show_page("onboarding")
    waiting = [f for f in _rows(onboarding.forms) if f.state == "dept_head"]
    assert waiting
    before = tab.people.model.rowCount()
    for user in ("科室主任甲", "人事科长乙"):
        row = next(i for i, f in enumerate(_rows(onboarding.forms)) if f.id == waiting[0].id)
        onboarding.forms.view.selectRow(row)
        onboarding.user.setText(user)
        onboarding.approve_btn.click()
    done = next(f for f in _rows(onboarding.forms) if f.id == waiting[0].id)
    assert done.state == "approved" and done.employee_id is not None
    assert onboarding.steps.model.rowCount() == 4
    tab.page("employees").reload()
    assert tab.people.model.rowCount() == before + 1

    # a new form through the dialog
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    n_forms = onboarding.forms.model.rowCount()
    onboarding.new_btn.click()
    assert onboarding.forms.model.rowCount() == n_forms + 1


def test_onboarding_page_shows_licence_findings_and_signs_as_the_signed_in_person(qtbot, demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from sqlalchemy import delete

    from app.db.tables import Candidate, Licence, OnboardingForm, Position
    from app.db.uow import unit_of_work
    from app.security.permissions import PERMISSIONS, Principal

    asked: list[str] = []

    def question(_parent, _title, text, *a, **k):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    head = Principal("lijg", "dept_head", None, frozenset(PERMISSIONS), display_name="李建国（科室主任）")
    identity = getattr(demo_ctx.services, "identity", None)
    if identity is None:  # before the login is wired into the services
        monkeypatch.setattr(demo_ctx.services, "identity", SimpleNamespace(principal=head), raising=False)
    else:
        identity.sign_in(head)
    tab = TalentTab(demo_ctx.services, SyncPool())
    qtbot.addWidget(tab)
    onboarding = tab.show_page("onboarding")
    assert isinstance(onboarding, OnboardingPage)
    assert onboarding.user.text() == "李建国（科室主任）" and onboarding.user.isReadOnly()
    waiting = next(f for f in _rows(onboarding.forms) if f.state == "dept_head")
    onboarding.forms.view.selectRow(next(i for i, f in enumerate(_rows(onboarding.forms)) if f.id == waiting.id))
    # the demo's new graduate has not filed the practising registration yet: a warning, not a refusal
    assert waiting.licence_findings and all(f.severity == "warn" for f in waiting.licence_findings)
    assert "警告" in onboarding.licences.text() and waiting.licence_findings[0].kind in onboarding.licences.text()
    assert onboarding.approve_btn.isEnabled()
    onboarding.approve_btn.click()
    assert len(asked) == 1 and waiting.licence_findings[0].kind in asked[0]
    signed = next(f for f in _rows(onboarding.forms) if f.id == waiting.id)
    assert signed.state == "hr_manager" and signed.steps[-1]["by"] == "李建国（科室主任）"
    assert signed.steps[-1]["licence_warnings"]

    # a post requiring a qualification the person does not hold: the approval is refused, the button says so
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        form = s.get(OnboardingForm, waiting.id)
        pos = s.get(Position, form.position_id)  # type: ignore[union-attr]
        pos.requirements = {**(pos.requirements or {}), "licences": ["医师资格证书"]}  # type: ignore[union-attr]
        person_id = s.get(Candidate, form.candidate_id).person_id  # type: ignore[union-attr]
        s.execute(delete(Licence).where(Licence.person_id == person_id))
    onboarding.reload()
    onboarding.forms.view.selectRow(next(i for i, f in enumerate(_rows(onboarding.forms)) if f.id == waiting.id))
    assert not onboarding.approve_btn.isEnabled() and onboarding.reject_btn.isEnabled()
    assert "不能批准" in onboarding.licences.text() and "医师资格证书" in onboarding.licences.text()

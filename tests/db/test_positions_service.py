"""The positions service on real databases: editor validation and versions, rules over the demo resumes,
synonyms and own vocabulary, Excel round trips and bad files, the licence register and post warnings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.db.tables import Department, Employee, Licence, Person, Position, QuestionVersion
from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput
from app.positions import rules
from app.positions.competency import Dimension
from app.services.positions import LicencePolicy, PositionForm
from tests.conftest import DEMO_TODAY

TODAY = dt.date(2026, 3, 1)


# ------------------------------------------------------------------ positions and competency weights
def _dept(ctx) -> int:  # type: ignore[no-untyped-def]
    return ctx.services.org.create_department("D1", "测试科", None)


def test_weights_must_add_up_to_100_and_nothing_is_stored_otherwise(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.positions
    form = PositionForm(code="P1", title="测试护士", department_id=_dept(ctx), job_family="nursing",
                        competencies=(Dimension("专业知识", 50), Dimension("操作技能", 40)))
    with pytest.raises(InvalidInput) as err:
        svc.create_position(form)
    assert "90" in err.value.message and "100" in err.value.message
    assert ctx.services.org.positions() == []
    dup = PositionForm(**{**form.__dict__, "competencies": (Dimension("专业知识", 50), Dimension("专业知识", 50))})
    with pytest.raises(InvalidInput, match="专业知识"):
        svc.create_position(dup)
    good = PositionForm(**{**form.__dict__, "competencies": (Dimension(" 专业知识 ", 60), Dimension("操作技能", 40, 7.5)),
                           "licences": ("护士执业证书",), "majors": ("护理学",), "min_degree": "本科"})
    pid = svc.create_position(good)
    stored = svc.form(pid)
    assert stored.competencies == (Dimension("专业知识", 60, 6.0), Dimension("操作技能", 40, 7.5))
    assert stored.licences == ("护士执业证书",) and stored.min_degree == "本科" and stored.version == 1


def test_empty_model_gets_the_family_template_and_codes_are_unique(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.positions
    dept = _dept(ctx)
    pid = svc.create_position(PositionForm(code="P1", title="医师", department_id=dept, job_family="physician"))
    assert sum(d.weight for d in svc.form(pid).competencies) == 100
    with pytest.raises(InvalidInput, match="P1"):
        svc.create_position(PositionForm(code="P1", title="另一个", department_id=dept, job_family="physician"))
    with pytest.raises(InvalidInput):
        svc.create_position(PositionForm(code="P2", title="x", department_id=dept, job_family="physician",
                                         licences=("驾驶证",)))


def test_update_uses_optimistic_versions_and_copy_takes_rules(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.positions
    pid = svc.create_position(PositionForm(code="P1", title="医师", department_id=_dept(ctx), job_family="physician"))
    svc.save_rule(pid, "(心血管 OR 心内科) AND 规培", name="关键词")
    form = svc.form(pid)
    changed = PositionForm(**{**form.__dict__, "title": "心内科医师",
                              "competencies": (Dimension("专业知识", 50), Dimension("操作技能", 50))})
    svc.update_position(pid, form.version, changed)
    after = svc.form(pid)
    assert after.title == "心内科医师" and after.version == form.version + 1
    with pytest.raises(Conflict):
        svc.update_position(pid, form.version, changed)  # a stale copy from another workstation
    copy = svc.copy_position(pid, "P1-B")
    copied = svc.form(copy)
    assert copied.competencies == after.competencies and copied.title == "心内科医师（副本）"
    assert [r.expression for r in svc.rules(copy)] == ["(心血管 OR 心内科) AND 规培"]


def test_rules_must_parse_and_keep_versions(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.positions
    pid = svc.create_position(PositionForm(code="P1", title="医师", department_id=_dept(ctx), job_family="physician"))
    with pytest.raises(rules.RuleSyntaxError) as err:
        svc.save_rule(pid, "(心血管 OR 心内科")
    assert err.value.position > 0
    check = svc.check_rule("心血管 AND (")
    assert not check.ok and check.error_position == 10 and "10" in check.error
    rid = svc.save_rule(pid, "心血管")
    row = svc.rules(pid)[0]
    svc.save_rule(pid, "心血管 OR 心内科", rule_id=rid, expected_version=row.version, name="r")
    with pytest.raises(Conflict):
        svc.save_rule(pid, "心内科", rule_id=rid, expected_version=row.version)
    svc.delete_rule(rid, row.version + 1)
    assert svc.rules(pid) == []


# ------------------------------------------------------------------ rules over the demo resumes
@pytest.mark.slow
def test_rule_evaluation_over_demo_resumes_explains_with_spans(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.positions
    resumes = svc.prepared_resumes()
    assert len(resumes) == len(demo_ctx.services.recruiting.candidates()) > 20
    table = svc.synonym_table()
    matches = svc.match_resumes("护士执业证书 AND NOT 住院医师", resumes, table)
    hit = [m for m in matches if m.matched]
    miss = [m for m in matches if not m.matched]
    assert hit and miss
    for m in hit:
        text = next(r.text.original for r in resumes if r.candidate_id == m.candidate_id)
        assert "护士执业证书" in text and "住院医师" not in text
        assert all(text[h.start:h.end] == h.form for h in m.hits)
    assert all(m.explanation for m in miss)
    # every candidate named in a miss really fails the rule
    for m in miss:
        text = next(r.text.original for r in resumes if r.candidate_id == m.candidate_id)
        assert "护士执业证书" not in text or "住院医师" in text


@pytest.mark.slow
def test_synonyms_widen_a_rule_and_own_terms_silence_the_vocabulary_warning(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.positions
    resumes = svc.prepared_resumes()
    before = {m.candidate_id for m in svc.match_resumes("复苏术", resumes, svc.synonym_table()) if m.matched}
    svc.save_synonym("复苏术", "心肺复苏、CPR")
    after = [m for m in svc.match_resumes("复苏术", resumes, svc.synonym_table()) if m.matched]
    assert len(after) > len(before)
    assert all(h.form in ("心肺复苏", "CPR") for m in after for h in m.hits)
    with pytest.raises(InvalidInput):
        svc.save_synonym("复苏术", "CPR")  # the term already has a group
    assert svc.check_rule("胸痛中心建设 AND 心内科").warnings
    svc.add_term("胸痛中心建设", "clin")
    assert not any("胸痛中心建设" in w for w in svc.check_rule("胸痛中心建设 AND 心内科").warnings)
    from app.text.tokenize import cut

    assert "胸痛中心建设" in cut("参与胸痛中心建设工作")
    with pytest.raises(InvalidInput):
        svc.add_term("胸痛中心建设")


# ------------------------------------------------------------------ Excel
@pytest.mark.slow
def test_positions_round_trip_and_good_rows_choice(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.positions
    out = svc.export_positions(tmp_path / "p.xlsx")
    preview = svc.preview_positions_import(out)
    assert preview.clean and preview.total == len(demo_ctx.services.org.positions())
    stats = svc.import_positions(out)
    assert (stats.created, stats.updated) == (0, preview.total)
    assert svc.preview_positions_import(out).rows == preview.rows  # nothing drifted in the round trip

    wb = load_workbook(out)
    ws, comp = wb.worksheets[0], wb.worksheets[1]
    header = [c.value for c in ws[1]]
    ws.append(["P-NEW-1", "新岗位", ws.cell(2, header.index("科室编码") + 1).value, "护理"])
    ws.append(["P-BAD-1", "坏岗位", "NO-SUCH-DEPT", "护理"])
    first_code = comp.cell(2, 1).value
    comp.cell(2, 3).value = 5  # breaks the weights of the first position
    bad_file = tmp_path / "bad.xlsx"
    wb.save(bad_file)
    preview = svc.preview_positions_import(bad_file)
    assert not preview.clean
    located = {(p.sheet, p.row, p.column) for p in preview.problems}
    assert (ws.title, ws.max_row, "科室编码") in located  # the unknown department, named where it is
    assert any(sheet == comp.title and row == 2 for sheet, row, _c in located)  # the broken weight
    assert all(p.reason for p in preview.problems)
    before = svc.form(next(r.id for r in demo_ctx.services.org.positions() if r.code == first_code))
    with pytest.raises(InvalidInput, match="只导入"):
        svc.import_positions(bad_file)
    assert "P-NEW-1" not in {r.code for r in demo_ctx.services.org.positions()}  # nothing stored
    stats = svc.import_positions(bad_file, good_rows_only=True)
    assert stats.created == 1 and stats.skipped_rows == 2
    codes = {r.code: r.id for r in demo_ctx.services.org.positions()}
    assert "P-NEW-1" in codes and "P-BAD-1" not in codes
    assert svc.form(codes[first_code]).competencies == before.competencies  # the bad one untouched


@pytest.mark.slow
def test_bad_files_are_refused_with_a_message(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.positions
    fake = tmp_path / "not.xlsx"
    fake.write_text("姓名,科室\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="xlsx"):
        svc.preview_positions_import(fake)
    questions = svc.export_questions(tmp_path / "q.xlsx")
    with pytest.raises(InvalidInput, match="题库"):
        svc.import_positions(questions)
    with pytest.raises(InvalidInput):
        svc.import_questions(tmp_path / "missing.xlsx")


@pytest.mark.slow
def test_question_bank_round_trip_makes_a_new_version(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.positions
    out = svc.export_questions(tmp_path / "q.xlsx")
    stats = svc.import_questions(out)
    total = len(demo_ctx.services.questions.questions())
    assert (stats.created, stats.new_versions, stats.unchanged) == (0, 0, total)
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    code = ws.cell(2, 1).value
    ws.cell(2, 2).value = str(ws.cell(2, 2).value) + "请结合本院流程回答。"
    ws.cell(3, 3).value = "不存在的题型"
    wb.save(out)
    with pytest.raises(InvalidInput):
        svc.import_questions(out)
    with unit_of_work(demo_ctx.session_factory) as s:
        versions_before = s.scalar(select(func.count()).select_from(QuestionVersion))
    stats = svc.import_questions(out, good_rows_only=True)
    assert stats.new_versions == 1
    row = next(r for r in demo_ctx.services.questions.questions() if r.code == code)
    assert row.current_version == 2 and row.text.endswith("请结合本院流程回答。")
    with unit_of_work(demo_ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(QuestionVersion)) == versions_before + 1


# ------------------------------------------------------------------ licences
def _staff(ctx, licences: dict[str, list[tuple[str, dict]]]):  # type: ignore[no-untyped-def]
    """One nursing post requiring 护士执业证书 in 护理部, one physician post; people by staff number."""
    org = ctx.services.org
    nursing = org.create_department("HL", "护理部", None)
    other = org.create_department("WK", "外科", None)
    svc = ctx.services.positions
    nurse_post = svc.create_position(PositionForm(code="N1", title="病区护士", department_id=nursing,
                                                  job_family="nursing", licences=("护士执业证书",)))
    doc_post = svc.create_position(PositionForm(code="D1", title="外科医师", department_id=other,
                                                job_family="physician", licences=("医师执业证书",)))
    with unit_of_work(ctx.session_factory, write=True) as s:
        for staff_no, items in licences.items():
            doctor = staff_no.startswith("D")
            person = Person(name=f"员工{staff_no}")
            s.add(person)
            s.flush()
            s.add(Employee(person_id=person.id, staff_no=staff_no, department_id=other if doctor else nursing,
                           position_id=doc_post if doctor else nurse_post, hire_date=dt.date(2020, 1, 1)))
            for kind, fields in items:
                s.add(Licence(person_id=person.id, kind=kind, **fields))
    return nursing, other, nurse_post, doc_post


def test_licence_expiry_classification_on_fixed_dates(ctx) -> None:  # type: ignore[no-untyped-def]
    day = dt.timedelta(days=1)
    nurse = "护士执业证书"
    _staff(ctx, {
        "N01": [(nurse, {"expiry_date": TODAY - day})],  # expired yesterday
        "N02": [(nurse, {"expiry_date": TODAY})],  # valid through today
        "N03": [(nurse, {"expiry_date": TODAY + 30 * day})],
        "N04": [(nurse, {"expiry_date": TODAY + 31 * day})],
        "N05": [(nurse, {"expiry_date": TODAY + 90 * day})],
        "N06": [(nurse, {"expiry_date": TODAY + 91 * day})],
        "N07": [(nurse, {"issue_date": dt.date(2021, 4, 1)})],  # no expiry on file: 5-year registration
        "D01": [("医师执业证书", {"next_assessment": TODAY + 10 * day}), ("医师资格证书", {})],
    })
    svc = ctx.services.positions
    rows = {(r.staff_no, r.kind): r for r in svc.licence_register(TODAY)}
    state = {k[0]: r.state for k, r in rows.items() if k[1] != "医师资格证书"}
    assert state == {"N01": "expired", "N02": "expiring_30", "N03": "expiring_30", "N04": "expiring_90",
                     "N05": "expiring_90", "N06": "valid", "N07": "expiring_90", "D01": "expiring_30"}
    assert rows[("N07", nurse)].derived and rows[("N07", nurse)].due == dt.date(2026, 4, 1)
    assert rows[("D01", "医师资格证书")].state == "no_expiry"
    assert rows[("D01", "医师执业证书")].due_kind == "assessment" and "定期考核" in rows[("D01", "医师执业证书")].action
    assert "2026-03-01" in rows[("N03", nurse)].action  # renewal application 30 days before 2026-03-31
    within30 = [r.staff_no for r in svc.licence_register(TODAY, within_days=30)]
    assert within30 == ["N01", "N02", "D01", "N03"]  # most urgent first
    # the statutory cycle comes from the settings
    longer = LicencePolicy(nurse_registration_years=6)
    assert {r.staff_no: r.state for r in svc.licence_register(TODAY, longer) if r.derived} == {"N07": "valid"}


def test_department_filter_and_post_warning(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    nursing, other, nurse_post, doc_post = _staff(ctx, {
        "N01": [("护士执业证书", {"expiry_date": TODAY - dt.timedelta(days=3)})],
        "N02": [("护士执业证书", {"expiry_date": TODAY + dt.timedelta(days=400)})],
        "N03": [],
        "N04": [("护士执业证书", {"expiry_date": TODAY - dt.timedelta(days=800)}),  # renewed: the new one counts
                ("护士执业证书", {"expiry_date": TODAY + dt.timedelta(days=900)})],
        "D01": [("医师执业证书", {"next_assessment": TODAY - dt.timedelta(days=1)})],
    })
    svc = ctx.services.positions
    assert {r.department for r in svc.licence_register(TODAY, department_ids={other})} == {"外科"}
    gaps = svc.licence_gaps(TODAY)
    by_staff = {g.staff_no: g for g in gaps}
    assert set(by_staff) == {"N01", "N03", "D01"}
    assert "过期" in by_staff["N01"].reason and "未登记" in by_staff["N03"].reason
    assert "定期考核" in by_staff["D01"].reason
    assert {g.staff_no for g in svc.licence_gaps(TODAY, position_ids={nurse_post})} == {"N01", "N03"}
    with unit_of_work(ctx.session_factory, write=True) as s:  # someone who left no longer counts
        emp = s.scalar(select(Employee).where(Employee.staff_no == "N03"))
        emp.status = "left"
    assert "N03" not in {g.staff_no for g in svc.licence_gaps(TODAY)}
    out = svc.export_licences(tmp_path / "lic.xlsx", svc.licence_register(TODAY, within_days=90), TODAY)
    ws = load_workbook(out).worksheets[0]
    assert ws.max_row == 2 + 2 and ws.cell(3, 1).value in ("N01", "D01")


@pytest.mark.slow
def test_demo_register_and_cli(demo_ctx, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    svc = demo_ctx.services.positions
    states = {r.state for r in svc.licence_register(DEMO_TODAY)}
    assert {"expired", "expiring_30", "expiring_90", "valid"} <= states
    assert svc.licence_gaps(DEMO_TODAY)
    root = str(demo_ctx.data.root)
    demo_ctx.close()
    assert main(["licences", "expiring", "--within", "30", "--today", DEMO_TODAY.isoformat(), "--json",
                 "--data-dir", root, "--out", str(tmp_path / "l.xlsx")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data and all(d["days_left"] <= 30 for d in data)
    assert (tmp_path / "l.xlsx").exists()
    assert main(["positions", "export", str(tmp_path / "p.xlsx"), "--data-dir", root]) == 0
    capsys.readouterr()
    assert main(["positions", "import", str(tmp_path / "p.xlsx"), "--json", "--data-dir", root]) == 0
    assert json.loads(capsys.readouterr().out)["updated"] > 20
    wb = load_workbook(tmp_path / "p.xlsx")
    wb.worksheets[0].append(["P-X", "x", "NO-DEPT", "护理"])
    wb.save(tmp_path / "bad.xlsx")
    assert main(["positions", "import", str(tmp_path / "bad.xlsx"), "--data-dir", root]) == 2
    assert "NO-DEPT" in capsys.readouterr().err
    assert main(["positions", "import", str(tmp_path / "bad.xlsx"), "--good-rows", "--data-dir", root]) == 0
    assert main(["questions", "export", str(tmp_path / "q.xlsx"), "--data-dir", root]) == 0
    assert main(["questions", "import", str(tmp_path / "q.xlsx"), "--json", "--data-dir", root]) == 0
    assert main(["questions", "import", str(tmp_path / "p.xlsx"), "--data-dir", root]) == 2
    assert main(["licences", "expiring", "--department", "NO-DEPT", "--data-dir", root]) == 2

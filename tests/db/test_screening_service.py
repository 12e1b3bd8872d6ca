"""简历筛选 service: import with outcomes, duplicates, corrections, explained ranking, blind mode, invitations, CLI."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.tables import Candidate, Document, Interview, Person, Position
from app.errors import InvalidInput
from app.i18n import language, set_language
from app.screening.generate import generate_resume, write_docx, write_pdf, write_txt

TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _chinese():
    previous = language()
    set_language("zh_CN")
    yield
    set_language(previous)


def _counts(ctx) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with ctx.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Person, Candidate, Document))  # type: ignore[return-value]


def _position_id(ctx, code: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.session_factory() as s:
        return s.scalar(select(Position.id).where(Position.code == code))


def _archive_files(ctx) -> list[Path]:  # type: ignore[no-untyped-def]
    root = ctx.data.root / "archive" / "resumes"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_import_pdf_docx_gbk_matches_the_generated_truth(demo_ctx, tmp_path: Path) -> None:
    sv = demo_ctx.services.screening
    pid = _position_id(demo_ctx, "P-XN-ZY")
    resumes = [generate_resume(9100 + i, profile="doctor", today=TODAY) for i in range(3)]
    files = [write_pdf(resumes[0], tmp_path / "a.pdf"), write_docx(resumes[1], tmp_path / "b.docx"),
             write_txt(resumes[2], tmp_path / "c.txt", "gbk")]
    assert files[2].read_bytes().decode("gbk")  # really GBK
    before = _counts(demo_ctx)
    report = sv.import_files(files, position_id=pid, today=TODAY)
    assert [o.outcome for o in report.outcomes] == ["imported"] * 3, [o.reason for o in report.outcomes]
    assert _counts(demo_ctx) == (before[0] + 3, before[1] + 3, before[2] + 3)
    with demo_ctx.session_factory() as s:
        for outcome, resume in zip(report.outcomes, resumes, strict=True):
            cand = s.get(Candidate, outcome.candidate_id)
            person = s.get(Person, cand.person_id)
            doc = s.get(Document, cand.resume_document_id)
            truth = resume.truth
            assert person.name == truth.name
            assert person.phone == truth.phone
            assert person.email == truth.email
            assert person.highest_degree == truth.highest_degree
            assert cand.extracted["name"] == truth.name
            assert {lic["name"] for lic in cand.extracted["licences"]} == {lic.name for lic in truth.licences}
            assert cand.position_id == pid and cand.status == "new" and cand.corrections == {}
            # the original is archived byte for byte, linked to the person
            assert doc.person_id == person.id and doc.kind == "resume"
            stored = demo_ctx.data.root / doc.stored_path
            assert doc.stored_path.startswith("archive/resumes/")
            assert stored.read_bytes() == Path(outcome.path).read_bytes()


def _broken_folder(root: Path) -> dict[str, str]:
    """file name -> the words its rejection reason must contain."""
    root.mkdir()
    sub = root / "sub"
    sub.mkdir()
    good = generate_resume(9300, profile="nurse", today=TODAY)
    write_pdf(good, root / "tmp.pdf")
    (root / "truncated.pdf").write_bytes((root / "tmp.pdf").read_bytes()[:1500])
    (root / "tmp.pdf").unlink()
    (root / "empty.txt").write_bytes(b"")
    (sub / "picture.docx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    (sub / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with zipfile.ZipFile(root / "notword.docx", "w") as zf:
        zf.writestr("hello.txt", "hello")
    (root / "shopping.txt").write_text("牛奶 两盒\n鸡蛋 一斤\n面包\n", encoding="utf-8")
    write_txt(generate_resume(9301, profile="nurse", today=TODAY), sub / "good.txt", "gbk")
    return {"truncated.pdf": "PDF", "empty.txt": "0", "picture.docx": "PNG", "old.doc": ".doc",
            "notword.docx": "Word", "shopping.txt": "简历"}


def test_a_folder_with_broken_files_gives_every_file_its_reason_and_stores_nothing_for_them(ctx, tmp_path: Path) -> None:
    expected = _broken_folder(tmp_path / "inbox")
    report = ctx.services.screening.import_files([tmp_path / "inbox"], today=TODAY)
    by_name = {o.name: o for o in report.outcomes}
    assert set(by_name) == {*expected, "good.txt"}  # recursive, every file reported
    assert by_name["good.txt"].outcome == "imported"
    for name, word in expected.items():
        o = by_name[name]
        assert o.outcome == "rejected", name
        assert word in o.reason, (name, o.reason)
        assert o.candidate_id is None
    assert _counts(ctx) == (1, 1, 1)
    assert len(_archive_files(ctx)) == 1
    assert report.summary() == "共 7 个文件：导入 1 个，重复 0 个，拒收 6 个"


def test_a_failing_transaction_removes_the_copied_file_and_the_batch_goes_on(ctx, tmp_path: Path, monkeypatch) -> None:
    import app.services.screening as screening_module

    files = [write_txt(generate_resume(9400 + i, today=TODAY), tmp_path / f"r{i}.txt") for i in range(3)]
    real_apply = screening_module._apply_person
    calls = {"n": 0}

    def apply_then_break(person, eff, *, fallback_name):  # type: ignore[no-untyped-def]
        real_apply(person, eff, fallback_name=fallback_name)
        calls["n"] += 1
        if calls["n"] == 2:
            person.name = None  # NOT NULL: this unit of work fails at flush, after the file was copied

    monkeypatch.setattr(screening_module, "_apply_person", apply_then_break)
    report = ctx.services.screening.import_files(files, today=TODAY)
    assert [o.outcome for o in report.outcomes] == ["imported", "rejected", "imported"]
    assert "未保存" in report.outcomes[1].reason
    assert _counts(ctx) == (2, 2, 2)
    assert len(_archive_files(ctx)) == 2


def test_duplicates_by_phone_email_and_near_identical_text(ctx, tmp_path: Path) -> None:
    sv = ctx.services.screening
    base = generate_resume(9500, profile="doctor", today=TODAY)
    other = generate_resume(9501, profile="nurse", today=TODAY)
    first = write_txt(base, tmp_path / "first.txt")
    assert sv.import_files([first], today=TODAY).imported == 1
    text = base.text
    phone_file = tmp_path / "phone.txt"
    phone_file.write_text(_swap_contact(other, phone=base.truth.phone, email="fresh.person@example.com"), encoding="utf-8")
    email_file = tmp_path / "email.txt"
    email_file.write_text(_swap_contact(other, phone="13900001111", email=base.truth.email), encoding="utf-8")
    near_file = tmp_path / "near.txt"
    # re-sent with a typo fixed in the phone and the e-mail and a colon added: same text, new contact
    phone_text = _fmt_phone_in(text, base.truth.phone)
    near = text.replace(phone_text, phone_text[:-1] + str((int(phone_text[-1]) + 1) % 10))
    near = near.replace(base.truth.email, "a" + base.truth.email).replace("自我评价", "自我评价：", 1)
    near_file.write_text(near, encoding="utf-8")
    fresh = write_txt(other, tmp_path / "fresh.txt")
    report = sv.import_files([phone_file, email_file, near_file, fresh], today=TODAY)
    by = {o.name: o for o in report.outcomes}
    assert (by["phone.txt"].outcome, by["phone.txt"].match) == ("duplicate", "phone")
    assert (by["email.txt"].outcome, by["email.txt"].match) == ("duplicate", "email")
    assert (by["near.txt"].outcome, by["near.txt"].match) == ("duplicate", "text")
    assert by["fresh.txt"].outcome == "imported"
    assert by["phone.txt"].duplicate_name == base.truth.name and "手机号相同" in by["phone.txt"].reason
    assert _counts(ctx) == (2, 2, 2)
    # identical file again (also within one batch)
    again = sv.import_files([first, tmp_path / "fresh.txt"], today=TODAY)
    assert [o.match for o in again.outcomes] == ["file", "file"]
    # merge: the duplicate's file replaces the existing candidate's resume, corrections stay
    cid = by["email.txt"].duplicate_of
    with ctx.session_factory() as s:
        version = s.get(Candidate, cid).version
    sv.save_corrections(cid, version, {"major": "心血管病学"})
    sv.merge_duplicate(cid, email_file, today=TODAY)
    detail = sv.detail(cid)
    assert "13900001111" in detail.text
    assert {f.key: f.effective for f in detail.fields}["major"] == "心血管病学"
    assert _counts(ctx) == (2, 2, 3)


def _fmt_phone_in(text: str, phone: str) -> str:
    import re

    m = re.search(r"1\d{2}[\s-]?\d{4}[\s-]?\d{4}", text)
    assert m and re.sub(r"\D", "", m.group(0)) == phone
    return m.group(0)


def _swap_contact(resume, *, phone: str, email: str) -> str:  # type: ignore[no-untyped-def]
    text = resume.text
    return text.replace(_fmt_phone_in(text, resume.truth.phone), phone).replace(resume.truth.email, email)


def test_corrections_win_and_survive_reextraction(ctx, tmp_path: Path) -> None:
    sv = ctx.services.screening
    resume = generate_resume(9600, profile="doctor", today=TODAY)
    report = sv.import_files([write_txt(resume, tmp_path / "r.txt")], today=TODAY)
    cid = report.outcomes[0].candidate_id
    detail = sv.detail(cid)
    sv.save_corrections(cid, detail.version, {"name": "王小明", "highest_degree": "博士", "licences": "医师资格证书、医师执业证书"})
    assert sv.reextract(today=TODAY) == 1
    with ctx.session_factory() as s:
        cand = s.get(Candidate, cid)
        person = s.get(Person, cand.person_id)
        assert cand.extracted["name"] == resume.truth.name  # extraction re-ran
        assert cand.corrections["name"] == "王小明"  # correction untouched
        assert cand.corrections["licences"] == ["医师资格证书", "医师执业证书"]
        assert person.name == "王小明" and person.highest_degree == "博士"
    fields = {f.key: f for f in sv.detail(cid).fields}
    assert fields["name"].effective == "王小明" and fields["name"].extracted == resume.truth.name
    # removing a correction falls back to the extracted value
    sv.save_corrections(cid, sv.detail(cid).version, {"name": ""})
    assert {f.key: f.effective for f in sv.detail(cid).fields}["name"] == resume.truth.name
    with pytest.raises(InvalidInput, match="手机"):
        sv.save_corrections(cid, sv.detail(cid).version, {"phone": "12345"})
    with pytest.raises(InvalidInput, match="学历"):
        sv.save_corrections(cid, sv.detail(cid).version, {"highest_degree": "高中"})


def _doctor(seed: int, *, licences: bool) -> str:
    import re

    for s in range(seed, seed + 400):
        r = generate_resume(s, profile="doctor", today=TODAY)
        names = {lic.name for lic in r.truth.licences}
        if {"医师资格证书", "医师执业证书"} <= names and r.truth.highest_degree in ("硕士", "博士"):
            # the same kind of resume without the practising licence
            return r.text if licences else re.sub(r"医师执业证书?|医师执业注册", "", r.text)
    raise AssertionError("no such generated resume")


def test_ranking_explains_a_missing_licence_and_puts_eligible_candidates_first(ctx, tmp_path: Path) -> None:
    sv = ctx.services.screening
    pid = _make_position(ctx)
    ctx.services.positions.save_rule(pid, "心肺复苏 OR 气管插管 OR 病历书写", name="临床技能", weight=2)
    with_lic = tmp_path / "with.txt"
    with_lic.write_text(_doctor(9700, licences=True), encoding="utf-8")
    without = tmp_path / "without.txt"
    without.write_text(_doctor(9800, licences=False), encoding="utf-8")
    report = sv.import_files([with_lic, without], position_id=pid, today=TODAY)
    assert report.imported == 2, [o.reason for o in report.outcomes]
    ids = {o.name: o.candidate_id for o in report.outcomes}
    view = sv.rank(pid, today=TODAY)
    rows = {r.candidate_id: r for r in view.rows}
    bad = rows[ids["without.txt"]]
    good = rows[ids["with.txt"]]
    assert not bad.eligible
    failed = [c.reason for c in bad.result.checks if c.state == "fail"]
    assert failed == ["简历中未找到医师执业证书（必需）"]
    assert bad.result.failed == ("简历中未找到医师执业证书（必需）",)
    assert bad.failed == "简历中未找到医师执业证书（必需）"
    assert good.eligible and good.rank == 1 and bad.rank == 2
    assert "硬性条件" in good.result.explanation() and "相关度" in good.result.explanation()
    assert good.result.top_terms and all(t.score > 0 for t in good.result.top_terms)
    rule = good.result.rules[0]
    assert rule.name == "临床技能"
    for h in rule.hits:  # highlight spans point at the matched words in the resume text
        assert sv.detail(good.candidate_id).text[h.start:h.end] == h.form
    # saving the ranking stores the scores and moves new candidates on
    sv.screen(pid, today=TODAY)
    with ctx.session_factory() as s:
        cand = s.get(Candidate, good.candidate_id)
        assert cand.screening_score == pytest.approx(good.score) and cand.status == "screened"


def _make_position(ctx) -> int:  # type: ignore[no-untyped-def]
    from app.db.tables import Department
    from app.services.positions import PositionForm

    with ctx.session_factory() as s:
        dept = Department(code="NK", name="心内科")
        s.add(dept)
        s.commit()
        dept_id = dept.id
    form = PositionForm(code="T-ZY", title="心内科住院医师", department_id=dept_id, job_family="physician",
                        min_degree="硕士", majors=("临床医学",), licences=("医师资格证书", "医师执业证书"),
                        duties="负责病区患者诊疗、病历书写与查房，参与急危重症抢救。")
    return ctx.services.positions.create_position(form)


def test_blind_mode_hides_identity_in_the_ranking_and_the_text(demo_ctx) -> None:
    sv = demo_ctx.services.screening
    pid = _position_id(demo_ctx, "P-XX-SJ")
    open_view = sv.rank(pid, today=TODAY)
    blind = sv.rank(pid, blind=True, today=TODAY)
    assert [r.candidate_id for r in blind.rows] == [r.candidate_id for r in open_view.rows]
    for seen, hidden in zip(open_view.rows, blind.rows, strict=True):
        assert seen.phone and seen.name
        assert hidden.name == f"候选人 #{hidden.candidate_id}"
        assert (hidden.gender, hidden.age, hidden.phone, hidden.email) == ("", None, "", "")
        assert hidden.score == seen.score
        detail = sv.detail(hidden.candidate_id, blind=True)
        assert seen.name not in detail.text and seen.phone not in detail.text and seen.email not in detail.text
        assert not {"name", "gender", "birth_year", "phone", "email"} & {f.key for f in detail.fields}
        assert len(detail.text) == len(sv.detail(hidden.candidate_id).text)


def test_invite_to_interview_creates_a_planned_interview_once(demo_ctx) -> None:
    sv = demo_ctx.services.screening
    pid = _position_id(demo_ctx, "P-XX-SJ")
    view = sv.rank(pid, today=TODAY)
    chosen = [r.candidate_id for r in view.rows if r.status in ("new", "screened")][:2]
    assert len(chosen) == 2
    result = sv.invite(chosen, pid)
    assert (result.created, result.already) == (2, 0)
    again = sv.invite(chosen, pid)
    assert (again.created, again.already) == (0, 2)
    with demo_ctx.session_factory() as s:
        for cid in chosen:
            assert s.get(Candidate, cid).status == "interview"
            rows = s.scalars(select(Interview).where(Interview.candidate_id == cid, Interview.position_id == pid)).all()
            assert [i.state for i in rows] == ["planned"]
    with pytest.raises(InvalidInput):
        sv.invite([], pid)


def test_demo_candidates_have_archived_resume_files_and_scores(demo_ctx) -> None:
    with demo_ctx.session_factory() as s:
        rows = s.execute(select(Candidate, Document).join(Document, Candidate.resume_document_id == Document.id)).all()
        kinds = {Path(d.filename).suffix for _c, d in rows}
        assert len(rows) == 60 and kinds == {".pdf", ".docx", ".txt"}
        assert all((demo_ctx.data.root / d.stored_path).is_file() for _c, d in rows)
        assert all(c.extracted.get("name") for c, _d in rows)
        assert sum(c.screening_score is not None for c, _d in rows) == 60


def test_cli_screen_ranks_files_without_storing_them(demo_template: Path, tmp_path: Path, capsys) -> None:
    from app.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    write_txt(generate_resume(9900, profile="ai_engineer", today=TODAY), folder / "a.txt", "gbk")
    write_docx(generate_resume(9901, profile="ai_engineer", today=TODAY), folder / "b.docx")
    (folder / "c.pdf").write_bytes(b"%PDF-1.4 broken")
    before = (demo_template / "hrdesk.sqlite3").stat().st_mtime_ns
    code = main(["screen", "--data-dir", str(demo_template), "--position", "P-FS-AI", "--today", "2026-11-22",
                 "--json", str(folder)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    files = {Path(f["file"]).name: f for f in out["files"]}
    assert files["c.pdf"]["outcome"] == "rejected" and "PDF" in files["c.pdf"]["reason"]
    ranked = sorted((f for f in out["files"] if f["outcome"] == "ok"), key=lambda f: f["rank"])
    assert [f["rank"] for f in ranked] == [1, 2]
    for f in ranked:
        assert {"score", "hard_requirements", "relevance", "checks", "top_terms", "explanation"} <= set(f)
        assert f["fields"]["name"]
    assert (demo_template / "hrdesk.sqlite3").stat().st_mtime_ns == before
    assert main(["screen", "--data-dir", str(demo_template), "--position", "NOPE", str(folder)]) == 2
    assert "NOPE" in capsys.readouterr().err

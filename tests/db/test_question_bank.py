"""The versioned question bank through the service: import, versions, plans that pin versions, policies."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from app.cli import main
from app.errors import InvalidInput
from app.positions.bank import load_starter_bank


def test_demo_bank_and_plans(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    bank = demo_ctx.services.questions
    rows = bank.questions()
    assert len(rows) >= 60
    assert {r.qtype for r in rows} >= {"专业知识", "情景题", "合规"}
    planned = [i for i in demo_ctx.services.recruiting.interviews() if i.state == "planned"]
    asked = bank.asked(planned[0].id)
    assert len(asked) == 6 and len({a.code for a in asked}) == 6
    assert all(a.version_number == 1 and a.key_points for a in asked)


def test_reimporting_the_same_bank_changes_nothing(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    stats = demo_ctx.services.questions.import_questions(load_starter_bank())
    assert stats.created == 0 and stats.new_versions == 0 and stats.unchanged > 60


def test_editing_an_asked_question_creates_a_version_and_old_interviews_keep_theirs(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    bank = demo_ctx.services.questions
    interview = next(i for i in demo_ctx.services.recruiting.interviews() if i.state == "planned")
    first = bank.asked(interview.id)[0]
    row = next(r for r in bank.questions() if r.id == first.question_id)
    bank.edit(row.id, row.version, text=first.text + "（请结合《个人信息保护法》作答）", key_points=list(first.key_points),
              note="政策更新")
    detail = bank.detail(row.id)
    assert detail.row.current_version == 2 and len(detail.versions) == 2
    again = bank.asked(interview.id)[0]
    assert (again.version_number, again.text) == (1, first.text)  # the interview keeps what it asked
    # an unused question is edited in place
    unused = next(r for r in bank.questions() if r.times_asked == 0)
    bank.edit(unused.id, unused.version, text="改写后的题目", key_points=["要点一"])
    assert bank.detail(unused.id).row.current_version == 1
    with pytest.raises(InvalidInput):
        bank.edit(unused.id, bank.detail(unused.id).row.version, text="  ", key_points=["x"])


def test_plan_is_balanced_by_weight_and_reproducible(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    bank = demo_ctx.services.questions
    interview = next(i for i in demo_ctx.services.recruiting.interviews() if i.state == "planned")
    a = bank.generate_plan(interview.id, 10, seed=7)
    b = bank.generate_plan(interview.id, 10, seed=7)
    assert [q.code for q in a.questions] == [q.code for q in b.questions]
    dims = Counter(q.dimension for q in a.questions)
    detail = demo_ctx.services.org.position_detail(
        next(p.id for p in demo_ctx.services.org.positions() if p.title == interview.position))
    for comp in detail.competencies:
        expected = comp.weight * 10 / 100
        assert abs(dims.get(comp.name, 0) - expected) <= 1.5 or a.warnings, (comp.name, dims)


def test_policy_lists_the_questions_to_review(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    bank = demo_ctx.services.questions
    policy_id, ids = bank.add_policy("关于加强患者隐私保护的通知", date(2026, 11, 1), "……", ["隐私"])
    assert ids
    assert {r.id for r in bank.questions_to_review(policy_id)} == set(ids)


def test_cli_interview_list_and_score(demo_template, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["interview", "list", "--data-dir", str(demo_template), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"id", "candidate", "position", "state", "recommendation"} <= set(rows[0])
    from app.context import open_app

    ctx = open_app(demo_template)
    try:
        q = next(r for r in ctx.services.questions.questions() if r.qtype == "合规")
        ref = ctx.services.questions.detail(q.id).reference_answer
    finally:
        ctx.close()
    good = tmp_path / "good.txt"
    good.write_text(ref, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("我觉得这个问题不太重要，随便处理一下就行。", encoding="utf-8")
    assert main(["interview", "score", "--data-dir", str(demo_template), "--question", q.code, "--answer-file", str(good), "--json"]) == 0
    good_score = json.loads(capsys.readouterr().out)
    assert main(["interview", "score", "--data-dir", str(demo_template), "--question", q.code, "--answer-file", str(bad), "--json"]) == 0
    bad_score = json.loads(capsys.readouterr().out)
    assert good_score["overall"] > bad_score["overall"]
    assert main(["interview", "score", "--data-dir", str(demo_template), "--question", "nope", "--answer-file", str(bad)]) == 2

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import cli, paths
from app.analysis import QuestionSpec, Segment, assess_answer, question_from_cmexam, score_text_answer

REPO = Path(__file__).resolve().parents[3]


def test_deterministic_across_calls(cmexam):
    q = question_from_cmexam(cmexam[5])
    first = score_text_answer(q, cmexam[5]["explanation"]).to_dict()
    for rec in cmexam[10:20]:  # unrelated work in between must not change the result
        score_text_answer(question_from_cmexam(rec), rec["explanation"])
    again = score_text_answer(q, cmexam[5]["explanation"]).to_dict()
    assert json.dumps(first, ensure_ascii=False, sort_keys=True) == json.dumps(again, ensure_ascii=False, sort_keys=True)


def test_empty_answer_scores_zero_with_a_warning():
    q = QuestionSpec(id="e", text="请简述手卫生的五个时刻", key_points=("接触患者前", "无菌操作前"))
    a = assess_answer(q, [Segment("   ", 0.0, 5.0, "candidate")])
    assert a.overall == 0.0 and a.warnings
    assert all(p.status == "missed" for p in a.coverage.points)


def test_cli_scores_a_file(tmp_path, capsys, cmexam):
    rec = next(r for r in cmexam if r["id"] == "cmexam-val-142")
    qfile = tmp_path / "q.json"
    q = question_from_cmexam(rec)
    qfile.write_text(json.dumps({"id": q.id, "text": q.text, "key_points": list(q.key_points),
                                 "key_terms": list(q.key_terms)}, ensure_ascii=False), encoding="utf-8")
    afile = tmp_path / "a.txt"
    afile.write_text(rec["explanation"], encoding="utf-8")
    assert cli.main(["analysis", "score", "--question-file", str(qfile), "--answer-file", str(afile), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question_id"] == "cmexam-val-142" and data["dimensions"][0]["score"] > 7
    assert cli.main(["analysis", "score", "--question-file", str(qfile), "--answer-file", str(afile)]) == 0
    assert "专业知识" in capsys.readouterr().out


def test_cli_bad_input_exits_2(tmp_path, capsys):
    bad = tmp_path / "q.json"
    bad.write_text("{not json", encoding="utf-8")
    ans = tmp_path / "a.txt"
    ans.write_text("答案", encoding="utf-8")
    assert cli.main(["analysis", "score", "--question-file", str(bad), "--answer-file", str(ans)]) == 2
    assert capsys.readouterr().err.strip()
    assert cli.main(["analysis", "score", "--question-file", str(tmp_path / "none.json"), "--answer-file", str(ans)]) == 2


def test_every_message_has_a_chinese_translation():
    with (REPO / "resources/i18n/zh_CN/analysis.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id: m.string for m in catalog if m.id}
    wanted = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(REPO / "app/analysis")) if isinstance(msg, str)}
    folder = paths.resource("analysis")
    for name, key, field in (("risk_patterns.toml", "rule", "message"), ("confusions.toml", "confusion", "explanation")):
        wanted |= {r[field] for r in tomllib.loads((folder / name).read_text("utf-8"))[key]}
    markers = tomllib.loads((folder / "markers.toml").read_text("utf-8"))
    wanted |= {f["label"] for f in markers["clinical_factors"].values()}
    missing = sorted(m for m in wanted if not translated.get(m))
    assert not missing, missing
    for msgid, text in translated.items():  # placeholders survive translation
        assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", text)), msgid

"""``python -m app resume ...`` through app.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.screening import generate as gen
from tests.support import shared_data


@pytest.mark.slow
def test_ner_eval_plain_and_json(capsys) -> None:
    dev = shared_data("resume_ner/dev.char.bmes")
    assert main(["resume", "ner-eval", str(dev)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("micro-F1: ") and len(out[-1]) == len("micro-F1: 0.0000")
    assert float(out[-1].split()[-1]) >= 0.935  # shipped model: 0.9418 (target 0.94, see test_ner)
    assert any(line.startswith("ORG") for line in out)
    assert main(["resume", "ner-eval", str(dev), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["micro"]["f1"] >= 0.935 and {t["type"] for t in data["per_type"]} >= {"NAME", "ORG", "TITLE", "EDU"}


def test_ner_eval_missing_file_is_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["resume", "ner-eval", str(tmp_path / "none.bmes")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_extract_json_with_a_good_and_a_bad_file(tmp_path: Path, capsys) -> None:
    r = gen.generate_resume(5)
    pdf = gen.write_pdf(r, tmp_path / "a.pdf")
    bad = tmp_path / "b.pdf"
    bad.write_bytes(b"MZ" + b"\x00" * 300)
    assert main(["resume", "extract", str(pdf), str(bad), "--json", "--today", "2025-06-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["outcome"]["ok"] is True
    assert data[0]["fields"]["name"] == r.truth.name
    assert data[0]["fields"]["phone"] == r.truth.phone
    assert data[1]["outcome"]["outcome"] == "unsupported" and "fields" not in data[1]
    assert "Windows" in data[1]["outcome"]["reason"]


def test_extract_plain_all_rejected_is_exit_2(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    assert main(["resume", "extract", str(empty)]) == 2
    assert "文件为空" in capsys.readouterr().out


def test_extract_bad_date_is_exit_2(tmp_path: Path, capsys) -> None:
    p = gen.write_txt(gen.generate_resume(1), tmp_path / "r.txt")
    assert main(["resume", "extract", str(p), "--today", "yesterday"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_generate_writes_files_and_truth(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["resume", "generate", "--out", str(out), "--count", "4", "--formats", "pdf,docx,gbk,txt"]) == 0
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert [Path(t["file"]).suffix for t in truth] == [".pdf", ".docx", ".txt", ".txt"]
    assert main(["resume", "extract", *(t["file"] for t in truth), "--json", "--today", "2025-06-01"]) == 0
    data = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [d["fields"]["name"] for d in data] == [t["truth"]["name"] for t in truth]
    assert main(["resume", "generate", "--out", str(out), "--formats", "rtf"]) == 2


@pytest.mark.slow
def test_train_ner_small_run(tmp_path: Path, capsys) -> None:
    src = shared_data("resume_ner/train.char.bmes").read_text(encoding="utf-8").split("\n\n")
    small = tmp_path / "train.bmes"
    small.write_text("\n\n".join(src[:120]) + "\n", encoding="utf-8")
    dev = tmp_path / "dev.bmes"
    dev.write_text("\n\n".join(src[120:160]) + "\n", encoding="utf-8")
    model = tmp_path / "m.crfsuite"
    args = ["resume", "train-ner", "--train", str(small), "--dev", str(dev), "--out", str(model), "--iterations", "30"]
    assert main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert model.exists() and model.with_name("m.gazetteer.json").exists()
    f1 = float(out[-1].split()[-1])
    assert 0.3 < f1 <= 1.0  # a real, if small, model
    assert main(["resume", "ner-eval", str(dev), "--model", str(model)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == out[-1]

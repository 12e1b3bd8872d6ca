"""``python -m app resume ...``: read and extract resumes, train and evaluate the entity model, generate demo resumes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from app import paths
from app.cli import add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def _shared_resume_ner() -> Path:
    """Where the ResumeNER corpus is in a development checkout (training only, never at runtime)."""
    env = os.environ.get("HRDESK_SHARED_DIR", "").strip()
    base = Path(env) if env else paths.bundle_dir().parent / "shared"
    return base / "data" / "resume_ner"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("resume", help=_("read resumes, extract fields, train the entity model"))
    sub = p.add_subparsers(dest="resume_command", metavar="ACTION")
    p.set_defaults(func=lambda _a: (p.print_help(), 2)[1])

    ex = sub.add_parser("extract", help=_("extract fields from resume files (PDF, DOCX, TXT)"))
    ex.add_argument("files", nargs="+", metavar="FILE")
    ex.add_argument("--max-mb", type=float, default=20.0, help=_("size limit per file in MB (default 20)"))
    ex.add_argument("--today", metavar="YYYY-MM-DD", help=_("reference date for ages and ongoing jobs (default: today)"))
    add_json_argument(ex)
    ex.set_defaults(func=_extract)

    tr = sub.add_parser("train-ner", help=_("train the resume entity model (CRF)"))
    tr.add_argument("--train", type=Path, help=_("training file in BMES format (default: the ResumeNER train split)"))
    tr.add_argument("--dev", type=Path, help=_("development file in BMES format (default: the ResumeNER dev split)"))
    tr.add_argument("--out", type=Path, help=_("model file to write (default: the program's model)"))
    tr.add_argument("--c1", type=float, help=_("L1 regularisation"))
    tr.add_argument("--c2", type=float, help=_("L2 regularisation"))
    tr.add_argument("--iterations", type=int, help=_("maximum training iterations"))
    tr.add_argument("--jobs", type=int, default=1, help=_("train the ensemble members in this many processes"))
    add_json_argument(tr)
    tr.set_defaults(func=_train)

    ev = sub.add_parser("ner-eval", help=_("score the entity model on a BMES file"))
    ev.add_argument("file", type=Path, metavar="FILE.bmes")
    ev.add_argument("--model", type=Path, help=_("model file (default: the program's model)"))
    add_json_argument(ev)
    ev.set_defaults(func=_eval)

    ge = sub.add_parser("generate", help=_("write generated demo resumes with their true fields"))
    ge.add_argument("--out", type=Path, required=True, help=_("folder to write into"))
    ge.add_argument("--count", type=int, default=60, help=_("number of resumes to write (default 60)"))
    ge.add_argument("--seed", type=int, default=0, help=_("random seed; the same seed gives the same resumes"))
    ge.add_argument("--formats", default="pdf,docx,txt", help=_("comma-separated: pdf, docx, txt, gbk"))
    add_json_argument(ge)
    ge.set_defaults(func=_generate)


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("'{value}' is not a date; use YYYY-MM-DD.").format(value=value)) from None


def _extract(args: argparse.Namespace) -> int:
    from app.screening.extract import extract_fields
    from app.screening.files import read_resume

    if args.max_mb <= 0:
        raise InvalidInput(_("The size limit must be greater than 0 MB."))
    today = _parse_date(args.today)
    results: list[dict[str, object]] = []
    rejected = 0
    for name in args.files:
        outcome = read_resume(Path(name), max_bytes=int(args.max_mb * 1024 * 1024))
        item: dict[str, object] = {"file": name, "outcome": outcome.to_dict()}
        if outcome.ok:
            item["fields"] = extract_fields(outcome.text, today=today).to_dict()
        else:
            rejected += 1
        results.append(item)
    if args.json:
        print_json(results)
    else:
        for item in results:
            oc = item["outcome"]
            assert isinstance(oc, dict)
            if "fields" not in item:
                print(_("{file}: rejected — {reason}").format(file=item["file"], reason=oc["reason"]))
                continue
            f = item["fields"]
            assert isinstance(f, dict)
            print(_("{file}: {name}, {gender}, born {birth}, {degree}, {title}, {years} years of experience").format(
                file=item["file"], name=f["name"] or "?", gender=f["gender"] or "?", birth=f["birth_year"] or "?",
                degree=f["highest_degree"] or "?", title=f["current_title"] or "-", years=f["experience_years"] if f["experience_years"] is not None else "?",
            ))
    return 2 if results and rejected == len(results) else 0


def _train(args: argparse.Namespace) -> int:
    from app.screening import ner

    base = _shared_resume_ner()
    train = args.train or base / "train.char.bmes"
    dev = args.dev or base / "dev.char.bmes"
    if not train.exists():
        raise InvalidInput(_("Training file not found: {path}. Pass --train FILE.").format(path=train))
    params: dict[str, float | int] = {}
    if args.c1 is not None:
        params["c1"] = args.c1
    if args.c2 is not None:
        params["c2"] = args.c2
    if args.iterations is not None:
        params["max_iterations"] = args.iterations

    def progress(done: int, total: int, message: str) -> None:
        if not args.json and total and done % 50 == 0:
            print(f"\r{message} {done}/{total}", end="", file=sys.stderr, flush=True)

    if args.jobs < 1:
        raise InvalidInput(_("--jobs must be at least 1."))
    result = ner.train(train, dev if dev.exists() else None, args.out, params, progress=progress, jobs=args.jobs)
    if not args.json:
        print("", file=sys.stderr)
    data = {
        "model": str(result.model_path),
        "model_bytes": result.model_bytes,
        "params": result.params,
        "dev": result.dev.to_dict() if result.dev else None,
    }
    if args.json:
        print_json(data)
    else:
        print(_("Model written: {path} ({size} KB)").format(path=result.model_path, size=result.model_bytes // 1024))
        if result.dev:
            print(f"micro-F1: {result.dev.micro.f1:.4f}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from app.screening import ner

    sentences = ner.read_bmes(args.file)
    tagger = ner.load(args.model) if args.model else ner.load()
    result = ner.evaluate(sentences, tagger)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"{'type':<8}{'gold':>7}{'pred':>7}{'correct':>9}{'P':>9}{'R':>9}{'F1':>9}")
    for t in (*result.per_type, result.micro):
        print(f"{t.type:<8}{t.gold:>7}{t.predicted:>7}{t.correct:>9}{t.precision:>9.4f}{t.recall:>9.4f}{t.f1:>9.4f}")
    print(f"micro-F1: {result.micro.f1:.4f}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from app.screening import generate as gen

    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in ("pdf", "docx", "txt", "gbk")]
    if unknown or not formats:
        raise InvalidInput(_("Unknown format: {formats}. Use pdf, docx, txt or gbk.").format(formats=", ".join(unknown) or "-"))
    if args.count < 1 or args.count > 100000:
        raise InvalidInput(_("The count must be between 1 and 100000."))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written: list[dict[str, object]] = []
    for i, resume in enumerate(gen.generate_batch(args.count, args.seed)):
        fmt = formats[i % len(formats)]
        stem = f"resume_{i + 1:04d}"
        if fmt == "pdf":
            path = gen.write_pdf(resume, out / f"{stem}.pdf")
        elif fmt == "docx":
            path = gen.write_docx(resume, out / f"{stem}.docx")
        elif fmt == "gbk":
            path = gen.write_txt(resume, out / f"{stem}.txt", "gbk")
        else:
            path = gen.write_txt(resume, out / f"{stem}.txt", "utf-8")
        written.append({"file": str(path), "profile": resume.profile, "layout": resume.layout, "truth": resume.truth.to_dict()})
    (out / "truth.json").write_text(json.dumps(written, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print_json({"folder": str(out), "files": [w["file"] for w in written]})
    else:
        print(_("{n} resumes written to {folder}").format(n=len(written), folder=out))
    return 0

"""Screening through the service: ``python -m benchmarks screening``.

- 1,000 generated one-page TXT resumes (half GBK) imported into a fresh database through
  ``ScreeningService.import_files`` (read, extract, duplicate check, archive copy, one transaction per
  file), then ranked against a position with ``rank`` (hard checks, rules, BM25): resumes/s for each
  step and for the whole, target ≥ 100/s;
- PDF and DOCX import cost per file, reported separately (parsing dominates);
- peak memory (max RSS), target < 500 MB.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

N_TXT = 1000
N_DOC = 30


def _rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def run() -> Iterable[dict[str, object]]:
    from app.context import open_app
    from app.db.tables import Department
    from app.paths import DataDir
    from app.screening import generate as gen
    from app.services.positions import PositionForm
    from app.text.tokenize import tokenizer

    tokenizer()  # one-off dictionary load is not per-resume cost
    today = gen.REFERENCE_DATE
    resumes = gen.generate_batch(N_TXT, seed=77, today=today)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inbox = root / "inbox"
        inbox.mkdir()
        for i, r in enumerate(resumes):
            gen.write_txt(r, inbox / f"{i:04d}.txt", "gbk" if i % 2 else "utf-8")
        ctx = open_app(DataDir(root / "data"))
        try:
            with ctx.session_factory() as s:
                dept = Department(code="BENCH", name="心内科")
                s.add(dept)
                s.commit()
                dept_id = dept.id
            pid = ctx.services.positions.create_position(PositionForm(
                code="B-ZY", title="心内科住院医师", department_id=dept_id, job_family="physician", min_degree="硕士",
                majors=("临床医学", "内科学"), licences=("医师资格证书", "医师执业证书"), years=0, guipei=True,
                duties="负责病区患者的日常诊疗、病历书写与查房；参与心内科急危重症抢救；完成上级医师交办的诊疗任务。",
                nice_to_have="熟悉冠心病介入围术期管理者优先"))
            ctx.services.positions.save_rule(pid, "(心血管 OR 心内科 OR 内科) AND (规培 OR 住院医师规范化培训)",
                                             name="专科")
            sv = ctx.services.screening
            t0 = time.perf_counter()
            report = sv.import_files([inbox], position_id=pid, today=today)
            t1 = time.perf_counter()
            view = sv.rank(pid, today=today)
            t2 = time.perf_counter()
            imported = report.imported
            yield {
                "benchmark": "screening_txt_import_rank",
                "files": N_TXT,
                "imported": imported,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
                "ranked": len(view.rows),
                "import_s": round(t1 - t0, 3),
                "rank_s": round(t2 - t1, 3),
                "import_per_s": round(N_TXT / (t1 - t0), 1),
                "rank_per_s": round(len(view.rows) / (t2 - t1), 1),
                "total_per_s": round(N_TXT / (t2 - t0), 1),
                "ratio_to_target_100_per_s": round(N_TXT / (t2 - t0) / 100, 2),
                "eligible": sum(r.eligible for r in view.rows),
            }
            for kind, writer in (("pdf", gen.write_pdf), ("docx", gen.write_docx)):
                folder = root / kind
                folder.mkdir()
                docs = gen.generate_batch(N_DOC, seed=300 + len(kind), today=today)
                for i, r in enumerate(docs):
                    writer(r, folder / f"{i:03d}.{kind}")
                t0 = time.perf_counter()
                rep = sv.import_files([folder], position_id=pid, today=today)
                dt_ = time.perf_counter() - t0
                yield {
                    "benchmark": f"screening_{kind}_import",
                    "files": N_DOC,
                    "imported": rep.imported,
                    "ms_per_file": round(dt_ / N_DOC * 1000, 1),
                    "per_s": round(N_DOC / dt_, 1),
                }
        finally:
            ctx.close()
    rss = _rss_mb()
    yield {"benchmark": "screening_memory", "max_rss_mb": round(rss, 1), "ratio_to_limit_500_mb": round(rss / 500, 2)}

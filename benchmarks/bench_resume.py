"""Resume reading and extraction cost: ``python -m benchmarks resume``.

- 1,000 generated one-page TXT resumes: read (encoding detection) + field extraction, resumes/s, and
  the ratio against plain ``jieba.lcut`` of the same texts in the same run;
- PDF and DOCX parsing cost per file (reading only, extraction is the same as for TXT);
- entity-model tagging rate (sentences/s on ResumeNER-like lines);
- SimHash fingerprint cost;
- peak memory (max RSS of the process, and Python allocations under tracemalloc).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

N_TXT = 1000
N_DOC = 40


def _rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def run() -> Iterable[dict[str, object]]:
    import jieba

    from app.screening import generate as gen
    from app.screening.extract import extract_fields
    from app.screening.files import read_resume, simhash

    resumes = gen.generate_batch(N_TXT, seed=2024)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = [gen.write_txt(r, root / f"{i}.txt", "utf-8" if i % 2 else "gbk") for i, r in enumerate(resumes)]
        # warm up: tokenizer, vocabularies, regexes, entity model
        extract_fields(read_resume(paths[0]).text, today=gen.REFERENCE_DATE)
        jieba.lcut("预热")

        tracemalloc.start()
        t0 = time.perf_counter()
        texts = []
        for p in paths:
            outcome = read_resume(p)
            texts.append(outcome.text)
            extract_fields(outcome.text, today=gen.REFERENCE_DATE)
        extract_s = time.perf_counter() - t0
        _cur, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        t0 = time.perf_counter()
        for text in texts:
            jieba.lcut(text)
        jieba_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        for text in texts:
            simhash(text)
        simhash_s = time.perf_counter() - t0

        chars = sum(len(t) for t in texts)
        yield {
            "benchmark": "resume",
            "case": "txt_read_extract",
            "resumes": N_TXT,
            "avg_chars": round(chars / N_TXT),
            "seconds": round(extract_s, 3),
            "resumes_per_s": round(N_TXT / extract_s, 1),
            "jieba_lcut_per_s": round(N_TXT / jieba_s, 1),
            "ratio_vs_jieba_lcut": round(jieba_s / extract_s, 3),
            "target_resumes_per_s": 100,
            "python_peak_mb": round(py_peak / 1048576, 1),
        }
        yield {
            "benchmark": "resume",
            "case": "simhash",
            "fingerprints_per_s": round(N_TXT / simhash_s, 1),
        }

        for fmt in ("pdf", "docx"):
            files = []
            for i, r in enumerate(resumes[:N_DOC]):
                target = root / f"d{i}.{fmt}"
                files.append(gen.write_pdf(r, target) if fmt == "pdf" else gen.write_docx(r, target))
            t0 = time.perf_counter()
            ok = sum(read_resume(f).ok for f in files)
            secs = time.perf_counter() - t0
            yield {
                "benchmark": "resume",
                "case": f"{fmt}_parse",
                "files": N_DOC,
                "ok": ok,
                "ms_per_file": round(secs / N_DOC * 1000, 1),
                "files_per_s": round(N_DOC / secs, 1),
                "avg_kb": round(sum(f.stat().st_size for f in files) / N_DOC / 1024, 1),
            }

    from app.screening import ner

    tagger = ner.load()
    lines = [ln for r in resumes[:100] for ln in r.text.split("\n") if len(ln) > 6]
    t0 = time.perf_counter()
    for ln in lines:
        tagger.tag(ln)
    secs = time.perf_counter() - t0
    yield {
        "benchmark": "resume",
        "case": "ner_tagging",
        "lines": len(lines),
        "lines_per_s": round(len(lines) / secs, 1),
        "chars_per_s": round(sum(len(x) for x in lines) / secs),
    }
    yield {"benchmark": "resume", "case": "memory", "peak_rss_mb": round(_rss_mb(), 1), "target_mb": 500}

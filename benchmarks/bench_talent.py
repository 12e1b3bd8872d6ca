"""Talent queries on the demo hospital: ``python -m benchmarks talent``.

- search over every person (≈360 people) with no filter and with a licence + score filter, ms per query;
- one person's full profile (competency picture, phrases, every related list), ms per profile, and
  the ratio profile / unfiltered search;
- the demo's talent part (interviews, three onboarding flows, pool, evidence), seconds;
- the profile PDF, ms per file.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 22)


def _time(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def run() -> Iterable[dict[str, object]]:
    from app.demo import service as demo_service
    from app.demo import talent as demo_talent
    from app.services.talent import SearchQuery

    spent: dict[str, float] = {}
    real = demo_talent.demo_talent

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        real(*a, **k)
        spent["demo"] = time.perf_counter() - t

    demo_service.demo_talent = timed  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            ctx, _stats = demo_service.create_demo(Path(tmp) / "demo", today=TODAY)
        finally:
            demo_service.demo_talent = real  # type: ignore[attr-defined]
        talent = ctx.services.talent
        everyone = talent.search(SearchQuery())
        t_all = _time(lambda: talent.search(SearchQuery()), 10)
        t_filtered = _time(lambda: talent.search(SearchQuery(licence="护士执业", score_min=60)), 10)
        people = [h.person_id for h in everyone[:: max(1, len(everyone) // 20)]]
        start = time.perf_counter()
        for pid in people:
            talent.profile(pid, TODAY)
        t_profile = (time.perf_counter() - start) / len(people)
        start = time.perf_counter()
        for pid in people[:5]:
            talent.export_profile_pdf(pid, Path(tmp) / f"{pid}.pdf", TODAY)
        t_pdf = (time.perf_counter() - start) / 5
        ctx.close()
    yield {"bench": "talent_search", "people": len(everyone), "ms_unfiltered": round(t_all * 1000, 1),
           "ms_filtered": round(t_filtered * 1000, 1)}
    yield {"bench": "talent_profile", "profiles": len(people), "ms_per_profile": round(t_profile * 1000, 1),
           "ratio_profile_to_search": round(t_profile / t_all, 2)}
    yield {"bench": "talent_demo", "seconds": round(spent.get("demo", 0.0), 2)}
    yield {"bench": "talent_profile_pdf", "ms_per_pdf": round(t_pdf * 1000, 1)}

"""Run benchmarks on demand: ``python -m benchmarks [NAME ...]``.

Each module ``benchmarks/bench_<name>.py`` defines ``run() -> Iterable[dict]``; every dict is
printed as one JSON line with at least ``{"benchmark": ..., figures..., ratios...}``.
Benchmarks are never part of the test suite.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name[len("bench_") :] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        for record in module.run():
            record.setdefault("benchmark", name)
            print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

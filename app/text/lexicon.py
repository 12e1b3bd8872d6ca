"""The professional vocabulary: a jieba user dictionary and term lookup.

``resources/lexicons/medical_userdict.txt`` is a derived artefact that
``python -m app lexicon build --source ../shared/data/lexicons`` writes from THUOCL's medical
list (MIT; words with document frequency >= MIN_DF, which drops THUOCL's low-DF phrase
fragments) and the ICD-10-CN category names (MIT compilation), plus the project's own
``hospital_terms.txt``. A hospital adds its own terms in ``<data dir>/lexicon/*.txt``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from app import paths

MIN_DF = 20
MAX_FREQ = 20000
USERDICT_NAME = "medical_userdict.txt"


def userdict_path() -> Path:
    return paths.resource("lexicons", USERDICT_NAME)


def own_terms_path() -> Path:
    return paths.resource("lexicons", "hospital_terms.txt")


def read_term_file(path: Path) -> Iterator[tuple[str, str]]:
    """(term, tag) pairs from a ``term[<TAB>tag]`` file; '#' starts a comment line."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            term, _sep, tag = line.partition("\t")
            yield term.strip(), (tag.strip() or "nz")


def build_userdict(source: Path, out: Path | None = None) -> dict[str, int]:
    """Write the derived jieba dictionary; returns counts per origin."""
    out = out or userdict_path()
    entries: dict[str, tuple[int, str]] = {}
    counts = {"thuocl": 0, "icd10": 0, "own": 0}
    thuocl = source / "THUOCL" / "THUOCL_medical.txt"
    with thuocl.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                continue
            word, df = parts[0], int(parts[1])
            if df >= MIN_DF and len(word) >= 2:
                entries.setdefault(word, (min(df, MAX_FREQ), "med"))
                counts["thuocl"] += 1
    icd = source / "ICD-10-CN" / "disease.csv"
    with icd.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[1] and not parts[1].startswith("disease"):
                name = parts[1].strip()
                if 2 <= len(name) <= 16 and name not in entries:
                    entries[name] = (1000, "dis")
                    counts["icd10"] += 1
    for term, tag in read_term_file(own_terms_path()):
        entries[term] = (MAX_FREQ, tag)
        counts["own"] += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for word in sorted(entries):
            freq, tag = entries[word]
            if " " in word:
                continue  # jieba's dictionary format cannot hold spaces
            fh.write(f"{word} {freq} {tag}\n")
    return counts


def iter_userdict(path: Path | None = None) -> Iterable[tuple[str, int, str]]:
    path = path or userdict_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                yield parts[0], int(parts[1]), parts[2]


def professional_terms() -> dict[str, str]:
    """term -> tag for every term of the shipped vocabulary (cached by the caller)."""
    return {word: tag for word, _freq, tag in iter_userdict()}

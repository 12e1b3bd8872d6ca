"""Statistical entity extractor for Chinese resume text (linear-chain CRFs, python-crfsuite).

Types (ResumeNER, BMES): NAME, CONT (nationality), RACE (ethnicity), TITLE (post/professional
title), EDU (degree), ORG, PRO (major/profession), LOC.

Feature groups per character (see :func:`sentence_features`):

- always: character unigrams in a ±3 window, bigrams in ±2, trigrams around the character,
  character types; jieba word boundaries (shared tokenizer with the medical vocabulary); a lexicon
  lattice (every dictionary word of length 2..8 starting/ending/passing through the character,
  as a Lattice LSTM sees it, but as sparse features); a gazetteer of entity strings and suffixes
  learnt from the training split, jackknifed (5 folds) so the model learns how far to trust it;
- ``words``: the jieba word and its neighbours; ``pos``: their dictionary part-of-speech tags and
  the tags of lattice words (nt = organisation, ns = place ...);
- ``profiles``: word bigrams and a cluster-like profile of each character from the dictionary
  (which word positions/tags it dominates, e.g. 司 ends organisations);
- ``clause``: how the character's clause starts/ends and a ±5 window (did not help; off);
- ``clusters``: distributional character clusters (PPMI + randomized SVD + k-means over the
  dictionary); best single model, but it made the ensemble worse, so it is off.

The shipped model is an ensemble of two CRFs (``words+pos`` and ``words+pos+profiles``) whose
per-character marginals are averaged and decoded with a BMES-constrained Viterbi that also forbids
an entity to start on a closing bracket or on the 年/月/日 right after a digit, or to end on an
opening bracket; entities left with an unmatched bracket are then cut before it
(:func:`repair_brackets`). On the 13,438 training entities these constraints are violated once
(an ORG starting on 月), so they are learnt from train, not from dev.

Measured on ResumeNER dev (463 sentences, 1,497 entities), entity-level exact micro-F1, all with
L-BFGS 300 iterations, c2 = 0.01:

| variant | dev micro-F1 |
|---|---|
| brief's calibration: plain char CRF (n-grams ±2, jieba boundaries, c1 0.1) | 0.9325 |
| + ±3 window, trigrams, lattice, no gazetteer (c1 0.05) | 0.9276 |
| + gazetteer learnt on all of train, not jackknifed (c1 0.05) | 0.9208 |
| + jackknifed gazetteer (c1 0.05) | 0.9319 |
| + jieba word features, c1 0.1 | 0.9328 |
| + POS tags of words and lattice words (member 1) | 0.9321 |
| + word bigrams, character profiles (member 2) | 0.9328 |
| + clause features and ±5 window | 0.9305 |
| member 2 + character clusters (best single model) | 0.9355 |
| ensemble of members 1 + 2, averaged marginals | 0.9398 |
| same, geometric mean of marginals | 0.9395 |
| ensemble 1 + 2 + clusters model / 1 + clusters model | 0.9351 / 0.9357 |
| ensemble 1 + 2 + word-features-only model / + clause model | 0.9372 / 0.9325 |
| issue 4 — second pass (:data:`STACKING`): member 1 features + stacked features of member 1's 5-fold marginals | 0.9280 |
| same, c1 0.5 | 0.9268 |
| same with member 2 features, level 1 = average of members 1 + 2 (5 folds each) | 0.9345 |
| second pass (member 1 level) averaged with member 1 / member 2 / both | 0.9282 / 0.9342 / 0.9335 |
| bagging: the 5 fold models of member 1 / of member 2 / all 10 averaged | 0.9315 / 0.9385 / 0.9371 |
| members 1 + 2 + all 10 fold models | 0.9348 |
| ensemble 1 + 2, decoder forbids entities starting on ``)`` / ending on ``(`` | 0.9405 |
| + cut entities at an unmatched bracket | 0.9412 |
| + no entity starts on 年/月/日 after a digit (**shipped**) | **0.9418** |
| (Lattice LSTM, paper) | 0.9446 |

Until issue 4, ``train-ner`` switched the clusters group on for every member (a feature group not
named in the member's settings defaulted to on), so it did not reproduce the shipped model: 0.9374
with the constrained decoding. Fixed: unnamed groups keep their :data:`ALL_FEATURES` default.

Shipped, per type (F1): NAME 0.9909, CONT 1.0, RACE 1.0, TITLE 0.9414, EDU 0.9858, ORG 0.9164,
PRO 0.9730, LOC 1.0 (1,409 of 1,497 entities found, 1,495 predicted). Most remaining errors are
ORG/TITLE boundaries: whether a department or place prefix belongs to the organisation or to the
title (gold TITLE ``光缆分厂副厂长`` and ``海淀区第十四届人大代表``, predicted ORG + TITLE).

The model is trained by :func:`train` (``python -m app resume train-ner``) from the ResumeNER
train split and tuned on dev; it is a derived artefact committed under ``resources/screening``.
"""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.errors import AppError, InvalidInput
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

TYPES: tuple[str, ...] = ("NAME", "CONT", "RACE", "TITLE", "EDU", "ORG", "PRO", "LOC")
MODEL_NAME = "resume_ner.crfsuite"
GAZETTEER_NAME = "resume_ner.gazetteer.json"
MAX_WORD = 8
MAX_GAZ = 20


def default_model_path() -> Path:
    return paths.resource("screening", MODEL_NAME)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Sentence:
    chars: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.chars)


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int  # exclusive
    text: str


def read_bmes(path: Path) -> list[Sentence]:
    """Sentences of a ``<char> <tag>`` file (blank line between sentences)."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(_("File not found: {path}. Check the path and try again.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            _("Cannot read {path}: {error}. Use a UTF-8 file with one character and tag per line.").format(
                path=path, error=exc
            )
        ) from None
    sentences: list[Sentence] = []
    chars: list[str] = []
    tags: list[str] = []
    for lineno, line in enumerate(raw.splitlines(), 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if chars:
                sentences.append(Sentence(tuple(chars), tuple(tags)))
                chars, tags = [], []
            continue
        parts = line.split()
        if len(parts) != 2:
            raise InvalidInput(
                _("Line {line} of {path} is not '<character> <tag>'. Fix the file and try again.").format(
                    line=lineno, path=path
                )
            )
        chars.append(parts[0])
        tags.append(parts[1])
    if chars:
        sentences.append(Sentence(tuple(chars), tuple(tags)))
    if not sentences:
        raise InvalidInput(_("{path} contains no sentences.").format(path=path))
    return sentences


def spans(tags: Sequence[str], chars: Sequence[str] | None = None) -> list[Entity]:
    """Entities of a BMES tag sequence (ill-formed fragments are dropped, as conlleval-style strict)."""
    out: list[Entity] = []
    start = -1
    kind = ""
    for i, tag in enumerate(tags):
        prefix, _sep, typ = tag.partition("-")
        if prefix == "S":
            out.append(Entity(typ, i, i + 1, "".join(chars[i : i + 1]) if chars else ""))
            start = -1
        elif prefix == "B":
            start, kind = i, typ
        elif prefix == "M":
            if start < 0 or typ != kind:
                start = -1
        elif prefix == "E":
            if start >= 0 and typ == kind:
                out.append(Entity(typ, start, i + 1, "".join(chars[start : i + 1]) if chars else ""))
            start = -1
        else:
            start = -1
    return out


# --------------------------------------------------------------------------- features


def _ctype(c: str) -> str:
    if c.isdigit() or c in "０１２３４５６７８９":
        return "D"
    if c in "零一二三四五六七八九十百千万":
        return "N"
    if c.isascii() and c.isalpha():
        return "L"
    cat = unicodedata.category(c)
    if cat.startswith("P") or cat.startswith("S"):
        return "P"
    if "\u4e00" <= c <= "\u9fff":
        return "H"
    return "O"


ALL_FEATURES: dict[str, bool] = {"words": True, "pos": True, "profiles": True, "clause": True, "clusters": False}


class Gazetteer:
    """Entity strings and suffixes seen in training, by type."""

    def __init__(
        self,
        entries: dict[str, str],
        suffixes: dict[str, str],
        profiles: dict[str, tuple[str, ...]] | None = None,
        features: dict[str, bool] | None = None,
    ) -> None:
        self.entries = entries
        self.suffixes = suffixes
        self.profiles = profiles  # character profiles frozen at training time (see _char_profiles)
        self.features = {**ALL_FEATURES, **(features or {})}  # feature groups this model was trained with
        self.clusters: dict[str, tuple[str, str]] | None = None
        # second-pass (stacked) model only: which first-pass members feed it and which are blended
        self.stack: dict[str, list[int]] | None = None

    @classmethod
    def learn(cls, sentences: Iterable[Sentence], min_count: int = 2) -> Gazetteer:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        suffix_counts: dict[str, Counter[str]] = defaultdict(Counter)
        surface_total: Counter[str] = Counter()
        for s in sentences:
            for e in spans(s.tags, s.chars):
                counts[e.text][e.type] += 1
                if e.type in ("ORG", "TITLE", "PRO", "EDU") and len(e.text) >= 3:
                    for k in (1, 2, 3):
                        if len(e.text) > k:
                            suffix_counts[e.text[-k:]][e.type] += 1
        # how often each candidate string occurs at all (entity or not): keeps only reliable entries
        wanted = {t for t, c in counts.items() if sum(c.values()) >= min_count and 2 <= len(t) <= MAX_GAZ}
        for s in sentences:
            text = s.text
            for t in wanted:
                if t in text:
                    surface_total[t] += text.count(t)
        entries: dict[str, str] = {}
        for t in wanted:
            typ, n = counts[t].most_common(1)[0]
            if n / max(surface_total[t], 1) >= 0.5:
                entries[t] = typ
        suffixes: dict[str, str] = {}
        for suf, c in suffix_counts.items():
            typ, n = c.most_common(1)[0]
            if n >= 5 and n / sum(c.values()) >= 0.8:
                suffixes[suf] = typ
        return cls(entries, suffixes)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "entries": dict(sorted(self.entries.items())),
            "suffixes": dict(sorted(self.suffixes.items())),
        }
        data["features"] = dict(self.features)
        if self.clusters:
            data["clusters"] = {ch: "|".join(v) for ch, v in sorted(self.clusters.items())}
        if self.stack is not None:
            data["stack"] = {k: list(v) for k, v in self.stack.items()}
        if self.profiles is not None:
            data["profiles"] = {ch: "|".join(v) for ch, v in sorted(self.profiles.items()) if v}
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Gazetteer:
        raw = data.get("profiles")
        profiles = {ch: tuple(v.split("|")) for ch, v in raw.items()} if isinstance(raw, dict) else None
        features = data.get("features")
        raw_cl = data.get("clusters")
        gaz = cls(
            dict(data.get("entries", {})),  # type: ignore[call-overload]
            dict(data.get("suffixes", {})),  # type: ignore[call-overload]
            profiles,
            dict(features) if isinstance(features, dict) else None,
        )
        if isinstance(raw_cl, dict):
            gaz.clusters = {ch: tuple(v.split("|")) for ch, v in raw_cl.items()}  # type: ignore[misc]
        raw_st = data.get("stack")
        if isinstance(raw_st, dict):
            gaz.stack = {str(k): [int(x) for x in v] for k, v in raw_st.items()}
        return gaz


def _lexicon_words() -> dict[str, int]:
    from app.text.tokenize import tokenizer

    return tokenizer().FREQ  # type: ignore[no-any-return]


_pos_lock = threading.Lock()
_pos_table: dict[str, str] | None = None


def _word_tags() -> dict[str, str]:
    """jieba's dictionary part-of-speech tags (nt organisation, ns place, nr person, n noun ...)."""
    global _pos_table
    with _pos_lock:
        if _pos_table is None:
            import jieba.posseg

            from app.text.tokenize import tokenizer

            _pos_table = dict(jieba.posseg.POSTokenizer(tokenizer()).word_tag_tab)
        return _pos_table


_profile_lock = threading.Lock()
_char_profile: dict[str, tuple[str, ...]] | None = None


def _char_profiles() -> dict[str, tuple[str, ...]]:
    """A cluster-like profile per character from the dictionary: the (position in word, word tag)
    classes that dominate the words it occurs in, e.g. 司 -> ('E-n', 'E-nt'): it ends organisations."""
    global _char_profile
    with _profile_lock:
        if _char_profile is None:
            counts: dict[str, Counter[str]] = defaultdict(Counter)
            freq = _lexicon_words()
            for word, tag in _word_tags().items():
                f = freq.get(word, 0)
                if f <= 0 or len(word) < 2 or not tag:
                    continue
                w = min(f, 1000) ** 0.5
                last = len(word) - 1
                for k, ch in enumerate(word):
                    pos = "B" if k == 0 else ("E" if k == last else "M")
                    counts[ch][f"{pos}-{tag[:2]}"] += w
            out: dict[str, tuple[str, ...]] = {}
            for ch, c in counts.items():
                total = sum(c.values())
                out[ch] = tuple(k for k, v in c.most_common(3) if v / total >= 0.2)
            _char_profile = out
        return _char_profile


def _pos_features(
    f: list[str],
    i: int,
    wi: int,
    words: Sequence[str],
    tags: dict[str, str],
    seg_pos: Sequence[str],
    lat_bt: Sequence[set[str]],
    lat_et: Sequence[set[str]],
) -> None:
    f.append(f"p0={tags.get(words[wi], 'x')}{seg_pos[i]}")
    f.append(f"p-1={tags.get(words[wi - 1], 'x') if wi > 0 else '^'}")
    f.append(f"p+1={tags.get(words[wi + 1], 'x') if wi + 1 < len(words) else '$'}")
    for t in lat_bt[i]:
        f.append(f"lbt={t}")
    for t in lat_et[i]:
        f.append(f"let={t}")


_cluster_lock = threading.Lock()
_char_cluster: dict[str, tuple[str, str]] | None = None


def _char_clusters() -> dict[str, tuple[str, str]]:
    """Distributional character clusters (64 and 256 classes): PPMI of left/right neighbours inside
    dictionary words, a randomized SVD to 64 dimensions and k-means (fixed seed, deterministic)."""
    global _char_cluster
    with _cluster_lock:
        if _char_cluster is None:
            import numpy as np

            freq = _lexicon_words()
            counts: Counter[str] = Counter()
            for w, f in freq.items():
                if f > 0 and len(w) >= 2:
                    counts.update(w)
            chars = [c for c, _n in counts.most_common(5000)]
            idx = {c: i for i, c in enumerate(chars)}
            ctx = {c: i for i, c in enumerate(chars[:3000])}
            m = np.zeros((len(chars), 2 * len(ctx)), dtype=np.float32)
            for w, f in freq.items():
                if f <= 0 or len(w) < 2:
                    continue
                wt = float(np.log1p(f))
                for k, ch in enumerate(w):
                    i = idx.get(ch)
                    if i is None:
                        continue
                    if k > 0 and w[k - 1] in ctx:
                        m[i, ctx[w[k - 1]]] += wt
                    if k + 1 < len(w) and w[k + 1] in ctx:
                        m[i, len(ctx) + ctx[w[k + 1]]] += wt
            total = m.sum()
            rows = m.sum(axis=1, keepdims=True) + 1e-9
            cols = m.sum(axis=0, keepdims=True) + 1e-9
            ppmi = np.maximum(np.log(np.maximum(m * total / (rows * cols), 1e-9)), 0).astype(np.float32)
            rng = np.random.default_rng(20180701)
            q, _r = np.linalg.qr(ppmi @ rng.standard_normal((ppmi.shape[1], 96)).astype(np.float32))
            u_small, sv, _vt = np.linalg.svd(q.T @ ppmi, full_matrices=False)
            emb = (q @ u_small)[:, :64] * sv[:64]
            emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-9
            labels: list[list[int]] = []
            for k in (64, 256):
                centres = emb[rng.choice(len(emb), k, replace=False)].copy()
                assign = np.zeros(len(emb), dtype=int)
                for _it in range(20):
                    assign = (emb @ centres.T).argmax(axis=1)
                    for c in range(k):
                        members = emb[assign == c]
                        if len(members):
                            v = members.mean(axis=0)
                            centres[c] = v / (np.linalg.norm(v) + 1e-9)
                labels.append([int(a) for a in assign])
            _char_cluster = {ch: (str(labels[0][i]), str(labels[1][i])) for i, ch in enumerate(chars)}
        return _char_cluster


def sentence_features(
    text: str, gazetteer: Gazetteer | None = None, features: dict[str, bool] | None = None
) -> list[list[str]]:
    """crfsuite feature lists, one per character of ``text``; ``features`` switches feature groups
    (default: the groups recorded with the gazetteer, else all)."""
    use = {**ALL_FEATURES, **(gazetteer.features if gazetteer is not None else {}), **(features or {})}
    from app.text.tokenize import tokenizer

    n = len(text)
    if n == 0:
        return []
    pad = "^^^" + text + "$$$"
    types = ["B", "B", "B", *(_ctype(c) for c in text), "E", "E", "E"]

    # jieba word positions
    seg_pos = [""] * n
    seg_len = [0] * n
    seg_idx = [0] * n
    words = list(tokenizer().cut(text, HMM=True))
    i = 0
    for wi, word in enumerate(words):
        L = len(word)
        for k in range(L):
            seg_pos[i + k] = "S" if L == 1 else ("B" if k == 0 else ("E" if k == L - 1 else "M"))
            seg_len[i + k] = min(L, 6)
            seg_idx[i + k] = wi
        i += L

    # lexicon lattice
    freq = _lexicon_words()
    tags = _word_tags()
    profiles = gazetteer.profiles if gazetteer is not None and gazetteer.profiles is not None else _char_profiles()
    clusters: dict[str, tuple[str, str]] = {}
    if use["clusters"]:
        clusters = gazetteer.clusters if gazetteer is not None and gazetteer.clusters else _char_clusters()
    lat_b: list[set[int]] = [set() for _ in range(n)]
    lat_e: list[set[int]] = [set() for _ in range(n)]
    lat_bt: list[set[str]] = [set() for _ in range(n)]
    lat_et: list[set[str]] = [set() for _ in range(n)]
    lat_m: list[int] = [0] * n
    for s in range(n):
        for L in range(2, min(MAX_WORD, n - s) + 1):
            w = text[s : s + L]
            if freq.get(w):
                lat_b[s].add(L)
                lat_e[s + L - 1].add(L)
                t = tags.get(w)
                if t:
                    lat_bt[s].add(t)
                    lat_et[s + L - 1].add(t)
                for k in range(s + 1, s + L - 1):
                    lat_m[k] += 1

    # gazetteer: longest entry match covering each char; suffix matches ending at each char
    gz_tag = [""] * n
    gz_suf = [""] * n
    if gazetteer is not None:
        entries = gazetteer.entries
        s = 0
        while s < n:
            best = 0
            for L in range(min(MAX_GAZ, n - s), 1, -1):
                if text[s : s + L] in entries:
                    best = L
                    break
            if best:
                typ = entries[text[s : s + best]]
                for k in range(best):
                    p = "S" if best == 1 else ("B" if k == 0 else ("E" if k == best - 1 else "M"))
                    if not gz_tag[s + k]:
                        gz_tag[s + k] = f"{p}-{typ}"
            s += 1
        for e in range(n):
            for k in (3, 2, 1):
                if e - k + 1 >= 0:
                    suf = text[e - k + 1 : e + 1]
                    typ = gazetteer.suffixes.get(suf)
                    if typ:
                        gz_suf[e] = f"{k}{typ}"
                        break

    # clauses between punctuation: where the character sits and how its clause starts and ends
    clause_start = [0] * n
    clause_end = [0] * n
    st = 0
    for i in range(n):
        clause_start[i] = st
        if types[i + 3] == "P":
            st = i + 1
    en = n
    for i in range(n - 1, -1, -1):
        if types[i + 3] == "P":
            en = i
        clause_end[i] = en

    feats: list[list[str]] = []
    for i in range(n):
        p = i + 3
        f = ["b"]
        cs, ce = clause_start[i], clause_end[i]
        if use["clause"] and types[p] != "P" and ce > cs:
            f.append(f"ce={text[max(cs, ce - 2) : ce]}")
            f.append(f"cs={text[cs : min(ce, cs + 2)]}")
            f.append(f"cpos={min(i - cs, 6)}:{min(ce - 1 - i, 6)}")
            f.append(f"ce1|c={text[ce - 1]}|{text[i]}")
        for d in (-5, -4, 4, 5) if use["clause"] else ():
            f.append(f"u{d}={pad[p + d] if 0 <= p + d < len(pad) else '#'}")
        for d in (-3, -2, -1, 0, 1, 2, 3):
            f.append(f"u{d}={pad[p + d]}")
        for d in (-2, -1, 0, 1):
            f.append(f"bi{d}={pad[p + d]}{pad[p + d + 1]}")
        f.append(f"tri-1={pad[p - 1 : p + 2]}")
        f.append(f"tri-2={pad[p - 2 : p + 1]}")
        f.append(f"tri0={pad[p : p + 3]}")
        f.append(f"t0={types[p]}")
        f.append(f"t-1:1={types[p - 1]}{types[p]}{types[p + 1]}")
        f.append(f"t-2:0={types[p - 2]}{types[p - 1]}{types[p]}")
        f.append(f"t0:2={types[p]}{types[p + 1]}{types[p + 2]}")
        f.append(f"sp={seg_pos[i]}{seg_len[i]}")
        f.append(f"sp-1={seg_pos[i - 1] if i > 0 else '^'}")
        f.append(f"sp+1={seg_pos[i + 1] if i + 1 < n else '$'}")
        f.append(f"sp0c={seg_pos[i]}|{text[i]}")
        wi = seg_idx[i]
        if use["words"]:
            f.append(f"w0={words[wi]}")
            f.append(f"w-1={words[wi - 1] if wi > 0 else '^'}")
            f.append(f"w+1={words[wi + 1] if wi + 1 < len(words) else '$'}")
        if use["pos"]:
            _pos_features(f, i, wi, words, tags, seg_pos, lat_bt, lat_et)
        if use["clusters"]:
            for d in (-2, -1, 0, 1, 2):
                cl = clusters.get(text[i + d]) if 0 <= i + d < n else None
                if cl:
                    f.append(f"k64{d}={cl[0]}")
                    f.append(f"k256{d}={cl[1]}")
            cl0 = clusters.get(text[i])
            cl1 = clusters.get(text[i + 1]) if i + 1 < n else None
            if cl0 and cl1:
                f.append(f"k64b={cl0[0]}|{cl1[0]}")
        if use["profiles"]:
            f.append(f"w-1|0={words[wi - 1] if wi > 0 else '^'}|{words[wi]}")
            f.append(f"w0|1={words[wi]}|{words[wi + 1] if wi + 1 < len(words) else '$'}")
            for d in (-1, 0, 1):
                if 0 <= i + d < n:
                    for cls in profiles.get(text[i + d], ()):
                        f.append(f"cp{d}={cls}")
        for L in lat_b[i]:
            f.append(f"lb{L}")
        for L in lat_e[i]:
            f.append(f"le{L}")
        if lat_m[i]:
            f.append(f"lm{min(lat_m[i], 3)}")
        if gz_tag[i]:
            f.append(f"g={gz_tag[i]}")
            f.append(f"g|c={gz_tag[i]}|{text[i]}")
        if gz_suf[i]:
            f.append(f"gs={gz_suf[i]}")
        if i + 1 < n and gz_suf[i + 1]:
            f.append(f"gs+1={gz_suf[i + 1]}")
        if i > 0 and gz_tag[i - 1]:
            f.append(f"g-1={gz_tag[i - 1]}")
        if i + 1 < n and gz_tag[i + 1]:
            f.append(f"g+1={gz_tag[i + 1]}")
        feats.append(f)
    return feats


def stack_features(text: str, marginals, labels: Sequence[str]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Second-pass features from the first pass's per-character label marginals (``len(text)`` x
    ``len(labels)``): its decoded labels of the ±2 neighbours, how sure it was, the runner-up label,
    the probability mass per entity type, and the predicted entity around the character with the
    types of the predicted entities before and after it (adjacent or not)."""
    import numpy as np

    n = len(text)
    if n == 0:
        return []
    probs = np.asarray(marginals, dtype=float)
    path = _constrained_viterbi(np.log(probs + 1e-9), labels, text)
    best = [labels[j] for j in probs.argmax(axis=1)]
    ents = spans(path)
    cover: list[Entity | None] = [None] * n
    for e in ents:
        for k in range(e.start, e.end):
            cover[k] = e
    by_type: dict[str, list[int]] = defaultdict(list)
    for j, lab in enumerate(labels):
        typ = lab.partition("-")[2]
        if typ:
            by_type[typ].append(j)
    # the nearest predicted entity ending before / starting after each character
    prev_at = ["^"] * n
    before: Entity | None = None
    ei = 0
    for i in range(n):
        while ei < len(ents) and ents[ei].end <= i:
            before = ents[ei]
            ei += 1
        if before is not None:
            prev_at[i] = before.type + (":adj" if before.end == i else "")
    next_at = ["^"] * n
    after: Entity | None = None
    ei = len(ents) - 1
    for i in range(n - 1, -1, -1):
        while ei >= 0 and ents[ei].start > i:
            after = ents[ei]
            ei -= 1
        if after is not None:
            next_at[i] = after.type + (":adj" if after.start == i + 1 else "")
    out: list[list[str]] = []
    for i in range(n):
        f: list[str] = []
        for d in (-2, -1, 0, 1, 2):
            j = i + d
            f.append(f"s{d}={path[j] if 0 <= j < n else '#'}")
        f.append(f"s-1:0={path[i - 1] if i else '^'}|{path[i]}")
        f.append(f"s0:1={path[i]}|{path[i + 1] if i + 1 < n else '$'}")
        f.append(f"s0|c={path[i]}|{text[i]}")
        f.append(f"sq={path[i]}:{min(int(float(probs[i].max()) * 5), 4)}")
        if best[i] != path[i]:
            f.append(f"sa={best[i]}")
        for typ, cols in by_type.items():
            mass = float(probs[i, cols].sum())
            if mass >= 0.05:
                f.append(f"st={typ}:{min(int(mass * 4), 3)}")
        order = np.argsort(-probs[i])
        if len(order) > 1 and probs[i, order[1]] >= 0.05:
            f.append(f"s2={labels[int(order[1])]}")
        e = cover[i]
        if e is not None:
            f.append(f"se={e.type}:{min(e.end - e.start, 12) // 3}")
            f.append(f"sel={e.type}|{text[e.end - 1]}")
            f.append(f"ses={e.type}|{text[e.start]}")
        f.append(f"sprev={prev_at[i]}")
        f.append(f"snext={next_at[i]}")
        f.append(f"spn={prev_at[i]}|{next_at[i]}")
        out.append(f)
    return out


# --------------------------------------------------------------------------- model


def sidecar_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name.removesuffix(".crfsuite") + ".gazetteer.json")


def member_paths(model_path: Path) -> list[Path]:
    """The model and its extra ensemble members (``<stem>.m2.crfsuite`` ...) beside it."""
    stem = model_path.name.removesuffix(".crfsuite")
    extra = sorted(model_path.parent.glob(f"{stem}.m[0-9]*.crfsuite"))
    return [model_path, *extra]


class _Member:
    def __init__(self, path: Path) -> None:
        import pycrfsuite

        side = sidecar_path(path)
        self.gazetteer = Gazetteer.from_json(json.loads(side.read_text(encoding="utf-8"))) if side.exists() else None
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(path))
        self.path = path


def stack_path(model_path: Path) -> Path:
    """The second-pass (stacked) CRF beside the model: ``<stem>.stack.crfsuite``."""
    return model_path.with_name(model_path.name.removesuffix(".crfsuite") + ".stack.crfsuite")


class EntityTagger:
    """A loaded CRF model: an ensemble of first-pass CRFs whose marginals are averaged and, when
    the model has one, a second-pass CRF that also sees the first pass's predictions; thread-safe."""

    def __init__(self, model_path: Path) -> None:
        if not model_path.exists():
            raise AppError(
                _("Entity model not found: {path}. Reinstall the program or train it with 'resume train-ner'.").format(
                    path=model_path
                )
            )
        self.members = [_Member(p) for p in member_paths(model_path)]
        self.gazetteer = self.members[0].gazetteer
        self.labels: list[str] = sorted(self.members[0].tagger.labels())
        self.stack: _Member | None = None
        self.level1: list[int] = []
        self.blend: list[int] = []
        second = stack_path(model_path)
        if second.exists():
            self.stack = _Member(second)
            config = self.stack.gazetteer.stack if self.stack.gazetteer is not None else None
            if not config or not config.get("level1") or self.stack.gazetteer is None:
                # the second pass cannot run without the sidecar that names its first-pass inputs
                raise AppError(
                    _("Entity model not found: {path}. Reinstall the program or train it with 'resume train-ner'.").format(
                        path=sidecar_path(second)
                    )
                )
            self.level1 = [k for k in config.get("level1", []) if 0 <= k < len(self.members)]
            self.blend = [k for k in config.get("blend", []) if 0 <= k < len(self.members)]
        self._lock = threading.Lock()
        self.path = model_path

    def _marginals(self, member: _Member, feats: list[list[str]]):  # type: ignore[no-untyped-def]
        import numpy as np

        with self._lock:
            member.tagger.set(feats)
            return np.array([[member.tagger.marginal(lab, i) for lab in self.labels] for i in range(len(feats))])

    def tag(self, text: str) -> list[str]:
        if not text:
            return []
        if len(self.members) == 1 and self.stack is None:
            feats = sentence_features(text, self.gazetteer)
            with self._lock:
                return repair_brackets(list(self.members[0].tagger.tag(feats)), text)
        import numpy as np

        needed = range(len(self.members)) if self.stack is None else sorted({*self.level1, *self.blend})
        first = {k: self._marginals(self.members[k], sentence_features(text, self.members[k].gazetteer)) for k in needed}
        if self.stack is None:
            total = sum(first.values()) / len(first)
        else:
            level1 = sum(first[k] for k in self.level1) / len(self.level1)
            base = sentence_features(text, self.stack.gazetteer)
            feats = [a + b for a, b in zip(base, stack_features(text, level1, self.labels), strict=True)]
            total = (self._marginals(self.stack, feats) + sum((first[k] for k in self.blend), np.zeros_like(level1))) / (
                1 + len(self.blend)
            )
        return repair_brackets(_constrained_viterbi(np.log(total + 1e-9), self.labels, text), text)

    def entities(self, text: str) -> list[Entity]:
        return spans(self.tag(text), list(text))


OPEN_BRACKETS = "(（[【"
CLOSE_BRACKETS = ")）]】"


DATE_UNITS = "年月日"


def _constrained_viterbi(logp, labels: Sequence[str], text: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Best BMES-valid label path through per-position log scores (ensemble decoding). With
    ``text``, an entity may not start with a closing bracket nor end with an opening one, and may
    not start on the unit of a date (the 月 of ``9月华油…``): of the 13,438 training entities none
    does the former and one the latter."""
    import numpy as np

    if text is not None:
        logp = np.array(logp, dtype=float, copy=True)
        starts = [j for j, lab in enumerate(labels) if lab[0] in "BS"]
        ends = [j for j, lab in enumerate(labels) if lab[0] in "ES"]
        for i, c in enumerate(text):
            if c in CLOSE_BRACKETS or (c in DATE_UNITS and i > 0 and _ctype(text[i - 1]) == "D"):
                logp[i, starts] -= 1e6
            elif c in OPEN_BRACKETS:
                logp[i, ends] -= 1e6

    def ok(a: str, b: str) -> bool:
        pa, _s, ta = a.partition("-")
        pb, _s2, tb = b.partition("-")
        if pa in ("B", "M"):
            return pb in ("M", "E") and ta == tb
        return pb in ("B", "S", "O")

    neg = -1e9
    trans = np.array([[0.0 if ok(a, b) else neg for b in labels] for a in labels])
    first = np.array([0.0 if lab[0] in "BSO" else neg for lab in labels])
    last = np.array([0.0 if lab[0] in "ESO" else neg for lab in labels])
    score = logp[0] + first
    back = []
    for i in range(1, len(logp)):
        cand = score[:, None] + trans
        back.append(cand.argmax(axis=0))
        score = cand.max(axis=0) + logp[i]
    j = int((score + last).argmax())
    path = [j]
    for b in reversed(back):
        j = int(b[j])
        path.append(j)
    return [labels[k] for k in reversed(path)]


def _bmes(length: int, typ: str) -> list[str]:
    if length == 1:
        return [f"S-{typ}"]
    return [f"B-{typ}", *([f"M-{typ}"] * (length - 2)), f"E-{typ}"]


def repair_brackets(tags: Sequence[str], text: str) -> list[str]:
    """Trim predicted entities with an unmatched bracket (``宏图高科分公司(8390厂`` -> ``宏图高科分公司``):
    none of the 13,438 training entities has one. The part before the first unmatched bracket is
    kept, else the part after the last one; the rest becomes O."""
    out = list(tags)
    for e in spans(tags):
        stack: list[int] = []
        unmatched: list[int] = []
        for k in range(e.start, e.end):
            c = text[k]
            if c in OPEN_BRACKETS:
                stack.append(k)
            elif c in CLOSE_BRACKETS:
                if stack:
                    stack.pop()
                else:
                    unmatched.append(k)
        unmatched = sorted(unmatched + stack)
        if not unmatched:
            continue
        a, b = (e.start, unmatched[0]) if unmatched[0] > e.start else (unmatched[-1] + 1, e.end)
        out[e.start : e.end] = ["O"] * (e.end - e.start)
        if b > a:
            out[a:b] = _bmes(b - a, e.type)
    return out


_cache: dict[Path, EntityTagger] = {}
_cache_lock = threading.Lock()


def load(model_path: Path | None = None) -> EntityTagger:
    """The tagger for ``model_path`` (default: the shipped model), cached."""
    path = Path(model_path) if model_path else default_model_path()
    with _cache_lock:
        tagger = _cache.get(path)
        if tagger is None:
            tagger = EntityTagger(path)
            _cache[path] = tagger
        return tagger


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class TypeScore:
    type: str
    gold: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int | str]:
        return {
            "type": self.type,
            "gold": self.gold,
            "predicted": self.predicted,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class Evaluation:
    per_type: tuple[TypeScore, ...]
    micro: TypeScore
    sentences: int

    def to_dict(self) -> dict[str, object]:
        return {
            "sentences": self.sentences,
            "per_type": [t.to_dict() for t in self.per_type],
            "micro": self.micro.to_dict(),
        }


def score(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> Evaluation:
    """Entity-level exact-match scores of predicted BMES sequences against gold ones."""
    g_count: Counter[str] = Counter()
    p_count: Counter[str] = Counter()
    c_count: Counter[str] = Counter()
    n = 0
    for g_tags, p_tags in zip(gold, predicted, strict=True):
        n += 1
        g = {(e.type, e.start, e.end) for e in spans(g_tags)}
        p = {(e.type, e.start, e.end) for e in spans(p_tags)}
        for t, *_rest in g:
            g_count[t] += 1
        for t, *_rest in p:
            p_count[t] += 1
        for t, *_rest in g & p:
            c_count[t] += 1
    types = [t for t in TYPES if g_count[t] or p_count[t]]
    types += sorted(t for t in set(g_count) | set(p_count) if t not in TYPES)
    per = tuple(TypeScore(t, g_count[t], p_count[t], c_count[t]) for t in types)
    micro = TypeScore("micro", sum(g_count.values()), sum(p_count.values()), sum(c_count.values()))
    return Evaluation(per, micro, n)


def evaluate(
    sentences: Sequence[Sentence],
    tagger: EntityTagger | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Evaluation:
    tagger = tagger or load()
    predicted: list[list[str]] = []
    for i, s in enumerate(sentences):
        cancel.raise_if_cancelled()
        predicted.append(tagger.tag(s.text))
        if i % 100 == 0:
            progress(i, len(sentences), "")
    progress(len(sentences), len(sentences), "")
    return score([s.tags for s in sentences], predicted)


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainResult:
    model_path: Path
    model_bytes: int
    dev: Evaluation | None
    params: dict[str, float | int]


DEFAULT_PARAMS: dict[str, float | int] = {"c1": 0.1, "c2": 0.01, "max_iterations": 300, "gaz_min_count": 2, "gaz_folds": 5}
# Two first-pass CRFs that differ in feature groups; their averaged marginals beat either alone on dev
# (see the report table in the module docstring).
DEFAULT_MEMBERS: tuple[dict[str, float | int], ...] = (
    {"f_profiles": 0, "f_clause": 0},
    {"f_clause": 0},
)
# An optional second pass (``train(stack=STACKING)``): a CRF with the features of ``member`` plus
# :func:`stack_features` of the averaged marginals of the first-pass members ``level1``; on the
# training split those marginals come from ``folds`` cross-fold models (each trained without the
# sentences it predicts). ``blend``: first-pass members averaged with the second pass before
# decoding. Measured on dev it is worse than the first pass alone (0.9280-0.9345 against
# 0.9321-0.9398, see the module docstring), so the shipped model has none.
STACKING: dict[str, object] = {"folds": 5, "level1": [0], "blend": [], "member": {"f_profiles": 0, "f_clause": 0}}
DEFAULT_STACK: dict[str, object] | None = None

_fold_cache: dict[tuple[int, int, int, int], Gazetteer] = {}


def _fold_gazetteer(sentences: Sequence[Sentence], index: int, folds: int, min_count: int) -> Gazetteer:
    """Jackknife: a training sentence sees only the gazetteer learnt from the other folds, so the
    model learns how far a gazetteer match can be trusted on text it has not seen."""
    k = index % folds
    key = (id(sentences), len(sentences), k, min_count)
    gaz = _fold_cache.get(key)
    if gaz is None:
        gaz = Gazetteer.learn([s for j, s in enumerate(sentences) if j % folds != k], min_count=min_count)
        _fold_cache.clear() if len(_fold_cache) > 4 * folds else None
        _fold_cache[key] = gaz
    return gaz


def _train_member(
    train_sents: Sequence[Sentence],
    out: Path,
    p: dict[str, float | int],
    progress: ProgressFn,
    cancel: CancelToken,
    extra: Sequence[list[list[str]]] | None = None,
    stack: dict[str, list[int]] | None = None,
) -> None:
    """Train one CRF on ``train_sents`` into ``out`` (+ its sidecar); ``extra``: per-sentence
    features appended to the character features (the second pass's stacked features)."""
    import pycrfsuite

    _fold_cache.clear()  # keyed by id(): never reuse a gazetteer of an earlier, freed sentence list
    min_count = int(p["gaz_min_count"])
    # a group not named in ``p`` keeps its default (clusters stay off unless asked for)
    feats = {name: bool(p.get(f"f_{name}", on)) for name, on in ALL_FEATURES.items()}
    gaz = Gazetteer.learn(train_sents, min_count=min_count) if min_count else None
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    folds = int(p.get("gaz_folds", 5))
    for i, s in enumerate(train_sents):
        cancel.raise_if_cancelled()
        fold_gaz = _fold_gazetteer(train_sents, i, folds, min_count) if gaz is not None else None
        x = sentence_features(s.text, fold_gaz, feats)
        if extra is not None:
            x = [a + b for a, b in zip(x, extra[i], strict=True)]
        trainer.append(x, s.tags)
        if i % 200 == 0:
            progress(i, len(train_sents), _("Preparing features"))
    _fold_cache.clear()
    iterations = int(p["max_iterations"])
    trainer.set_params(
        {"c1": float(p["c1"]), "c2": float(p["c2"]), "max_iterations": iterations, "feature.possible_transitions": True}
    )

    def on_iteration(info: dict[str, object]) -> None:
        cancel.raise_if_cancelled()
        progress(int(info.get("num", 0) or 0), iterations, _("Training"))  # type: ignore[call-overload]

    trainer.message = lambda _m: None  # type: ignore[method-assign]
    trainer.on_iteration = lambda _log, info: on_iteration(info)  # type: ignore[method-assign]
    trainer.train(str(out))
    saved = gaz or Gazetteer({}, {})
    saved.profiles = _char_profiles()
    saved.features = feats
    saved.stack = stack
    if feats["clusters"]:
        saved.clusters = _char_clusters()
    sidecar_path(out).write_text(json.dumps(saved.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _train_member_quiet(train_sents: Sequence[Sentence], out: Path, p: dict[str, float | int]) -> dict[int, object]:
    _train_member(train_sents, out, p, no_progress, NEVER_CANCELLED)
    return {}


def _label_marginals(member: _Member, feats: list[list[str]], labels: Sequence[str]):  # type: ignore[no-untyped-def]
    """Marginals over ``labels`` (0 for a label this model never saw)."""
    import numpy as np

    known = set(member.tagger.labels())
    member.tagger.set(feats)
    return np.array([[member.tagger.marginal(lab, i) if lab in known else 0.0 for lab in labels] for i in range(len(feats))])


def _fold_marginals(
    train_sents: Sequence[Sentence], k: int, folds: int, p: dict[str, float | int], labels: Sequence[str], work: Path
) -> dict[int, object]:
    """Train on the sentences ``i % folds != k`` and return the marginals of the others, as the
    full model would see unseen text (their features use the gazetteer of the fold's training part)."""
    out = work / f"fold{k}_{abs(hash(tuple(sorted(p.items())))) % 10**8}.crfsuite"
    subset = [s for i, s in enumerate(train_sents) if i % folds != k]
    _train_member(subset, out, p, no_progress, NEVER_CANCELLED)
    member = _Member(out)
    return {
        i: _label_marginals(member, sentence_features(s.text, member.gazetteer), labels)
        for i, s in enumerate(train_sents)
        if i % folds == k
    }


def train(
    train_path: Path,
    dev_path: Path | None = None,
    out: Path | None = None,
    params: dict[str, float | int] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    members: Sequence[dict[str, float | int]] | None = None,
    jobs: int = 1,
    stack: dict[str, object] | None = DEFAULT_STACK,
) -> TrainResult:
    """Train the entity model on ``train_path`` (BMES), write ``out`` (+ members, second pass and
    sidecars), score on ``dev_path``.

    ``members`` are per-member parameter overrides (default :data:`DEFAULT_MEMBERS`); ``params``
    overrides every member; ``stack`` configures the second pass (:data:`DEFAULT_STACK`; ``None``:
    first pass only). Training is deterministic (L-BFGS, fixed sentence order).
    """
    import tempfile

    out = Path(out) if out else default_model_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    train_sents = read_bmes(train_path)
    variants = list(members if members is not None else DEFAULT_MEMBERS) or [{}]
    stem = out.name.removesuffix(".crfsuite")
    for stale in [*member_paths(out)[1:], stack_path(out)]:
        stale.unlink(missing_ok=True)
        sidecar_path(stale).unlink(missing_ok=True)
    used = [{**DEFAULT_PARAMS, **variant, **(params or {})} for variant in variants]
    targets = [out if k == 0 else out.with_name(f"{stem}.m{k + 1}.crfsuite") for k in range(len(used))]
    labels = sorted({t for s in train_sents for t in s.tags})
    level1: list[int] = []
    blend: list[int] = []
    folds = 0
    if stack is not None:
        level1 = [int(k) for k in stack.get("level1", [0])]  # type: ignore[attr-defined]
        blend = [int(k) for k in stack.get("blend", [])]  # type: ignore[attr-defined]
        folds = int(stack.get("folds", 5))  # type: ignore[call-overload]
        if not level1 or any(not 0 <= k < len(used) for k in level1 + blend) or folds < 2:
            raise ValueError(f"stack settings {stack!r} do not fit {len(used)} first-pass members")  # programming error
    with tempfile.TemporaryDirectory(prefix="hrdesk-ner-") as tmp:
        work = Path(tmp)
        # independent jobs: the first-pass members, then the cross-fold models of the second pass
        jobs_list: list[tuple[object, ...]] = [(_train_member_quiet, train_sents, t, p) for t, p in zip(targets, used, strict=True)]
        jobs_list += [
            (_fold_marginals, train_sents, k, folds, used[m], labels, work) for m in level1 for k in range(folds)
        ]
        results: list[dict[int, object]] = []
        if jobs > 1 and len(jobs_list) > 1:
            from concurrent.futures import ProcessPoolExecutor

            progress(0, len(jobs_list), _("Training"))
            with ProcessPoolExecutor(max_workers=min(jobs, len(jobs_list))) as pool:
                futures = [pool.submit(fn, *args) for fn, *args in jobs_list]  # type: ignore[operator]
                try:
                    for k, fut in enumerate(futures):
                        results.append(fut.result())
                        cancel.raise_if_cancelled()
                        progress(k + 1, len(jobs_list), _("Training"))
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
        else:
            for target, p in zip(targets, used, strict=True):
                _train_member(train_sents, target, p, progress, cancel)
                results.append({})
            for fn, *args in jobs_list[len(used) :]:
                cancel.raise_if_cancelled()
                results.append(fn(*args))  # type: ignore[operator]
                progress(len(results), len(jobs_list), _("Training"))
        if stack is not None:
            # every training sentence gets the averaged held-out marginals of the level-1 members
            per_member = [results[len(used) + j * folds : len(used) + (j + 1) * folds] for j in range(len(level1))]
            extra: list[list[list[str]]] = []
            for i, sent in enumerate(train_sents):
                cancel.raise_if_cancelled()
                held = [next(r[i] for r in parts if i in r) for parts in per_member]
                extra.append(stack_features(sent.text, sum(held) / len(held), labels))  # type: ignore[arg-type]
            p2 = {**DEFAULT_PARAMS, **dict(stack.get("member", {})), **(params or {})}  # type: ignore[call-overload]
            _train_member(train_sents, stack_path(out), p2, progress, cancel, extra, {"level1": level1, "blend": blend})
    with _cache_lock:
        _cache.pop(out, None)
    dev_eval = None
    if dev_path is not None:
        dev_eval = evaluate(read_bmes(dev_path), EntityTagger(out), cancel=cancel)
    files = [*member_paths(out), *([stack_path(out)] if stack is not None else [])]
    size = sum(m.stat().st_size + sidecar_path(m).stat().st_size for m in files)
    log.info("trained NER model %s (%d members, second pass: %s, %d bytes)", out.name, len(used), stack is not None, size)
    return TrainResult(out, size, dev_eval, {"members": len(used), "second_pass": int(stack is not None), **used[0]})

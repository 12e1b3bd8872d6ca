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
per-character marginals are averaged and decoded with a BMES-constrained Viterbi.

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
| ensemble of members 1 + 2, averaged marginals (shipped) | 0.9398 |
| same, geometric mean of marginals | 0.9395 |
| ensemble 1 + 2 + clusters model / 1 + clusters model | 0.9351 / 0.9357 |
| ensemble 1 + 2 + word-features-only model / + clause model | 0.9372 / 0.9325 |
| (Lattice LSTM, paper) | 0.9446 |

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


class EntityTagger:
    """A loaded CRF model (or an ensemble of CRFs whose marginals are averaged); thread-safe."""

    def __init__(self, model_path: Path) -> None:
        if not model_path.exists():
            raise AppError(
                _("Entity model not found: {path}. Reinstall the program or train it with 'resume train-ner'.").format(
                    path=model_path
                )
            )
        self.members = [_Member(p) for p in member_paths(model_path)]
        self.gazetteer = self.members[0].gazetteer
        self.labels: list[str] = list(self.members[0].tagger.labels())
        self._lock = threading.Lock()
        self.path = model_path
        self._transitions: object | None = None

    def tag(self, text: str) -> list[str]:
        if not text:
            return []
        if len(self.members) == 1:
            feats = sentence_features(text, self.gazetteer)
            with self._lock:
                return list(self.members[0].tagger.tag(feats))
        import numpy as np

        total = np.zeros((len(text), len(self.labels)))
        feature_cache: dict[int, list[list[str]]] = {}
        for m in self.members:
            key = id(m.gazetteer.entries) if m.gazetteer is not None else 0
            feats = feature_cache.get(key)
            if feats is None:
                feats = feature_cache[key] = sentence_features(text, m.gazetteer)
            with self._lock:
                m.tagger.set(feats)
                total += np.array([[m.tagger.marginal(lab, i) for lab in self.labels] for i in range(len(text))])
        return _constrained_viterbi(np.log(total / len(self.members) + 1e-9), self.labels)

    def entities(self, text: str) -> list[Entity]:
        return spans(self.tag(text), list(text))


def _constrained_viterbi(logp, labels: Sequence[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Best BMES-valid label path through per-position log scores (ensemble decoding)."""
    import numpy as np

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
# Two CRFs that differ in feature groups; their averaged marginals beat either alone on dev
# (see the report table in the module docstring).
DEFAULT_MEMBERS: tuple[dict[str, float | int], ...] = (
    {"f_profiles": 0, "f_clause": 0},
    {"f_clause": 0},
)

_fold_cache: dict[tuple[int, int, int], Gazetteer] = {}


def _fold_gazetteer(sentences: Sequence[Sentence], index: int, folds: int, min_count: int) -> Gazetteer:
    """Jackknife: a training sentence sees only the gazetteer learnt from the other folds, so the
    model learns how far a gazetteer match can be trusted on text it has not seen."""
    k = index % folds
    key = (id(sentences), k, min_count)
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
) -> None:
    import pycrfsuite

    min_count = int(p["gaz_min_count"])
    feats = {name: bool(p.get(f"f_{name}", 1)) for name in ALL_FEATURES}
    gaz = Gazetteer.learn(train_sents, min_count=min_count) if min_count else None
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    folds = int(p.get("gaz_folds", 5))
    for i, s in enumerate(train_sents):
        cancel.raise_if_cancelled()
        fold_gaz = _fold_gazetteer(train_sents, i, folds, min_count) if gaz is not None else None
        trainer.append(sentence_features(s.text, fold_gaz, feats), s.tags)
        if i % 200 == 0:
            progress(i, len(train_sents), _("Preparing features"))
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
    if feats["clusters"]:
        saved.clusters = _char_clusters()
    sidecar_path(out).write_text(json.dumps(saved.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _train_member_quiet(train_sents: Sequence[Sentence], out: Path, p: dict[str, float | int]) -> None:
    _train_member(train_sents, out, p, no_progress, NEVER_CANCELLED)


def train(
    train_path: Path,
    dev_path: Path | None = None,
    out: Path | None = None,
    params: dict[str, float | int] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    members: Sequence[dict[str, float | int]] | None = None,
    jobs: int = 1,
) -> TrainResult:
    """Train the CRF ensemble on ``train_path`` (BMES), write ``out`` (+ members and sidecars), score on ``dev_path``.

    ``members`` are per-member parameter overrides (default :data:`DEFAULT_MEMBERS`); ``params``
    overrides every member. Training is deterministic (L-BFGS, fixed sentence order).
    """
    out = Path(out) if out else default_model_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    train_sents = read_bmes(train_path)
    variants = list(members if members is not None else DEFAULT_MEMBERS) or [{}]
    stem = out.name.removesuffix(".crfsuite")
    for stale in member_paths(out)[1:]:
        stale.unlink()
        sidecar_path(stale).unlink(missing_ok=True)
    used = [{**DEFAULT_PARAMS, **variant, **(params or {})} for variant in variants]
    targets = [out if k == 0 else out.with_name(f"{stem}.m{k + 1}.crfsuite") for k in range(len(used))]
    if jobs > 1 and len(used) > 1:
        # members are independent: train them in parallel processes (cancel is checked between them)
        from concurrent.futures import ProcessPoolExecutor

        progress(0, len(used), _("Training"))
        with ProcessPoolExecutor(max_workers=min(jobs, len(used))) as pool:
            futures = [pool.submit(_train_member_quiet, train_sents, t, p) for t, p in zip(targets, used, strict=True)]
            for k, fut in enumerate(futures):
                fut.result()
                cancel.raise_if_cancelled()
                progress(k + 1, len(used), _("Training"))
    else:
        for target, p in zip(targets, used, strict=True):
            _train_member(train_sents, target, p, progress, cancel)
    with _cache_lock:
        _cache.pop(out, None)
    dev_eval = None
    if dev_path is not None:
        dev_eval = evaluate(read_bmes(dev_path), EntityTagger(out), cancel=cancel)
    size = sum(m.stat().st_size + sidecar_path(m).stat().st_size for m in member_paths(out))
    log.info("trained NER model %s (%d members, %d bytes)", out.name, len(used), size)
    return TrainResult(out, size, dev_eval, {"members": len(used), **used[0]})

"""One jieba tokenizer with the professional vocabulary loaded, shared by every feature.

jieba's global tokenizer is process-wide mutable state; we keep our own ``jieba.Tokenizer``
built lazily (about a second the first time) behind a lock, so callers on worker threads are safe.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

from app.text import lexicon

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer(extra_terms: Iterable[str] = ()) -> jieba.Tokenizer:
    """The shared tokenizer; ``extra_terms`` (e.g. a position's vocabulary) are added once."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            tk = jieba.Tokenizer()
            tk.tmp_dir = tempfile.gettempdir()
            tk.initialize()
            path = lexicon.userdict_path()
            if path.exists():
                tk.load_userdict(str(path))
            else:
                log.warning("professional vocabulary missing: %s", path)
            _tokenizer = tk
        for term in extra_terms:
            if term and term not in _tokenizer.FREQ:
                _tokenizer.add_word(term, freq=lexicon.MAX_FREQ)
        return _tokenizer


def cut(text: str) -> list[str]:
    """Words of ``text`` (no whitespace tokens)."""
    return [w for w in tokenizer().lcut(text) if w.strip()]


def userdict_file() -> Path:
    return lexicon.userdict_path()


def add_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """Teach the shared tokenizer extra whole words (e.g. the hospital's own vocabulary from the
    database); returns the terms that were new. Additive only: nothing is ever removed."""
    wanted = [t.strip() for t in terms if t and t.strip() and " " not in t.strip()]
    tk = tokenizer()
    with _lock:
        new = tuple(t for t in dict.fromkeys(wanted) if t not in tk.FREQ)
    tokenizer(new)
    return new

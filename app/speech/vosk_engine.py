"""Vosk streaming engine: partial text while the person speaks, finals with word times at pauses.

Hospitals install ``vosk-model-small-cn-0.22`` (fast, ~40 MB) or ``vosk-model-cn-0.22`` (more
accurate, needs ~3 GB RAM) into the models folder. Chinese Vosk models put spaces between words;
these are removed from the text (the words keep their own times).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.ascii_path import native_path
from app.speech.audio import SAMPLE_RATE, as_int16, rechunk
from app.speech.engine import Chunk, Final, Partial, Word
from app.speech.hotwords import HotwordCorrector
from app.speech.textnorm import to_simplified
from app.tasks import NEVER_CANCELLED, CancelToken

if TYPE_CHECKING:
    from app.speech.speakers import SpeakerLabeler

log = logging.getLogger(__name__)

_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@functools.lru_cache(maxsize=2)
def load_model(model_dir: str) -> Any:
    import vosk

    vosk.SetLogLevel(-1)
    log.info("loading vosk model %s", Path(model_dir).name)
    # Vosk on Windows cannot open a non-ASCII path: the 8.3 short name or an ASCII copy is used there
    return vosk.Model(str(native_path(Path(model_dir))))


def _join(text: str) -> str:
    return _CJK_SPACE.sub("", text.strip())


class VoskEngine:
    name = "vosk"

    def __init__(
        self,
        model_dir: Path,
        *,
        hotwords: Iterable[str] = (),
        labeler: SpeakerLabeler | None = None,
        chunk_seconds: float = 0.2,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.model = load_model(str(self.model_dir))
        self.corrector = HotwordCorrector(hotwords)
        self.labeler = labeler
        self.chunk_seconds = chunk_seconds

    def warm_up(self) -> None:
        """Load what the first final would otherwise load (OpenCC, jieba and pypinyin for the vocabulary
        correction, the x-vector extractor); call it off the GUI thread before recording, since some of
        it holds the GIL for up to ~250 ms."""
        import vosk

        text = to_simplified("測試寒氧酸鹽")
        if self.corrector:
            self.corrector.correct(text)
        vosk.KaldiRecognizer(self.model, SAMPLE_RATE).AcceptWaveform(np.zeros(SAMPLE_RATE // 2, dtype="<i2").tobytes())
        if self.labeler is not None:
            self.labeler.extractor(np.zeros(SAMPLE_RATE, dtype=np.int16))

    def transcribe(self, chunks: Iterable[Chunk], *, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[Partial | Final]:
        import vosk

        rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        rec.SetWords(True)
        last_partial = ""
        utterance_start = 0.0
        pos = 0  # samples fed so far
        kept: list[np.ndarray] = []  # audio of the current utterance, for speaker labels
        kept_from = 0
        for chunk in rechunk((as_int16(c) for c in chunks), self.chunk_seconds):
            cancel.raise_if_cancelled()
            samples = chunk.samples
            if self.labeler is not None:
                kept.append(samples)
            pos += len(samples)
            if rec.AcceptWaveform(samples.astype("<i2").tobytes()):
                final = self._final(json.loads(rec.Result()), utterance_start, pos, kept, kept_from)
                kept, kept_from = [], pos
                utterance_start = pos / SAMPLE_RATE
                last_partial = ""
                if final is not None:
                    yield final
            else:
                text = _join(json.loads(rec.PartialResult()).get("partial", ""))
                if text and text != last_partial:
                    last_partial = text
                    yield Partial(to_simplified(text), utterance_start)
        final = self._final(json.loads(rec.FinalResult()), utterance_start, pos, kept, kept_from)
        if final is not None:
            yield final

    def _final(
        self, result: dict[str, Any], fallback_start: float, pos: int, kept: list[np.ndarray], kept_from: int
    ) -> Final | None:
        words = tuple(
            Word(to_simplified(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in result.get("result", [])
        )
        text = to_simplified(_join(result.get("text", "")))
        if not text:
            return None
        if self.corrector:
            text, _c = self.corrector.correct(text)
        start = words[0].start if words else fallback_start
        end = words[-1].end if words else pos / SAMPLE_RATE
        speaker = None
        if self.labeler is not None and kept:
            audio = np.concatenate(kept)
            a = max(0, int(start * SAMPLE_RATE) - kept_from)
            b = max(a, int(end * SAMPLE_RATE) - kept_from)
            speaker = self.labeler.label(audio[a:b])
        return Final(start, end, text, words, speaker)

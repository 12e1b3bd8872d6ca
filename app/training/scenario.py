"""Scenario practice (情景演练): a role-play spoken by an enrolled person, recorded and transcribed through
the interview capture pipeline and scored with the interview analysis against the scenario's key points.

The pieces are the interview ones, not copies: audio comes from ``app.speech.audio`` (microphone or a WAV
file) or from the sound track of a video file, is written crash-safe by
``app.services.capture.audio_stream`` while the whisper engine transcribes the same stream, and each
scenario question is scored by ``app.analysis.scoring.assess_answer`` on the timed transcript (so speech
rate, pauses, fillers and empathy count, as in an interview). Everything here is a generator or a pure
function; storing the result is the training service's job.

A role-play is one continuous speech, so the whole transcript is scored against every question of the
scenario. Speaker separation is not used: everything heard is taken as the trainee's speech, and the
practice partner (trainer) should therefore keep their lines short; the dialog says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.analysis.model import AnswerAssessment, QuestionSpec, Segment, Word
from app.errors import InvalidInput
from app.i18n import _
from app.speech.audio import SAMPLE_RATE, AudioChunk
from app.speech.engine import Final, SpeechEngine
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from app.training.quiz import COMPONENT_LABELS, GradedItem, QuizGrade, QuizQuestion

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4a", ".mp3", ".aac", ".flac", ".ogg"})
MEDIA_FILTER_SUFFIXES = (".wav", *sorted(VIDEO_SUFFIXES))
MIN_SPEECH_SECONDS = 0.5
PRACTICE_KEY = "_practice"
"""Key of the practice record inside ``quiz_attempts.answers`` (the other keys are question version ids)."""


@dataclass(frozen=True)
class PracticeSegment:
    start: float
    end: float
    text: str

    def to_json(self) -> dict[str, object]:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


@dataclass(frozen=True)
class Transcription:
    segments: tuple[PracticeSegment, ...]
    audio_seconds: float
    engine: str
    words: tuple[tuple[Word, ...], ...] = ()  # per segment, when the engine gives word times

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments).strip()

    def analysis_segments(self) -> tuple[Segment, ...]:
        words = self.words or tuple(() for _s in self.segments)
        return tuple(Segment(s.text, s.start, s.end, "candidate", w)
                     for s, w in zip(self.segments, words, strict=True))


@dataclass(frozen=True)
class PracticeScore:
    grade: QuizGrade
    assessments: tuple[AnswerAssessment, ...]


# ------------------------------------------------------------------------------------------ sources


def media_source(path: Path | str, *, chunk_seconds: float = 0.5,
                 cancel: CancelToken = NEVER_CANCELLED) -> Iterator[AudioChunk]:
    """16 kHz mono chunks of a WAV file (through ``wav_source``) or of the sound track of a video file."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(_("File not found: {path}.").format(path=path))
    suffix = path.suffix.lower()
    if suffix == ".wav":
        from app.speech.audio import wav_source

        yield from wav_source(path, chunk_seconds=chunk_seconds, cancel=cancel)
        return
    if suffix not in VIDEO_SUFFIXES:
        raise InvalidInput(_("{name} is not a sound or video file HR Desk can read; use a WAV, MP4, AVI, MOV or MKV "
                             "file.").format(name=path.name))
    yield from _decoded_source(path, chunk_seconds, cancel)


def _decoded_source(path: Path, chunk_seconds: float, cancel: CancelToken) -> Iterator[AudioChunk]:
    """The first audio stream of a video/audio container, decoded with PyAV (ships with faster-whisper)."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        raise InvalidInput(_("{name} cannot be read as a video or sound file: {error}").format(
            name=path.name, error=exc)) from exc
    try:
        if not container.streams.audio:
            raise InvalidInput(_("{name} has no sound track; record the practice with sound.").format(name=path.name))
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        size = max(1, int(round(chunk_seconds * SAMPLE_RATE)))
        buf = np.zeros(0, dtype=np.int16)
        pos = 0

        def frames() -> Iterator[np.ndarray]:
            try:
                for frame in container.decode(audio=0):
                    cancel.raise_if_cancelled()
                    for out in resampler.resample(frame):
                        yield out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                for out in resampler.resample(None):
                    yield out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
            except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
                raise InvalidInput(_("{name} is damaged: {error}").format(name=path.name, error=exc)) from exc

        for samples in frames():
            buf = np.concatenate([buf, samples])
            while len(buf) >= size:
                yield AudioChunk(buf[:size].copy(), pos / SAMPLE_RATE)
                pos += size
                buf = buf[size:]
        if len(buf):
            yield AudioChunk(buf.copy(), pos / SAMPLE_RATE)
    finally:
        container.close()


def until_stopped(source: Iterable[AudioChunk], stop: CancelToken) -> Iterator[AudioChunk]:
    """Pass chunks through until ``stop`` is set; then close the source (the microphone's Stop button).

    Unlike cancelling, stopping keeps what was said: the recording is finished and scored."""
    it = iter(source)
    try:
        for chunk in it:
            if stop.cancelled:
                break
            yield chunk
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


# ------------------------------------------------------------------------------------------ transcription


def record_and_transcribe(
    source: Iterable[AudioChunk],
    wav_path: Path | None,
    engine: SpeechEngine,
    *,
    on_final: Callable[[PracticeSegment], None] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Transcription:
    """Record ``source`` crash-safe to ``wav_path`` (None: consent to keep the recording was not given, so
    nothing is written) while the engine transcribes the same stream, as on the interview recording page."""
    from app.services.capture import audio_stream

    seconds = 0.0

    def counted() -> Iterator[AudioChunk]:
        nonlocal seconds
        for chunk in audio_stream(source, wav_path, cancel=cancel):
            seconds = chunk.end
            yield chunk

    segments: list[PracticeSegment] = []
    words: list[tuple[Word, ...]] = []
    for r in engine.transcribe(counted(), cancel=cancel):
        cancel.raise_if_cancelled()
        if not isinstance(r, Final) or not r.text.strip():
            continue
        seg = PracticeSegment(float(r.start), float(r.end), r.text.strip())
        segments.append(seg)
        words.append(tuple(Word(w.text, float(w.start), float(w.end)) for w in r.words))
        progress(int(seg.end), 0, _("Transcribing… {seconds:.0f} s").format(seconds=seg.end))
        if on_final is not None:
            on_final(seg)
    log.info("practice transcribed: %.1f s of audio, %d segments (%s)", seconds, len(segments),
             getattr(engine, "name", "?"))
    return Transcription(tuple(segments), seconds, getattr(engine, "name", ""), tuple(words))


# ------------------------------------------------------------------------------------------ scoring


def question_spec(q: QuizQuestion) -> QuestionSpec:
    return QuestionSpec(id=q.code, text=q.text, type=q.qtype or "情景题", dimensions=(q.dimension,),
                        key_points=q.key_points, reference_answer=q.reference_answer, key_terms=q.key_terms,
                        clinical_scenario=q.clinical_scenario)


def score_practice(questions: Sequence[QuizQuestion], transcription: Transcription, pass_score: float = 60.0,
                   *, cancel: CancelToken = NEVER_CANCELLED) -> PracticeScore:
    """Every scenario question is scored on the whole timed transcript by the interview analysis."""
    if not questions:
        raise InvalidInput(_("The scenario has no questions; add scenario questions from the question bank first."))
    segments = transcription.analysis_segments()
    items: list[GradedItem] = []
    assessments: list[AnswerAssessment] = []
    from app.analysis.scoring import assess_answer  # jieba and the lexicon: loaded when first needed

    for q in questions:
        cancel.raise_if_cancelled()
        a = assess_answer(question_spec(q), segments, cancel=cancel)
        assessments.append(a)
        items.append(_graded(q, a, transcription.text))
    return PracticeScore(QuizGrade(tuple(items), pass_score), tuple(assessments))


def _graded(q: QuizQuestion, a: AnswerAssessment, text: str) -> GradedItem:
    if not text:
        return GradedItem(q.version_id, q.code, "scenario", q.dimension, "", 0.0,
                          (_("Nothing was said that could be transcribed."),))
    score = a.score_for(q.dimension)
    fraction = round((score if score is not None else 0.0) / 10.0, 3)
    lines = [_("score {score:.1f} / 10 for {dimension}").format(score=fraction * 10, dimension=q.dimension)]
    for p in a.coverage.points:
        label = {"covered": _("covered"), "partial": _("partly covered")}.get(p.status, _("missed"))
        lines.append(f"{label}：{p.key_point.text}")
    comm = a.communication
    if comm.rate_chars_per_min is not None:
        lines.append(_("speech rate {rate:.0f} characters per minute").format(rate=comm.rate_chars_per_min))
    if comm.long_pauses:
        lines.append(_("{n} long pauses").format(n=len(comm.long_pauses)))
    if comm.fillers:
        lines.append(_("filler words: {words}").format(words="、".join(f"{w}×{n}" for w, n in comm.fillers)))
    if comm.empathy:
        lines.append(_("empathy shown: {quote}").format(quote=comm.empathy[0].text))
    for dim in a.dimensions:
        for comp in dim.components:
            if comp.weight > 0:
                lines.append(_("{component}: {value:.2f} × weight {weight:.2f}").format(
                    component=_(COMPONENT_LABELS.get(comp.name, comp.name)), value=comp.value, weight=comp.weight))
        for rule in dim.rules:
            lines.append(f"{rule.text} ({rule.detail})")
    lines += list(a.warnings)
    return GradedItem(q.version_id, q.code, "scenario", q.dimension, text[:4000], fraction, tuple(lines))


def vocabulary(questions: Sequence[QuizQuestion]) -> tuple[str, ...]:
    """Key terms of the scenario, for the recogniser's hot-word correction."""
    return tuple(dict.fromkeys(t.strip() for q in questions for t in q.key_terms if t.strip()))

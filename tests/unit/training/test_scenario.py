"""Scenario practice core: media sources (WAV and the sound track of a video), stopping a live source,
and scoring a timed transcript with the interview analysis (no speech model needed here)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from app.errors import InvalidInput
from app.speech.audio import AudioChunk, read_wav_info
from app.speech.engine import Final, Word
from app.tasks import CancelToken
from app.training.quiz import QuizQuestion
from app.training.scenario import (
    PracticeSegment,
    Transcription,
    media_source,
    record_and_transcribe,
    score_practice,
    until_stopped,
    vocabulary,
)
from tests.support import shared_data

FAMILY = QuizQuestion(
    7, "scn-fam", "一位患者家属在走廊里情绪激动，担心手术出了问题。请安抚家属并说明情况。", "沟通能力", "情景题",
    key_points=("先表达理解家属的担心", "请家属到谈话室坐下来说", "说明会请主治医生当面解释手术情况"),
    key_terms=("共情", "谈话室"),
)


def _transcription(*texts: str, gap: float = 0.4) -> Transcription:
    segs, t = [], 0.0
    for text in texts:
        dur = max(1.0, len(text) / 4.5)  # about 270 characters a minute
        segs.append(PracticeSegment(t, t + dur, text))
        t += dur + gap
    return Transcription(tuple(segs), t, "test")


def test_wav_and_video_sources_give_16k_mono_chunks_of_the_whole_clip() -> None:
    wav = shared_data("media/speech/old_funasr_asr_example.wav")
    chunks = list(media_source(wav, chunk_seconds=0.5))
    assert all(c.samples.dtype == np.int16 for c in chunks)
    assert chunks[-1].end == pytest.approx(read_wav_info(wav).duration, abs=0.01)
    video = shared_data("media/video/SadTalker_WDA_AlexandriaOcasioCortez_000.mp4")  # 8.0 s, 16 kHz track
    vchunks = list(media_source(video, chunk_seconds=0.5))
    assert vchunks[-1].end == pytest.approx(8.0, abs=0.1)
    assert [c.start for c in vchunks[:3]] == [0.0, 0.5, 1.0]
    assert max(int(np.abs(c.samples).max()) for c in vchunks) > 1000  # real sound, not silence


def test_unreadable_files_are_refused_with_a_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.docx").write_bytes(b"PK")
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    for name in ("a.docx", "broken.mp4", "missing.wav"):
        with pytest.raises(InvalidInput):
            list(media_source(tmp_path / name))


def test_until_stopped_ends_the_stream_and_closes_the_source() -> None:
    closed: list[bool] = []

    def endless() -> Iterator[AudioChunk]:
        n = 0
        try:
            while True:
                yield AudioChunk(np.zeros(1600, np.int16), n * 0.1)
                n += 1
        finally:
            closed.append(True)

    stop = CancelToken()
    got = []
    for chunk in until_stopped(endless(), stop):
        got.append(chunk)
        if len(got) == 5:
            stop.cancel()
    assert len(got) == 5 and closed == [True]


class _FakeEngine:
    """Stands in for whisper only to check the recording side; it 'hears' one final per second of audio."""

    name = "fake"

    def transcribe(self, chunks, *, cancel=None):  # type: ignore[no-untyped-def]
        t = 0.0
        for c in chunks:
            if c.end - t >= 1.0:
                yield Final(t, c.end, "我理解您的担心", (Word("我理解", t, t + 0.5),))
                t = c.end


def test_record_and_transcribe_writes_the_crash_safe_wav_and_collects_finals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    wav = shared_data("media/speech/wenet_nst_ID001.wav")
    out = tmp_path / "practice.wav"
    seen: list[PracticeSegment] = []
    tr = record_and_transcribe(media_source(wav), out, _FakeEngine(), on_final=seen.append)  # type: ignore[arg-type]
    assert out.is_file() and read_wav_info(out).duration == pytest.approx(read_wav_info(wav).duration, abs=0.01)
    assert tr.audio_seconds == pytest.approx(read_wav_info(wav).duration, abs=0.01)
    assert len(tr.segments) == 3 and list(tr.segments) == seen and tr.engine == "fake"
    assert tr.analysis_segments()[0].words[0].text == "我理解"
    # without consent to keep the recording nothing is written
    none = record_and_transcribe(media_source(wav), None, _FakeEngine())  # type: ignore[arg-type]
    assert none.segments == tr.segments and list(tmp_path.iterdir()) == [out]


def test_practice_scoring_follows_the_key_points_and_explains_itself() -> None:
    good = _transcription("阿姨，我理解您的担心，手术时间长一些确实让人着急。",
                          "我们先到谈话室坐下来说，这里人多。",
                          "我马上请主治医生过来，当面给您解释手术的情况。")
    part = _transcription("阿姨，我理解您的担心，手术时间长一些确实让人着急。")
    off = _transcription("今天天气不错，食堂的饭菜也还可以。")
    s_good, s_part, s_off = (score_practice([FAMILY], t) for t in (good, part, off))
    assert s_good.grade.score > s_part.grade.score > s_off.grade.score
    item = s_good.grade.items[0]
    assert item.kind == "scenario" and item.dimension == "沟通能力" and item.given == good.text
    text = "\n".join(item.explanation)
    assert FAMILY.key_points[1] in text and FAMILY.key_points[2] in text
    assert s_good.assessments[0].communication.rate_chars_per_min is not None  # timed speech: a speech rate
    assert s_good.grade.dimension_scores() == {"沟通能力": pytest.approx(item.auto * 10, abs=0.01)}
    # nothing said: zero with the reason, never an error
    empty = score_practice([FAMILY], Transcription((), 3.0, "test"))
    assert empty.grade.score == 0.0 and empty.grade.items[0].explanation
    with pytest.raises(InvalidInput):
        score_practice([], good)
    assert vocabulary([FAMILY, FAMILY]) == ("共情", "谈话室")


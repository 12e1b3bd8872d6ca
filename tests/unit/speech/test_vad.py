from __future__ import annotations

import numpy as np
import pytest

from app.speech.audio import read_wav_16k
from app.speech.vad import UtteranceSegmenter, VadParams
from tests.unit.speech.conftest import clip


def _segment(audio: np.ndarray, params: VadParams = VadParams(), step: int = 1600) -> list:
    seg = UtteranceSegmenter(params)
    out = []
    for i in range(0, len(audio), step):
        out += list(seg.push(audio[i : i + step]))
    return out + list(seg.flush())


def test_two_speakers_with_a_pause_give_two_utterances() -> None:
    a = read_wav_16k(clip("old_wenet_aishell-BAC009S0724W0121.wav"))
    b = read_wav_16k(clip("fireredasr_IT0011W0001.wav"))
    gap = np.zeros(16000 * 2, dtype=np.int16)
    audio = np.concatenate([gap, a, gap, b, gap])
    utts = _segment(audio)
    assert len(utts) == 2
    first, second = utts
    b_start = (len(gap) * 2 + len(a)) / 16000
    assert 2.0 - 0.35 <= first.start and first.end <= b_start
    assert second.start >= (len(gap) + len(a)) / 16000 and second.end <= len(audio) / 16000
    # the samples are the stream's own samples at the stated times
    s = int(round(second.start * 16000))
    assert np.array_equal(second.samples, audio[s : s + len(second.samples)])


def test_silence_gives_nothing_and_long_speech_is_cut() -> None:
    assert _segment(np.zeros(16000 * 5, dtype=np.int16)) == []
    speech = read_wav_16k(clip("sherpa_qwen3asr_fast1.wav"))  # 11 s of fast speech without pauses
    utts = _segment(speech, VadParams(max_utterance=5.0))
    assert len(utts) >= 2
    assert all(u.end - u.start <= 5.0 + 0.4 for u in utts)
    covered = sum(len(u.samples) for u in utts) / 16000
    assert covered == pytest.approx(len(speech) / 16000, abs=1.5)


def test_chunk_size_does_not_change_the_result() -> None:
    audio = read_wav_16k(clip("sherpa_funasrnano_far_3.wav"))
    a = [(round(u.start, 3), len(u.samples)) for u in _segment(audio, step=1600)]
    b = [(round(u.start, 3), len(u.samples)) for u in _segment(audio, step=8000)]
    assert a == b and len(a) >= 4

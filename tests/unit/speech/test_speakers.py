"""Speaker x-vectors (vosk-model-spk-0.4) extracted through the Korean recogniser on real Mandarin clips."""

from __future__ import annotations

import numpy as np
import pytest

from app.speech.audio import read_wav_16k
from app.speech.engine import CANDIDATE, INTERVIEWER
from app.speech.speakers import SpeakerLabeler, XVectorExtractor, cosine
from tests.support import require_model
from tests.unit.speech.conftest import clip, korean_vosk_model

pytestmark = [pytest.mark.needs_models, pytest.mark.slow]


@pytest.fixture(scope="module")
def extractor() -> XVectorExtractor:
    return XVectorExtractor(korean_vosk_model(), require_model("vosk-model-spk-0.4"))


def _halves(name: str) -> tuple[np.ndarray, np.ndarray]:
    a = read_wav_16k(clip(name))
    return a[: len(a) // 2], a[len(a) // 2 :]


def test_same_speaker_is_closer_than_a_different_speaker(extractor: XVectorExtractor) -> None:
    names = ["masr_test.wav", "sherpa_paraformer_6.wav", "sherpa_paraformer_7.wav"]
    vecs = {n: [extractor(h) for h in _halves(n)] for n in names}
    for n in names:
        assert all(v is not None and v.shape == (128,) for v in vecs[n])
        same = cosine(vecs[n][0], vecs[n][1])
        for other in names:
            if other != n:
                assert same > cosine(vecs[n][0], vecs[other][1]) + 0.1, (n, other)


def test_too_little_speech_gives_no_vector(extractor: XVectorExtractor) -> None:
    assert extractor(np.zeros(16000 * 2, dtype=np.int16)) is None
    assert extractor(read_wav_16k(clip("masr_test.wav"))[:4000]) is None


def test_enrolled_interviewer_is_told_from_the_candidate(extractor: XVectorExtractor) -> None:
    labeler = SpeakerLabeler(extractor)
    interviewer_a, interviewer_b = _halves("masr_test.wav")
    candidate_a, candidate_b = _halves("sherpa_paraformer_6.wav")
    labeler.enroll(interviewer_a)
    assert labeler.label(candidate_a) == CANDIDATE
    assert labeler.label(interviewer_b) == INTERVIEWER
    assert labeler.label(candidate_b) == CANDIDATE


def test_without_enrolment_speakers_are_numbered(extractor: XVectorExtractor) -> None:
    labeler = SpeakerLabeler(extractor)
    a1, a2 = _halves("masr_test.wav")
    b1, b2 = _halves("sherpa_paraformer_6.wav")
    assert [labeler.label(x) for x in (a1, b1, a2, b2)] == ["S1", "S2", "S1", "S2"]

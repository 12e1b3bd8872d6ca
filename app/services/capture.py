"""Live interview capture: consent, recording sessions, live transcript, recovery, re-transcription.

Rules this service enforces (个人信息保护法 第二十八、二十九条 — voice and face are sensitive personal
information and need separate consent):

- consent is stored, with its time, before a recording session can start; audio is written only
  with ``consent_audio``, video only with ``consent_video``, per-second observations only with
  ``consent_video`` and ``consent_ai``; a candidate who declines everything still gets a session
  (typed notes and marks only);
- every live final is one small write (``add_segment``), so a crash loses at most the utterance
  being recognised; the WAV is flushed every second and the video is written in short segments;
- a session still in state ``recording`` after a restart is an interrupted one: ``interrupted()``
  lists them and ``recover()`` repairs the WAV header, joins the video segments and transcribes
  the audio after the last stored segment.

The stream side is plain generators (:func:`audio_stream`, :func:`video_events`) run by the GUI's
stream threads (``ui/workers_stream.py``) or by :func:`run_session` (tests, demo, benchmark).
"""

from __future__ import annotations

import logging
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from app.db.tables import (
    Candidate,
    Interview,
    InterviewObservation,
    InterviewQuestion,
    InterviewRecording,
    Person,
    Position,
    SpeakerProfile,
    TranscriptSegment,
)
from app.errors import Conflict, InvalidInput, NotFound, StorageError
from app.i18n import _
from app.paths import DataDir
from app.services.base import Service
from app.services.questions import AskedQuestion, QuestionBankService
from app.speech.audio import SAMPLE_RATE, AudioChunk
from app.speech.engine import Final, Partial, SpeechEngine
from app.speech.recorder import DiskSpace, disk_space, low_space_message
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

VERSIONS = ("live", "retranscribed", "edited")
VIDEO_SEGMENT_SECONDS = 10.0
"""Short video segments: a crash loses at most the unflushed tail of one."""
VIDEO_FPS = 15.0
DISK_CHECK_SECONDS = 10.0
# Video (XVID 640x480 at 15 fps) takes roughly 1 MB per second; audio 32 kB per second.
VIDEO_BYTES_PER_SECOND = 1_000_000
AUDIO_BYTES_PER_SECOND = SAMPLE_RATE * 2

CONSENT_TEXT_MSGID = (
    "Before this interview starts, the hospital asks for your consent under articles 28 and 29 of the "
    "Personal Information Protection Law. Your voice and your face are sensitive personal information.\n\n"
    "1. Audio recording: the interview is recorded and written down as text, so that the interviewers "
    "can check what was said.\n"
    "2. Video recording: the interview is filmed.\n"
    "3. AI analysis: the computer analyses the transcript and, if filmed, where you look and your facial "
    "expression, once per second. No picture is kept by the analysis; the interviewers make the decision.\n\n"
    "You may agree to each item separately or to none of them. Declining does not affect your interview: "
    "the interviewers then take written notes. Recordings are kept for {days} days if you are not hired and "
    "then deleted. You may ask HR at any time to see or delete them."
)


def consent_text(retention_days: int = 180) -> str:
    """The consent notice read to (or by) the candidate, in the UI language."""
    return _(CONSENT_TEXT_MSGID).format(days=retention_days)


# ------------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class Consent:
    audio: bool
    video: bool
    ai: bool
    at: datetime | None

    @property
    def given(self) -> bool:
        """The candidate has answered (yes or no to each item)."""
        return self.at is not None

    @property
    def observations(self) -> bool:
        return self.video and self.ai


@dataclass(frozen=True)
class QuestionState:
    question: AskedQuestion
    mark: float | None
    notes: str


@dataclass(frozen=True)
class InterviewChoice:
    id: int
    candidate: str
    position: str
    scheduled_at: datetime | None
    state: str


@dataclass(frozen=True)
class RecordingInfo:
    id: int
    interview_id: int
    audio_path: Path | None  # absolute; None: audio not consented
    video_dir: Path | None  # absolute; None: video not consented
    state: str
    started_at: datetime | None
    ended_at: datetime | None
    audio_seconds: float
    engine: str
    video_stem: str = "video"

    @property
    def video_file(self) -> Path | None:
        """The joined video (present after finish or recovery)."""
        return self.video_dir / "video.avi" if self.video_dir is not None else None


@dataclass(frozen=True)
class CaptureSetup:
    interview_id: int
    candidate: str
    position: str
    department_kind: str
    interviewers: str
    scheduled_at: datetime | None
    state: str
    consent: Consent
    questions: tuple[QuestionState, ...]
    vocabulary: tuple[str, ...]
    recordings: tuple[RecordingInfo, ...]
    segments: int

    @property
    def open_recording(self) -> RecordingInfo | None:
        return next((r for r in self.recordings if r.state == "recording"), None)

    @property
    def finished_recording(self) -> RecordingInfo | None:
        done = [r for r in self.recordings if r.state in ("finished", "recovered")]
        return done[-1] if done else None


@dataclass(frozen=True)
class SegmentRow:
    id: int
    version: str
    start_s: float
    end_s: float
    speaker: str
    text: str
    question_index: int | None


@dataclass(frozen=True)
class SegmentEdit:
    start_s: float
    end_s: float
    speaker: str
    text: str
    question_index: int | None


@dataclass(frozen=True)
class InterruptedRecording:
    recording_id: int
    interview_id: int
    candidate: str
    position: str
    started_at: datetime | None
    audio_bytes: int
    video_segments: int
    segments: int


@dataclass(frozen=True)
class RecoveryReport:
    recording_id: int
    interview_id: int
    audio_seconds: float
    header_repaired: bool
    video_frames: int
    video_segments: int
    live_segments: int
    tail_segments: int
    tail_note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "recording_id": self.recording_id, "interview_id": self.interview_id,
            "audio_seconds": round(self.audio_seconds, 2), "header_repaired": self.header_repaired,
            "video_frames": self.video_frames, "video_segments": self.video_segments,
            "live_segments": self.live_segments, "tail_segments": self.tail_segments, "tail_note": self.tail_note,
        }


@dataclass(frozen=True)
class SpeakerProfileRow:
    id: int
    name: str
    model: str
    dims: int


@dataclass(frozen=True)
class ObservationValues:
    """One second of video observations (the fields of ``app.vision.analysis.SecondSummary``)."""

    second: int
    pct_face_present: float
    pct_looking_at_camera: float
    pct_smiling: float
    pct_frowning: float
    mean_yaw_deg: float | None
    mean_pitch_deg: float | None
    head_motion: float | None
    body_motion: float | None

    @classmethod
    def of(cls, summary: Any, offset: int = 0) -> ObservationValues:
        return cls(int(summary.second) + offset, summary.pct_face_present, summary.pct_looking_at_camera,
                   summary.pct_smiling, summary.pct_frowning, summary.mean_yaw_deg, summary.mean_pitch_deg,
                   summary.head_motion, summary.body_motion)


CHANGES_SEGMENTS = ChangeSet.of("transcript_segments")
CHANGES_SESSION = ChangeSet.of("interviews", "interview_recordings", "transcript_segments", "interview_questions")


def _utc(dt_: datetime | None) -> datetime | None:
    if dt_ is None:
        return None
    return dt_ if dt_.tzinfo else dt_.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------------------
# Service


class CaptureService(Service):
    def __init__(self, factory: Any, data: DataDir, questions: QuestionBankService | None = None) -> None:
        super().__init__(factory)
        self.data = data
        self.questions = questions or QuestionBankService(factory)

    # ---------------------------------------------------------------- reading
    def interviews(self) -> list[InterviewChoice]:
        """Interviews that can be recorded or reviewed here, newest first."""
        with self._uow() as s:
            rows = s.execute(
                select(Interview.id, Person.name, Position.title, Interview.scheduled_at, Interview.state)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Person, Candidate.person_id == Person.id)
                .join(Position, Interview.position_id == Position.id)
                .order_by(Interview.scheduled_at.desc(), Interview.id.desc())
            ).all()
            return [InterviewChoice(i, n, t, _utc(at), st) for i, n, t, at, st in rows]

    def setup(self, interview_id: int) -> CaptureSetup:
        asked = self.questions.asked(interview_id)
        with self._uow() as s:
            iv = s.get(Interview, interview_id)
            if iv is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            cand = s.get(Candidate, iv.candidate_id)
            person = s.get(Person, cand.person_id) if cand else None
            pos = s.get(Position, iv.position_id)
            marks = {
                q.position_in_plan: (q.interviewer_mark, q.notes)
                for q in s.scalars(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview_id))
            }
            recs = s.scalars(select(InterviewRecording).where(InterviewRecording.interview_id == interview_id)
                             .order_by(InterviewRecording.id)).all()
            n_segments = s.scalar(select(func.count()).select_from(TranscriptSegment)
                                  .where(TranscriptSegment.interview_id == interview_id)) or 0
            requirements = pos.requirements if pos else {}
            vocab: list[str] = []
            for q in asked:
                vocab.extend(q.key_terms)
            for key in ("terms", "keywords", "skills", "vocabulary"):
                value = requirements.get(key) if isinstance(requirements, dict) else None
                if isinstance(value, list):
                    vocab.extend(str(v) for v in value if isinstance(v, str))
            return CaptureSetup(
                interview_id=iv.id,
                candidate=person.name if person else "",
                position=pos.title if pos else "",
                department_kind=pos.job_family if pos else "",
                interviewers=iv.interviewers,
                scheduled_at=_utc(iv.scheduled_at),
                state=iv.state,
                consent=Consent(bool(iv.consent_audio), bool(iv.consent_video), bool(iv.consent_ai), _utc(iv.consent_at)),
                questions=tuple(QuestionState(q, *marks.get(q.position_in_plan, (None, ""))) for q in asked),
                vocabulary=tuple(dict.fromkeys(v.strip() for v in vocab if v and v.strip())),
                recordings=tuple(self._info(r) for r in recs),
                segments=n_segments,
            )

    def recording(self, recording_id: int) -> RecordingInfo:
        with self._uow() as s:
            rec = s.get(InterviewRecording, recording_id)
            if rec is None:
                raise NotFound(_("The recording no longer exists. Reload the list."))
            return self._info(rec)

    def segments(self, interview_id: int, version: str | None = None) -> list[SegmentRow]:
        """Segments of one version (default: the best one present: edited > retranscribed > live)."""
        with self._uow() as s:
            if version is None:
                present = set(s.scalars(select(TranscriptSegment.version).distinct()
                                        .where(TranscriptSegment.interview_id == interview_id)))
                version = next((v for v in reversed(VERSIONS) if v in present), "live")
            rows = s.scalars(select(TranscriptSegment).where(TranscriptSegment.interview_id == interview_id,
                                                             TranscriptSegment.version == version)
                             .order_by(TranscriptSegment.start_s, TranscriptSegment.id)).all()
            return [SegmentRow(r.id, r.version, r.start_s, r.end_s, r.speaker, r.text, r.question_index) for r in rows]

    def versions(self, interview_id: int) -> list[str]:
        with self._uow() as s:
            present = set(s.scalars(select(TranscriptSegment.version).distinct()
                                    .where(TranscriptSegment.interview_id == interview_id)))
        return [v for v in VERSIONS if v in present]

    def observation_count(self, interview_id: int) -> int:
        with self._uow() as s:
            return s.scalar(select(func.count()).select_from(InterviewObservation)
                            .where(InterviewObservation.interview_id == interview_id)) or 0

    # ---------------------------------------------------------------- consent
    def record_consent(self, interview_id: int, *, audio: bool, video: bool, ai: bool) -> ChangeSet:
        """Store the candidate's three separate answers with the time (before anything is captured)."""
        with self._uow(write=True) as s:
            iv = s.get(Interview, interview_id)
            if iv is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            open_rec = s.scalar(select(InterviewRecording.id).where(InterviewRecording.interview_id == interview_id,
                                                                    InterviewRecording.state == "recording"))
            if open_rec is not None:
                raise Conflict(_("The consent cannot change while the interview is being recorded. Stop the "
                                 "recording first."))
            iv.consent_audio, iv.consent_video, iv.consent_ai = bool(audio), bool(video), bool(ai)
            iv.consent_at = datetime.now(UTC)
            log.info("consent stored for interview %d: audio=%s video=%s ai=%s", interview_id, audio, video, ai)
        return ChangeSet.of("interviews")

    def consent(self, interview_id: int) -> Consent:
        with self._uow() as s:
            iv = s.get(Interview, interview_id)
            if iv is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            return Consent(bool(iv.consent_audio), bool(iv.consent_video), bool(iv.consent_ai), _utc(iv.consent_at))

    # ---------------------------------------------------------------- sessions
    def check_disk(self, *, video: bool = True) -> DiskSpace:
        """Free space of the archive, as minutes of recording; raises when too little to start."""
        folder = self.data.archive
        folder.mkdir(parents=True, exist_ok=True)
        space = disk_space(folder)
        per_s = AUDIO_BYTES_PER_SECOND + (VIDEO_BYTES_PER_SECOND if video else 0)
        adjusted = DiskSpace(int(space.free_bytes * AUDIO_BYTES_PER_SECOND / per_s))
        if adjusted.too_low:
            raise StorageError(
                _("Not enough disk space to record: about {minutes} minutes left in {folder}. Free some space first.")
                .format(minutes=int(adjusted.minutes_left), folder=folder)
            )
        return adjusted

    def start_recording(self, interview_id: int, *, engine: str = "") -> RecordingInfo:
        """Open a session for what the candidate consented to; refuses without stored consent."""
        with self._uow(write=True) as s:
            iv = s.get(Interview, interview_id)
            if iv is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            if iv.consent_at is None:
                raise InvalidInput(_("Record the candidate's consent first; nothing is captured before that."))
            recs = s.scalars(select(InterviewRecording).where(InterviewRecording.interview_id == interview_id)).all()
            if any(r.state == "recording" for r in recs):
                raise Conflict(_("This interview has an interrupted recording. Recover it first (it is offered at "
                                 "start-up, or use Recover on the recording page)."))
            if any(r.state in ("finished", "recovered") for r in recs):
                raise Conflict(_("This interview has already been recorded; a second recording would mix up the "
                                 "transcript. Review or re-transcribe the existing one."))
            capture = bool(iv.consent_audio) or bool(iv.consent_video)
            if capture:
                self.check_disk(video=bool(iv.consent_video))
            rec = InterviewRecording(interview_id=interview_id, started_at=datetime.now(UTC), state="recording",
                                     engine=engine if iv.consent_audio else "")
            s.add(rec)
            s.flush()
            if capture:  # in the archive folder (a shared folder when configured), stored relative to it
                folder = self.data.archive / "recordings" / f"interview_{interview_id}" / f"rec_{rec.id}"
                folder.mkdir(parents=True, exist_ok=True)
                if iv.consent_audio:
                    rec.audio_path = self.data.relative(folder / "audio.wav")
                if iv.consent_video:
                    rec.video_dir = self.data.relative(folder / "video")
            log.info("recording %d started (audio=%s video=%s)", rec.id, bool(iv.consent_audio), bool(iv.consent_video))
            return self._info(rec)

    def add_segment(self, interview_id: int, final: Final, question_index: int | None, *,
                    version: str = "live") -> int:
        """Store one recognised segment (one small write)."""
        if version not in VERSIONS:
            raise InvalidInput(_("Unknown transcript version {name}.").format(name=version))
        text = final.text.strip()
        if not text:
            return 0
        with self._uow(write=True) as s:
            row = TranscriptSegment(
                interview_id=interview_id, version=version, start_s=round(final.start, 3), end_s=round(final.end, 3),
                speaker=final.speaker or "", text=text, question_index=question_index,
                words=[[w.text, round(w.start, 3), round(w.end, 3)] for w in final.words],
            )
            s.add(row)
            s.flush()
            return row.id

    def add_observations(self, interview_id: int, seconds: Sequence[ObservationValues]) -> int:
        """Store per-second observations — refused unless the candidate consented to video and AI."""
        if not seconds:
            return 0
        with self._uow(write=True) as s:
            iv = s.get(Interview, interview_id)
            if iv is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            if not (iv.consent_video and iv.consent_ai):
                raise Conflict(_("The candidate did not consent to video analysis; no observation is stored."))
            numbers = [o.second for o in seconds]
            s.execute(delete(InterviewObservation).where(InterviewObservation.interview_id == interview_id,
                                                         InterviewObservation.second.in_(numbers)))
            for o in seconds:
                s.add(InterviewObservation(
                    interview_id=interview_id, second=o.second, pct_face_present=o.pct_face_present,
                    pct_looking_at_camera=o.pct_looking_at_camera, pct_smiling=o.pct_smiling,
                    pct_frowning=o.pct_frowning, mean_yaw_deg=o.mean_yaw_deg, mean_pitch_deg=o.mean_pitch_deg,
                    head_motion=o.head_motion or 0.0, body_motion=o.body_motion or 0.0))
        return len(seconds)

    def set_mark(self, interview_id: int, position_in_plan: int, mark: float | None) -> ChangeSet:
        if mark is not None and not 0 <= mark <= 10:
            raise InvalidInput(_("A mark must be between 0 and 10."))
        with self._uow(write=True) as s:
            q = self._plan_row(s, interview_id, position_in_plan)
            q.interviewer_mark = mark
        return ChangeSet.of("interview_questions")

    def set_notes(self, interview_id: int, position_in_plan: int, notes: str) -> ChangeSet:
        with self._uow(write=True) as s:
            q = self._plan_row(s, interview_id, position_in_plan)
            q.notes = notes
        return ChangeSet.of("interview_questions")

    def set_session_notes(self, recording_id: int, notes: str) -> ChangeSet:
        """Typed notes of the whole session (kept even when nothing was recorded)."""
        with self._uow(write=True) as s:
            rec = s.get(InterviewRecording, recording_id)
            if rec is None:
                raise NotFound(_("The recording no longer exists. Reload the list."))
            rec.notes = notes
        return ChangeSet.of("interview_recordings")

    def finish_recording(self, recording_id: int, *, notes: str | None = None,
                         progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RecordingInfo:
        """Close a session: files completed (video segments joined), state finished, interview recorded."""
        info = self.recording(recording_id)
        seconds, _repaired, frames, _nseg = self._finalise_files(info, progress, cancel)
        with self._uow(write=True) as s:
            rec = s.get(InterviewRecording, recording_id)
            assert rec is not None
            rec.state = "finished"
            rec.ended_at = datetime.now(UTC)
            rec.audio_seconds = seconds
            if notes is not None:
                rec.notes = notes
            iv = s.get(Interview, rec.interview_id)
            if iv is not None and iv.state == "planned":
                iv.state = "recorded"
            log.info("recording %d finished: %.1f s audio, %d video frames", recording_id, seconds, frames)
            return self._info(rec)

    # ---------------------------------------------------------------- recovery
    def interrupted(self) -> list[InterruptedRecording]:
        """Sessions left in state 'recording' (the program was closed, killed or lost power)."""
        out: list[InterruptedRecording] = []
        with self._uow() as s:
            rows = s.execute(
                select(InterviewRecording, Person.name, Position.title)
                .join(Interview, InterviewRecording.interview_id == Interview.id)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Person, Candidate.person_id == Person.id)
                .join(Position, Interview.position_id == Position.id)
                .where(InterviewRecording.state == "recording").order_by(InterviewRecording.id)
            ).all()
            counts = dict(s.execute(select(TranscriptSegment.interview_id, func.count())
                                    .where(TranscriptSegment.version == "live")
                                    .group_by(TranscriptSegment.interview_id)).all())
            for rec, name, title in rows:
                info = self._info(rec)
                size = info.audio_path.stat().st_size if info.audio_path and info.audio_path.is_file() else 0
                nseg = len(_segments_of(info))
                out.append(InterruptedRecording(rec.id, rec.interview_id, name, title, _utc(rec.started_at), size,
                                                nseg, counts.get(rec.interview_id, 0)))
        return out

    def recover(
        self,
        recording_id: int,
        *,
        engine: SpeechEngine | None = None,
        transcribe_tail: bool = True,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> RecoveryReport:
        """Repair an interrupted session: WAV header, video segments joined, transcript up to the last second.

        The audio after the last stored live segment is transcribed (with ``engine`` or the engine of the
        settings) when a speech model is installed; without one the note says so and the rest is kept.
        """
        info = self.recording(recording_id)
        if info.state != "recording":
            raise Conflict(_("This recording is not interrupted; nothing to recover."))
        progress(0, 3, _("Repairing the audio file…"))
        seconds, repaired, frames, nseg = self._finalise_files(info, progress, cancel)
        with self._uow() as s:
            last = s.execute(select(TranscriptSegment.end_s, TranscriptSegment.question_index)
                             .where(TranscriptSegment.interview_id == info.interview_id,
                                    TranscriptSegment.version == "live")
                             .order_by(TranscriptSegment.end_s.desc())).first()
            live = s.scalar(select(func.count()).select_from(TranscriptSegment)
                            .where(TranscriptSegment.interview_id == info.interview_id,
                                   TranscriptSegment.version == "live")) or 0
        tail, note = 0, ""
        if transcribe_tail and info.audio_path is not None and seconds > 0:
            start = float(last[0]) if last else 0.0
            qi = last[1] if last else None
            if seconds - start >= 0.5:
                progress(2, 3, _("Transcribing the end of the recording…"))
                try:
                    engine = engine or _settings_engine()
                    for fin in _transcribe_range(engine, info.audio_path, start, cancel):
                        self.add_segment(info.interview_id, fin, qi)
                        tail += 1
                except Exception as exc:  # noqa: BLE001 - the recovery of the files must not fail for this
                    from app.speech.engine import ModelMissing

                    if not isinstance(exc, ModelMissing):
                        log.warning("tail transcription failed: %s", type(exc).__name__)
                    note = _("The last {seconds} seconds were not transcribed ({reason}); re-transcribe the "
                             "recording later.").format(seconds=int(seconds - start), reason=exc)
        with self._uow(write=True) as s:
            rec = s.get(InterviewRecording, recording_id)
            assert rec is not None
            rec.state = "recovered"
            rec.audio_seconds = seconds
            started = _utc(rec.started_at) or datetime.now(UTC)
            rec.ended_at = started + timedelta(seconds=seconds) if seconds else datetime.now(UTC)
            iv = s.get(Interview, rec.interview_id)
            if iv is not None and iv.state == "planned":
                iv.state = "recorded"
        progress(3, 3, _("Recording recovered."))
        log.info("recording %d recovered: %.1f s audio, %d frames, %d tail segments", recording_id, seconds, frames, tail)
        return RecoveryReport(recording_id, info.interview_id, seconds, repaired, frames, nseg, live, tail, note)

    def discard_interrupted(self, recording_id: int) -> ChangeSet:
        """Mark an interrupted session as recovered without touching its files (the user chose not to)."""
        with self._uow(write=True) as s:
            rec = s.get(InterviewRecording, recording_id)
            if rec is None:
                raise NotFound(_("The recording no longer exists. Reload the list."))
            rec.state = "recovered"
            rec.ended_at = rec.ended_at or datetime.now(UTC)
        return ChangeSet.of("interview_recordings")

    # ---------------------------------------------------------------- after the interview
    def retranscribe(
        self,
        interview_id: int,
        *,
        engine: SpeechEngine | None = None,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> int:
        """Transcribe the whole recording again with the most accurate engine available and store it as
        the 'retranscribed' version (replacing an earlier one; the live version is kept). Atomic."""
        from app.speech.service import transcribe_file

        setup = self.setup(interview_id)
        rec = setup.finished_recording
        if rec is None or rec.audio_path is None or not rec.audio_path.is_file():
            raise InvalidInput(_("This interview has no audio recording to transcribe."))
        engine = engine or most_accurate_engine(setup.vocabulary)
        transcript = transcribe_file(rec.audio_path, engine=engine, progress=progress, cancel=cancel)
        live = self.segments(interview_id, "live")
        timeline = QuestionTimeline.from_segments(live)
        cancel.raise_if_cancelled()
        with self._uow(write=True) as s:
            s.execute(delete(TranscriptSegment).where(TranscriptSegment.interview_id == interview_id,
                                                      TranscriptSegment.version == "retranscribed"))
            for fin in transcript.segments:
                s.add(TranscriptSegment(
                    interview_id=interview_id, version="retranscribed", start_s=round(fin.start, 3),
                    end_s=round(fin.end, 3), speaker=fin.speaker or _speaker_near(live, fin), text=fin.text,
                    question_index=timeline.at((fin.start + fin.end) / 2),
                    words=[[w.text, round(w.start, 3), round(w.end, 3)] for w in fin.words]))
        return len(transcript.segments)

    def save_edited(self, interview_id: int, segments: Sequence[SegmentEdit]) -> ChangeSet:
        """Store a hand-corrected transcript as the 'edited' version (replacing an earlier edit)."""
        with self._uow(write=True) as s:
            if s.get(Interview, interview_id) is None:
                raise NotFound(_("The interview no longer exists. Reload the list."))
            s.execute(delete(TranscriptSegment).where(TranscriptSegment.interview_id == interview_id,
                                                      TranscriptSegment.version == "edited"))
            for seg in segments:
                if seg.end_s < seg.start_s:
                    raise InvalidInput(_("A segment ends before it starts ({start} s); check the times.").format(
                        start=seg.start_s))
                if seg.text.strip():
                    s.add(TranscriptSegment(interview_id=interview_id, version="edited", start_s=seg.start_s,
                                            end_s=seg.end_s, speaker=seg.speaker, text=seg.text.strip(),
                                            question_index=seg.question_index, words=[]))
        return CHANGES_SEGMENTS

    def export_transcript(self, interview_id: int, path: Path | str, *, version: str | None = None) -> Path:
        """Write the transcript as TXT or DOCX (by the file's extension)."""
        path = Path(path)
        fmt = path.suffix.lower()
        if fmt not in (".txt", ".docx"):
            raise InvalidInput(_("Export the transcript as .txt or .docx, not {suffix}.").format(suffix=path.suffix or "?"))
        setup = self.setup(interview_id)
        rows = self.segments(interview_id, version)
        titles = {q.question.position_in_plan: q.question.text for q in setup.questions}
        lines = transcript_lines(rows, titles)
        header = _("Interview transcript: {candidate}, {position}").format(candidate=setup.candidate,
                                                                             position=setup.position)
        used = rows[0].version if rows else (version or "live")
        sub = _("Version: {version}").format(version=version_label(used))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if fmt == ".txt":
                path.write_text("\n".join([header, sub, ""] + [text for _kind, text in lines]) + "\n", encoding="utf-8")
            else:
                import docx

                doc = docx.Document()
                doc.add_heading(header, level=1)
                doc.add_paragraph(sub)
                for kind, text in lines:
                    if kind == "question":
                        doc.add_heading(text, level=2)
                    else:
                        doc.add_paragraph(text)
                doc.save(str(path))
        except OSError as exc:
            raise StorageError(_("Cannot write {path}: {error}. Choose another folder.").format(
                path=path, error=exc.strerror or exc)) from exc
        return path

    # ---------------------------------------------------------------- speaker profiles
    def speaker_profiles(self) -> list[SpeakerProfileRow]:
        with self._uow() as s:
            return [SpeakerProfileRow(p.id, p.name, p.model, len(p.vector))
                    for p in s.scalars(select(SpeakerProfile).order_by(SpeakerProfile.name))]

    def save_speaker_profile(self, name: str, vector: Sequence[float], model: str) -> ChangeSet:
        name = name.strip()
        if not name:
            raise InvalidInput(_("Enter the interviewer's name for the voice profile."))
        with self._uow(write=True) as s:
            row = s.scalar(select(SpeakerProfile).where(SpeakerProfile.name == name))
            if row is None:
                row = SpeakerProfile(name=name)
                s.add(row)
            row.vector = [float(v) for v in vector]
            row.model = model
        return ChangeSet.of("speaker_profiles")

    def speaker_vector(self, name: str) -> list[float] | None:
        with self._uow() as s:
            row = s.scalar(select(SpeakerProfile).where(SpeakerProfile.name == name.strip()))
            return list(row.vector) if row is not None else None

    # ---------------------------------------------------------------- helpers
    def _plan_row(self, s: Any, interview_id: int, position_in_plan: int) -> InterviewQuestion:
        q = s.scalar(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview_id,
                                                     InterviewQuestion.position_in_plan == position_in_plan))
        if q is None:
            raise NotFound(_("Question {n} is not in this interview's plan.").format(n=position_in_plan))
        return q

    def _info(self, rec: InterviewRecording) -> RecordingInfo:
        return RecordingInfo(
            rec.id, rec.interview_id, self.data.resolve(rec.audio_path) if rec.audio_path else None,
            self.data.resolve(rec.video_dir) if rec.video_dir else None, rec.state, _utc(rec.started_at), _utc(rec.ended_at),
            rec.audio_seconds, rec.engine,
        )

    def _finalise_files(self, info: RecordingInfo, progress: ProgressFn,
                        cancel: CancelToken) -> tuple[float, bool, int, int]:
        """(audio seconds, header repaired, video frames joined, video segments)."""
        from app.speech.recorder import recover_wav

        seconds, repaired = 0.0, False
        if info.audio_path is not None and info.audio_path.is_file() and info.audio_path.stat().st_size > 44:
            result = recover_wav(info.audio_path)
            seconds, repaired = result.seconds, result.repaired
        frames = 0
        segments = _segments_of(info)
        if segments and info.video_file is not None:
            from app.vision.capture import join_segments

            progress(1, 3, _("Joining the video segments…"))
            tmp = info.video_file.with_suffix(".partial.avi")
            try:
                frames = join_segments(segments, tmp, cancel=cancel)
                tmp.replace(info.video_file)
            except InvalidInput:
                log.warning("no readable video frame in %d segments", len(segments))
                tmp.unlink(missing_ok=True)
        return seconds, repaired, frames, len(segments)



def _segments_of(info: RecordingInfo) -> list[Path]:
    if info.video_dir is None:
        return []
    from app.vision.capture import list_segments

    return list_segments(info.video_dir, info.video_stem)


def _speaker_near(live: Sequence[SegmentRow], fin: Final) -> str:
    """The speaker of the live segment that overlaps ``fin`` most (live labels came from the enrolment)."""
    best, overlap = "", 0.0
    for seg in live:
        o = min(seg.end_s, fin.end) - max(seg.start_s, fin.start)
        if o > overlap and seg.speaker:
            best, overlap = seg.speaker, o
    return best


def _settings_engine(vocabulary: Sequence[str] = ()) -> SpeechEngine:
    from app import config
    from app.speech.engine import SpeechSettings, create_engine

    settings = config.load()
    return create_engine(SpeechSettings(engine=settings.speech_engine, model=settings.speech_model or None,
                                        hotwords=tuple(vocabulary)))


def most_accurate_engine(vocabulary: Sequence[str] = ()) -> SpeechEngine:
    """The most accurate installed engine for a whole file: the largest whisper model, else Vosk."""
    from app.speech import models
    from app.speech.engine import ModelMissing, SpeechSettings, create_engine

    order = {"faster-whisper-medium": 0, "faster-whisper-small": 1, "faster-whisper-base": 2, "faster-whisper-tiny": 3}
    found = sorted(models.whisper_models(), key=lambda p: order.get(p.name, 9))
    if found:
        return create_engine(SpeechSettings(engine="whisper", model=str(found[0]), hotwords=tuple(vocabulary)))
    if models.vosk_models():
        return create_engine(SpeechSettings(engine="vosk", hotwords=tuple(vocabulary)))
    raise ModelMissing(_("No speech model is installed, so the recording cannot be transcribed. Copy "
                         "faster-whisper-base into {folder}.").format(folder=models.paths.models_dir_candidates()[0]))


def _transcribe_range(engine: SpeechEngine, wav: Path, start_s: float, cancel: CancelToken) -> Iterator[Final]:
    from app.speech.audio import wav_source

    skip = int(start_s * SAMPLE_RATE)

    def chunks() -> Iterator[AudioChunk]:
        for c in wav_source(wav, chunk_seconds=0.5, cancel=cancel):
            if c.end * SAMPLE_RATE <= skip:
                continue
            a = max(0, skip - int(round(c.start * SAMPLE_RATE)))
            yield AudioChunk(c.samples[a:], max(c.start, start_s))

    for r in engine.transcribe(chunks(), cancel=cancel):
        if isinstance(r, Final):
            yield Final(r.start + start_s, r.end + start_s, r.text, r.words, r.speaker)


# ------------------------------------------------------------------------------------------------
# Question timeline and transcript presentation


@dataclass
class QuestionTimeline:
    """Which plan question was on screen at each moment of the stream (stream seconds)."""

    changes: list[tuple[float, int | None]] = field(default_factory=list)

    def set(self, t: float, index: int | None) -> None:
        self.changes.append((max(0.0, t), index))

    def at(self, t: float) -> int | None:
        current: int | None = None
        for when, index in self.changes:
            if when <= t + 1e-6:
                current = index
            else:
                break
        return current

    @classmethod
    def from_segments(cls, rows: Iterable[SegmentRow]) -> QuestionTimeline:
        tl = cls()
        last: int | None = -1
        for r in sorted(rows, key=lambda r: r.start_s):
            if r.question_index != last:
                tl.set(0.0 if not tl.changes else r.start_s, r.question_index)
                last = r.question_index
        return tl


def version_label(version: str) -> str:
    return {"live": _("live"), "retranscribed": _("re-transcribed"), "edited": _("edited by hand")}.get(version, version)


def speaker_label(speaker: str) -> str:
    return {"interviewer": _("Interviewer"), "candidate": _("Candidate")}.get(speaker, speaker)


def format_clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def transcript_lines(rows: Sequence[SegmentRow], titles: dict[int, str]) -> list[tuple[str, str]]:
    """(kind, text) lines for export: a heading per question, then its segments."""
    out: list[tuple[str, str]] = []
    current: int | None = -1
    for r in rows:
        if r.question_index != current:
            current = r.question_index
            if current is None:
                out.append(("question", _("Outside the plan")))
            else:
                out.append(("question", _("Question {n}: {text}").format(n=current, text=titles.get(current, ""))))
        who = speaker_label(r.speaker)
        stamp = format_clock(r.start_s)
        out.append(("segment", f"[{stamp}] {who}: {r.text}" if who else f"[{stamp}] {r.text}"))
    return out


_NUMBER_RE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|年|个月|月|天|小时|分钟|次|例|台|人|岁|级|mg|ml|mmHg|毫克|毫升|毫米汞柱)?"
    r"|[一二三四五六七八九十百千万两]+(?:年|个月|天|小时|分钟|次|例|台|人|岁)"
)


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str  # term / tool / number


_TOOL_TAGS = frozenset({"tech"})


def highlights(text: str, vocabulary: Iterable[str] = (), *, lexicon: dict[str, str] | None = None) -> list[Highlight]:
    """Stretches of ``text`` to highlight: the position's vocabulary and professional terms, tools
    (software, devices), and numbers with their units. Non-overlapping, in text order; longer matches win."""
    if lexicon is None:
        from app.text.lexicon import professional_terms

        lexicon = professional_terms()
    found: list[Highlight] = []
    terms: dict[str, str] = {}
    for term in vocabulary:
        if len(term) >= 2:
            terms[term] = "tool" if lexicon.get(term) in _TOOL_TAGS else "term"
    # professional terms found by the shared tokenizer (cheap: no scan of the whole lexicon)
    from app.text.tokenize import cut

    for word in set(cut(text)):
        tag = lexicon.get(word)
        if tag is not None and len(word) >= 2:
            terms.setdefault(word, "tool" if tag in _TOOL_TAGS else "term")
    for term, kind in terms.items():
        for m in re.finditer(re.escape(term), text):
            found.append(Highlight(m.start(), m.end(), kind))
    for m in _NUMBER_RE.finditer(text):
        found.append(Highlight(m.start(), m.end(), "number"))
    found.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[Highlight] = []
    end = -1
    for h in found:
        if h.start >= end:
            out.append(h)
            end = h.end
    return out


# ------------------------------------------------------------------------------------------------
# Streams (run in capture threads)


class ChunkQueue:
    """Hands audio chunks from the capture thread to the recogniser thread; reports the backlog."""

    def __init__(self) -> None:
        self._q: queue.Queue[AudioChunk | None] = queue.Queue()
        self._pending = 0.0
        self._lock = threading.Lock()
        self.latest_end = 0.0

    def put(self, chunk: AudioChunk) -> None:
        with self._lock:
            self._pending += chunk.duration
            self.latest_end = chunk.end
        self._q.put(chunk)

    def close(self) -> None:
        self._q.put(None)

    @property
    def backlog_seconds(self) -> float:
        with self._lock:
            return self._pending

    def iterate(self, cancel: CancelToken = NEVER_CANCELLED) -> Iterator[AudioChunk]:
        while True:
            cancel.raise_if_cancelled()
            try:
                item = self._q.get(timeout=0.25)
            except queue.Empty:
                continue
            if item is None:
                return
            with self._lock:
                self._pending -= item.duration
            yield item


def audio_stream(
    source: Iterable[AudioChunk],
    wav_path: Path | None,
    *,
    on_low_space: Callable[[DiskSpace], None] | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[AudioChunk]:
    """The live audio: recorded crash-safe to ``wav_path`` (flushed every second) when given."""
    if wav_path is None:
        for chunk in source:
            cancel.raise_if_cancelled()
            yield chunk
        return
    from app.speech.live import recorded_stream

    yield from recorded_stream(source, wav_path, on_low_space=on_low_space, cancel=cancel)


@dataclass(frozen=True)
class VideoTick:
    frame: Any  # app.vision.capture.Frame
    observation: Any | None  # FrameObservation (None without AI consent)
    second: Any | None  # SecondSummary completed with this frame
    low_space: DiskSpace | None = None


def decimate(frames: Iterable[Any], fps: float) -> Iterator[Any]:
    """Keep frames so that at most ``fps`` per second of stream time remain (files at 25/30 fps → 15)."""
    step = 1.0 / fps
    next_t = 0.0
    for f in frames:
        if f.time_s + 1e-6 >= next_t:
            next_t = max(next_t + step, f.time_s + step / 2)
            yield f


def video_events(
    frames: Iterable[Any],
    video_dir: Path | None,
    *,
    analyze: bool,
    fps: float = VIDEO_FPS,
    segment_seconds: float = VIDEO_SEGMENT_SECONDS,
    analyzer: Any | None = None,
    stem: str = "video",
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[VideoTick]:
    """Record (when ``video_dir``) and analyse (when ``analyze``) each frame; yields one tick per frame."""
    writer = None
    if video_dir is not None:
        from app.vision.capture import SegmentedVideoWriter

        writer = SegmentedVideoWriter(video_dir, stem, fps=fps, segment_seconds=segment_seconds)
    aggregator = None
    if analyze:
        from app.vision.analysis import FrameAnalyzer, SecondAggregator

        analyzer = analyzer or FrameAnalyzer(fps=fps)
        aggregator = SecondAggregator(fps)
    last_check = time.monotonic()
    try:
        for frame in frames:
            cancel.raise_if_cancelled()
            low: DiskSpace | None = None
            if writer is not None:
                writer.write(frame.image)
                if time.monotonic() - last_check >= DISK_CHECK_SECONDS:
                    last_check = time.monotonic()
                    low = _check_space_during(video_dir)
            obs = second = None
            if aggregator is not None and analyzer is not None:
                obs = analyzer.analyze(frame.image, frame.time_s)  # None: skipped (PacedAnalyzer under load)
                second = aggregator.add(obs) if obs is not None else None
            yield VideoTick(frame, obs, second, low)
        if aggregator is not None:
            tail = aggregator.finish()
            if tail is not None:
                yield VideoTick(None, None, tail)
    finally:
        if writer is not None:
            writer.close()


def _check_space_during(folder: Path | None) -> DiskSpace | None:
    if folder is None:
        return None
    space = disk_space(folder)
    adjusted = DiskSpace(int(space.free_bytes * AUDIO_BYTES_PER_SECOND / (AUDIO_BYTES_PER_SECOND + VIDEO_BYTES_PER_SECOND)))
    if adjusted.too_low:
        raise StorageError(_("The disk is nearly full; the video recording was stopped and saved in {path}.").format(
            path=folder))
    return adjusted if adjusted.low else None


def disk_warning(space: DiskSpace) -> str:
    return low_space_message(space)


# ------------------------------------------------------------------------------------------------
# A whole session without a GUI (tests, demo, benchmark)


@dataclass
class SessionResult:
    recording: RecordingInfo
    segments: int = 0
    observations: int = 0
    frames: int = 0
    audio_seconds: float = 0.0
    partials: int = 0
    errors: list[str] = field(default_factory=list)
    final_latencies: list[float] = field(default_factory=list)
    max_backlog_s: float = 0.0


def run_session(
    service: CaptureService,
    interview_id: int,
    *,
    audio: Iterable[AudioChunk] | None,
    frames: Iterable[Any] | None,
    engine: SpeechEngine | None,
    question_at: Callable[[float], int | None] = lambda _t: None,
    analyzer: Any | None = None,
    finish: bool = True,
    notes: str | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
    on_recording: Callable[[RecordingInfo], None] | None = None,
) -> SessionResult:
    """Record an interview from the given sources, the same way the recording page does: audio and video
    each in their own thread, the recogniser in a third; finals and observations stored as they come.

    Sources the candidate did not consent to are not even opened (``audio``/``frames`` are ignored).
    """
    consent = service.consent(interview_id)
    rec = service.start_recording(interview_id, engine=getattr(engine, "name", ""))
    if on_recording is not None:
        on_recording(rec)
    result = SessionResult(rec)
    lock = threading.Lock()
    threads: list[threading.Thread] = []
    chunks = ChunkQueue()

    def fail(exc: BaseException) -> None:
        with lock:
            result.errors.append(str(exc))
        log.warning("capture stream failed: %s", type(exc).__name__)

    def audio_job() -> None:
        assert audio is not None
        try:
            for chunk in audio_stream(audio, rec.audio_path, cancel=cancel):
                result.audio_seconds = chunk.end
                if engine is not None:
                    chunks.put(chunk)
                    result.max_backlog_s = max(result.max_backlog_s, chunks.backlog_seconds)
        except BaseException as exc:  # noqa: BLE001
            fail(exc)
        finally:
            chunks.close()

    def asr_job() -> None:
        assert engine is not None
        if hasattr(engine, "backlog"):  # whisper groups waiting utterances when it falls behind
            engine.backlog = lambda: chunks.backlog_seconds
        try:
            for r in engine.transcribe(chunks.iterate(cancel), cancel=cancel):
                if isinstance(r, Partial):
                    result.partials += 1
                    continue
                result.final_latencies.append(max(0.0, chunks.latest_end - r.end))
                if service.add_segment(interview_id, r, question_at((r.start + r.end) / 2)):
                    result.segments += 1
        except BaseException as exc:  # noqa: BLE001
            fail(exc)

    def video_job() -> None:
        assert frames is not None
        pending: list[ObservationValues] = []
        try:
            for tick in video_events(frames, rec.video_dir, analyze=consent.observations, analyzer=analyzer,
                                     cancel=cancel):
                if tick.frame is not None:
                    result.frames += 1
                if tick.second is not None:
                    pending.append(ObservationValues.of(tick.second))
                    if len(pending) >= 5:
                        result.observations += service.add_observations(interview_id, pending)
                        pending = []
            if pending:
                result.observations += service.add_observations(interview_id, pending)
        except BaseException as exc:  # noqa: BLE001
            fail(exc)

    if consent.audio and audio is not None:
        threads.append(threading.Thread(target=audio_job, name="capture-audio", daemon=True))
        if engine is not None:
            threads.append(threading.Thread(target=asr_job, name="capture-asr", daemon=True))
    if consent.video and frames is not None:
        threads.append(threading.Thread(target=video_job, name="capture-video", daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if finish:
        result.recording = service.finish_recording(rec.id, notes=notes)
    return result


def free_space_text(folder: Path) -> str:
    usage = shutil.disk_usage(folder if folder.exists() else folder.parent)
    return _("{gb:.1f} GB free").format(gb=usage.free / 1e9)

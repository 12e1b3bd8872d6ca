"""``python -m app transcribe FILE``: write down a recording with the offline speech engines."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import add_json_argument, print_json
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("transcribe", help=_("transcribe a WAV recording offline"))
    p.add_argument("file", metavar="FILE", help=_("WAV file to transcribe"))
    p.add_argument("--engine", choices=["whisper", "vosk"], default="whisper",
                   help=_("speech engine (default: whisper)"))
    p.add_argument("--model", metavar="DIR", default=None,
                   help=_("model folder or model name in the models folder (default: the best one installed)"))
    p.add_argument("--hotwords", metavar="W,...", default=None,
                   help=_("comma-separated terms of the position, used to correct near-homophones"))
    p.add_argument("--interviewer-voice", metavar="WAV", default=None,
                   help=_("a recording of the interviewer's voice, to tell the interviewer from the candidate"))
    p.add_argument("--no-speakers", action="store_true", help=_("do not label speakers"))
    p.add_argument("--threads", type=int, default=2, help=_("CPU threads for recognition (default: 2)"))
    add_json_argument(p)
    p.set_defaults(func=_transcribe)


def _transcribe(args: argparse.Namespace) -> int:
    from app.errors import InvalidInput
    from app.speech.engine import SpeechSettings
    from app.speech.hotwords import parse_hotwords
    from app.speech.service import transcribe_file

    path = Path(args.file)
    if not path.is_file():
        raise InvalidInput(_("The file {path} does not exist.").format(path=path))
    voice = Path(args.interviewer_voice) if args.interviewer_voice else None
    if voice is not None and not voice.is_file():
        raise InvalidInput(_("The file {path} does not exist.").format(path=voice))
    if args.threads < 1:
        raise InvalidInput(_("--threads must be at least 1."))
    settings = SpeechSettings(
        engine=args.engine,
        model=args.model,
        hotwords=parse_hotwords(args.hotwords),
        threads=args.threads,
        speaker_labels=not args.no_speakers,
        interviewer_voice=voice,
    )
    result = transcribe_file(path, settings)
    if args.json:
        print_json(result.to_json())
        return 0
    for seg in result.segments:
        who = f" [{seg.speaker}]" if seg.speaker else ""
        print(f"{_fmt(seg.start)}–{_fmt(seg.end)}{who} {seg.text}")
    print(
        _("{audio:.1f} s of audio transcribed in {seconds:.1f} s (real-time factor {rtf:.2f}).").format(
            audio=result.audio_seconds, seconds=result.processing_seconds, rtf=result.rtf
        )
    )
    return 0


def _fmt(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m):02d}:{s:04.1f}"

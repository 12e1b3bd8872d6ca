"""``models/MANIFEST.toml``: the models HR Desk can use, and checking a models folder against it."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.errors import InvalidInput
from app.i18n import _

OK, MISSING, MISMATCH, PARTIAL, UNCHECKED = "ok", "missing", "mismatch", "partial", "unchecked"


@dataclass(frozen=True)
class ManifestFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ManifestModel:
    key: str
    name: str
    folder: str
    version: str
    purpose: str
    source: str
    licence: str
    required: bool
    files: tuple[ManifestFile, ...]


@dataclass(frozen=True)
class ModelCheck:
    key: str
    name: str
    folder: str
    status: str
    problems: tuple[str, ...]


def manifest_path() -> Path:
    frozen = paths.executable_dir() / "models" / "MANIFEST.toml"
    return frozen if paths.is_frozen() and frozen.exists() else paths.bundle_dir() / "models" / "MANIFEST.toml"


def load_manifest(path: Path | None = None) -> tuple[ManifestModel, ...]:
    path = path or manifest_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(_("The models manifest {path} cannot be read: {reason}").format(path=path, reason=exc)) from exc
    models = []
    for m in raw.get("models", []):
        files = tuple(ManifestFile(f["path"], int(f["size"]), f["sha256"].lower()) for f in m.get("files", []))
        models.append(ManifestModel(m["key"], m["name"], m["folder"], m.get("version", ""), m.get("purpose", ""),
                                    m.get("source", ""), m.get("licence", ""), bool(m.get("required", False)), files))
    return tuple(models)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify(folder: Path, models: tuple[ManifestModel, ...] | None = None) -> list[ModelCheck]:
    """Check every model of the manifest in ``folder``: present, sizes and sha256 as listed."""
    out = []
    for m in models if models is not None else load_manifest():
        base = folder / m.folder
        if not base.exists():
            out.append(ModelCheck(m.key, m.name, m.folder, MISSING, ()))
            continue
        if not m.files:
            out.append(ModelCheck(m.key, m.name, m.folder, UNCHECKED, ()))
            continue
        problems = []
        for f in m.files:
            target = base / f.path
            if not target.exists():
                problems.append(_("{file} is missing").format(file=f.path))
            elif target.stat().st_size != f.size:
                problems.append(_("{file} has {got} bytes, expected {want}").format(
                    file=f.path, got=target.stat().st_size, want=f.size))
            elif sha256_of(target) != f.sha256:
                problems.append(_("{file} is damaged or a different version (sha256 differs)").format(file=f.path))
        missing_all = all(not (base / f.path).exists() for f in m.files)
        status = OK if not problems else MISSING if missing_all else MISMATCH
        out.append(ModelCheck(m.key, m.name, m.folder, status, tuple(problems)))
    return out

"""ASCII paths for native libraries that cannot open non-ASCII paths (Vosk/Kaldi on Windows).

Vosk's Kaldi code opens model files with narrow ``fopen``/``std::ifstream`` calls; on Windows those use
the ANSI code page, so a model under ``D:\\人事 工作台\\models`` (or under ``C:\\Users\\张三\\...``) cannot be
opened. On Linux and macOS paths are UTF-8 bytes and every path works, so nothing is done there.

The documented work-around, in order (``plan`` decides, ``native_path`` carries it out):

1. the path is ASCII → use it as it is;
2. Windows gives an ASCII 8.3 short name for it (``GetShortPathNameW``; short names can be disabled per
   volume, and then the call returns the long name) → use the short path, nothing is copied;
3. otherwise copy the model folder once into an ASCII cache folder and use the copy. The cache folder is
   ``HRDESK_ASCII_CACHE`` when set, else ``%ProgramData%\\HRDesk\\model-cache`` (``C:\\ProgramData`` is
   ASCII on every Windows install; the user's own profile folder may not be), else ``C:\\HRDesk\\model-cache``.
   A copy is named after the source folder and a hash of its path, written to a temporary folder and
   renamed when complete, and reused while its file list and sizes match the source.

If no ASCII folder can be had, ``AppError`` says what to do (move the models folder to an ASCII path).
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.errors import AppError
from app.i18n import _

log = logging.getLogger(__name__)

AS_IS, SHORT, COPY = "as_is", "short", "copy"
_MARKER = ".hrdesk-copy"

ShortPathFn = Callable[[Path], "Path | None"]


@dataclass(frozen=True)
class Plan:
    kind: str  # AS_IS | SHORT | COPY
    path: Path  # the path to hand to the native library (for COPY: the cache copy, maybe not made yet)
    source: Path


def is_ascii(path: Path | str) -> bool:
    return str(path).isascii()


def needs_ascii(system: str | None = None) -> bool:
    """Only Windows opens files through the ANSI code page in Kaldi."""
    return (system or platform.system()) == "Windows"


def windows_short_path(path: Path) -> Path | None:
    """The 8.3 short form of an existing path on Windows, or None (other systems, or no short name)."""
    if os.name != "nt":
        return None
    import ctypes
    from ctypes import wintypes

    get = ctypes.windll.kernel32.GetShortPathNameW  # type: ignore[attr-defined]
    get.argtypes = [wintypes.LPCWSTR, wintypes.LPWSTR, wintypes.DWORD]
    get.restype = wintypes.DWORD
    size = get(str(path), None, 0)
    if size == 0:
        return None
    buf = ctypes.create_unicode_buffer(size)
    if get(str(path), buf, size) == 0:
        return None
    return Path(buf.value)


def cache_roots(env: dict[str, str] | None = None) -> list[Path]:
    """Candidate ASCII cache folders, most preferred first (only the ASCII ones are returned)."""
    env = dict(os.environ) if env is None else env
    candidates: list[Path] = []
    if env.get("HRDESK_ASCII_CACHE"):
        candidates.append(Path(env["HRDESK_ASCII_CACHE"]))
    if env.get("ProgramData"):
        candidates.append(Path(env["ProgramData"]) / "HRDesk" / "model-cache")
    candidates.append(Path(env.get("SystemDrive", "C:") + "\\") / "HRDesk" / "model-cache")
    return [c for c in candidates if is_ascii(c)]


def copy_name(source: Path) -> str:
    """Folder name of the cache copy: ASCII part of the name plus a hash of the full source path."""
    digest = hashlib.sha256(str(source).encode("utf-8")).hexdigest()[:12]
    stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in source.name).strip("_")
    return f"{stem or 'model'}-{digest}"


def plan(source: Path, *, system: str | None = None, short_path: ShortPathFn = windows_short_path,
         cache_root: Path | None = None) -> Plan:
    """Decide how a native library should be given ``source`` (no files are touched)."""
    if not needs_ascii(system) or is_ascii(source):
        return Plan(AS_IS, source, source)
    short = short_path(source)
    if short is not None and is_ascii(short):
        return Plan(SHORT, short, source)
    roots = [cache_root] if cache_root is not None else cache_roots()
    roots = [r for r in roots if is_ascii(r)]
    if not roots:
        raise AppError(_("The models folder {path} has non-ASCII characters in its path and no ASCII folder is "
                         "available to copy the speech model to. Move the models folder to a path with only "
                         "English letters and digits (for example C:\\HRDesk\\models).").format(path=source))
    return Plan(COPY, roots[0] / copy_name(source), source)


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size)
                  for p in folder.rglob("*") if p.is_file() and p.name != _MARKER)


def _copy_is_current(copy: Path, source: Path) -> bool:
    return (copy / _MARKER).exists() and _listing(copy) == _listing(source)


def materialise(p: Plan) -> Path:
    """Carry out a plan: for COPY, make (or reuse) the cache copy. Returns the path to use."""
    if p.kind != COPY:
        return p.path
    if p.path.exists() and _copy_is_current(p.path, p.source):
        return p.path
    tmp = p.path.with_name(p.path.name + ".partial")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        p.path.parent.mkdir(parents=True, exist_ok=True)
        log.info("copying a model to an ASCII path (%s)", p.path.name)
        shutil.copytree(p.source, tmp)
        (tmp / _MARKER).write_text(str(p.source), encoding="utf-8")
        if p.path.exists():
            shutil.rmtree(p.path)
        tmp.rename(p.path)
    except OSError as exc:
        raise AppError(_("Could not copy the speech model to {path} ({error}). Move the models folder to a path "
                         "with only English letters and digits (for example C:\\HRDesk\\models).").format(
                             path=p.path, error=exc.strerror or exc)) from exc
    return p.path


def native_path(source: Path | str, **kw: object) -> Path:
    """The path to hand to Vosk (or another narrow-path native library) for ``source``."""
    return materialise(plan(Path(source), **kw))  # type: ignore[arg-type]

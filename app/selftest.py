"""``python -m app selftest``: a table of every component and whether it works here."""

from __future__ import annotations

import platform
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app import __version__, models_registry, paths
from app.i18n import _

OK, WARN, MISSING, FAIL = "ok", "warn", "missing", "fail"


@dataclass(frozen=True)
class Check:
    component: str
    status: str
    detail: str
    core: bool  # the program cannot work without it


def _status_label(status: str) -> str:
    return {OK: _("OK"), WARN: _("warning"), MISSING: _("missing"), FAIL: _("FAILED")}[status]


def check_database(data_dir: Path | None) -> Check:
    from app.context import open_app

    name = _("Database")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            target = paths.DataDir(data_dir) if data_dir else paths.DataDir(Path(tmp))
            ctx = open_app(target)
            try:
                with ctx.engine.connect() as conn:
                    result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                    mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                where = str(ctx.db_path) if data_dir else _("temporary database")
            finally:
                ctx.close()
        if result != "ok":
            return Check(name, FAIL, _("integrity check failed: {result}").format(result=result), True)
        return Check(name, OK, f"SQLite {sqlite3.sqlite_version}, {mode}, {where}", True)
    except Exception as exc:  # noqa: BLE001 - the table reports every failure
        return Check(name, FAIL, str(exc), True)


def check_jieba() -> Check:
    from app.text import lexicon, tokenize

    name = _("Chinese word segmentation (jieba + medical vocabulary)")
    try:
        path = lexicon.userdict_path()
        if not path.exists():
            return Check(name, FAIL, _("vocabulary file missing: {path}").format(path=path), True)
        words = tokenize.cut("急性心肌梗死患者静脉溶栓")
        terms = sum(1 for _ in lexicon.iter_userdict(path))
        ok = "急性心肌梗死" in words
        return Check(name, OK if ok else WARN, _("{n} terms; sample: {sample}").format(n=terms, sample="/".join(words)), True)
    except Exception as exc:  # noqa: BLE001
        return Check(name, FAIL, str(exc), True)


def check_fonts() -> Check:
    from app.reports.fonts import CJK_FONT_FILE, missing_glyphs, register_reportlab_font

    name = _("Chinese font")
    try:
        register_reportlab_font()
        missing = missing_glyphs("医院人事工作台岗位简历筛选面试人才画像培训工资考勤￥")
        if missing:
            return Check(name, FAIL, _("missing glyphs: {chars}").format(chars="".join(missing)), True)
        return Check(name, OK, CJK_FONT_FILE.name, True)
    except Exception as exc:  # noqa: BLE001
        return Check(name, FAIL, str(exc), True)


def check_translations() -> Check:
    from app.i18n import language, po_files

    name = _("Translations")
    files = po_files("zh_CN")
    if not files:
        return Check(name, FAIL, _("no zh_CN catalogue found"), True)
    return Check(name, OK, _("{lang}; {n} catalogue files").format(lang=language(), n=len(files)), True)


def check_models() -> list[Check]:
    out = []
    for st in models_registry.status():
        label = _("Model: {name}").format(name=st.label)
        if st.found:
            out.append(Check(label, OK, str(st.path), False))
        else:
            out.append(Check(label, MISSING, _("not found; needed for {purpose}. Put it in {dir}").format(
                purpose=st.purpose, dir=paths.models_dir_candidates()[0]), False))
    return out


def check_portaudio() -> Check:
    name = _("Audio (PortAudio)")
    try:
        import sounddevice

        devices = [d for d in sounddevice.query_devices() if d.get("max_input_channels", 0) > 0]
        version = sounddevice.get_portaudio_version()[1]
        if not devices:
            return Check(name, WARN, _("{version}; no microphone found").format(version=version), False)
        return Check(name, OK, _("{version}; {n} input devices").format(version=version, n=len(devices)), False)
    except Exception as exc:  # noqa: BLE001 - OSError when libportaudio is absent
        return Check(name, MISSING, _("PortAudio unavailable ({reason}); recording audio is not possible").format(reason=exc), False)


def check_camera() -> Check:
    name = _("Camera (OpenCV)")
    try:
        import cv2

        available = [p for p in sorted(Path("/dev").glob("video*"))] if platform.system() == "Linux" else None
        if available is not None and not available:
            return Check(name, WARN, _("OpenCV {version}; no camera found").format(version=cv2.__version__), False)
        return Check(name, OK, _("OpenCV {version}").format(version=cv2.__version__), False)
    except Exception as exc:  # noqa: BLE001
        return Check(name, FAIL, str(exc), False)


def run_checks(data_dir: Path | None = None) -> list[Check]:
    checks = [
        Check("HR Desk", OK, f"{__version__}, Python {platform.python_version()}, {platform.system()} {platform.machine()}", True),
        check_database(data_dir),
        check_jieba(),
        check_fonts(),
        check_translations(),
        *check_models(),
        check_portaudio(),
        check_camera(),
    ]
    return checks


def core_ok(checks: list[Check]) -> bool:
    return all(c.status in (OK, WARN) for c in checks if c.core)


def format_table(checks: list[Check]) -> str:
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)

    def pad(s: str, w: int) -> str:
        return s + " " * (w - width(s))

    headers = (_("Component"), _("Status"), _("Detail"))
    rows = [(c.component, _status_label(c.status), c.detail) for c in checks]
    w0 = max(width(r[0]) for r in [headers, *rows])
    w1 = max(width(r[1]) for r in [headers, *rows])
    lines = [f"{pad(headers[0], w0)}  {pad(headers[1], w1)}  {headers[2]}", "-" * (w0 + w1 + 30)]
    lines += [f"{pad(a, w0)}  {pad(b, w1)}  {c}" for a, b, c in rows]
    return "\n".join(lines)

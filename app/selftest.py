"""``python -m app selftest``: a table of every component and whether it works here."""

from __future__ import annotations

import platform
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from app import __version__, models_registry, paths
from app.i18n import _

if TYPE_CHECKING:
    from app.context import AppContext

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
    """Opens the configured database (a temporary SQLite one when no data folder and no server is set).

    SQLite: ``PRAGMA integrity_check`` and the journal mode. PostgreSQL: the server version and the
    schema revision against the one this program expects (PRAGMAs do not exist there)."""
    from app.context import open_app

    name = _("Database")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            target = paths.DataDir(data_dir) if data_dir else paths.DataDir(Path(tmp))
            ctx = open_app(target)
            try:
                if ctx.backend == "sqlite":
                    return _check_sqlite(ctx, name, str(ctx.db_path) if data_dir else _("temporary database"))
                return _check_postgres(ctx, name)
            finally:
                ctx.close()
    except Exception as exc:  # noqa: BLE001 - the table reports every failure
        return Check(name, FAIL, str(exc), True)


def _check_sqlite(ctx: AppContext, name: str, where: str) -> Check:
    with ctx.engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    if result != "ok":
        return Check(name, FAIL, _("integrity check failed: {result}").format(result=result), True)
    return Check(name, OK, f"SQLite {sqlite3.sqlite_version}, {mode}, {where}", True)


def _check_postgres(ctx: AppContext, name: str) -> Check:
    from sqlalchemy import text

    from app.db.engine import redact
    from app.db.migrate import current_revision, head_revision

    with ctx.engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    revision, head = current_revision(ctx.engine), head_revision()
    where = redact(ctx.database_url or ctx.engine.url)
    if revision != head:
        return Check(name, FAIL, _("PostgreSQL {version}, {url}: schema {rev}, this program expects {head}").format(
            version=version, url=where, rev=revision or "-", head=head), True)
    return Check(name, OK, _("PostgreSQL {version}, {url}, schema {rev}").format(
        version=version, url=where, rev=revision), True)


def check_archive(data_dir: Path | None) -> Check:
    """The archive folder (resumes, recordings, documents): where it is and whether it can be used.

    A configured shared folder that cannot be reached fails (the database still works without it); a
    local archive next to a PostgreSQL database warns, since other workstations cannot see its files."""
    from app import config
    from app.context import resolve_data_dir, resolve_database_url
    from app.db.engine import backend_name

    name = _("Archive folder")
    try:
        settings = config.load()
        data = resolve_data_dir(data_dir, settings)
        if not data.shared_archive:
            where = data.root / paths.ARCHIVE_PREFIX
            if backend_name(resolve_database_url(data, settings)) == "postgresql":
                return Check(name, WARN, _("{path} is local to this workstation; with a PostgreSQL database set a "
                                           "shared archive folder so every workstation sees the files").format(
                    path=where), False)
            return Check(name, OK, _("{path} (local to this workstation)").format(path=where), False)
        problem = data.archive_problem()
        if problem:
            return Check(name, FAIL, problem, False)
        return Check(name, OK, _("{path} (shared, reachable)").format(path=data.archive_root), False)
    except Exception as exc:  # noqa: BLE001
        return Check(name, FAIL, str(exc), False)


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
        check_archive(data_dir),
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


# ------------------------------------------------------------------ database and archive settings (GUI dialog)
@dataclass(frozen=True)
class DatabaseStatus:
    """What a workstation uses (or would use): for the 数据库与档案文件夹 dialog and ``selftest``."""

    backend: str  # sqlite | postgresql
    url: str  # password hidden
    server: str  # "PostgreSQL 15.4" / "SQLite 3.40.1"
    revision: str  # "" when the database has no schema yet
    head: str  # the revision this program expects
    archive: str  # the archive folder
    archive_shared: bool
    archive_problem: str  # "" when usable

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def validate_database_setting(url: str) -> str:
    """The address to keep in the ``database_url`` setting ("" for the data folder's SQLite file).

    Raises InvalidInput for an address that is not SQLite/PostgreSQL, and for one holding a password:
    settings files are plain text, so passwords belong in the PostgreSQL password file."""
    from sqlalchemy.engine import make_url

    from app.db.engine import normalise_url
    from app.errors import InvalidInput

    url = url.strip()
    if not url:
        return ""
    normalised = normalise_url(url)
    if make_url(normalised).password:
        raise InvalidInput(_("The database address contains a password. Passwords are never kept in the settings "
                             "(a plain text file): remove it from the address and put it in this workstation's "
                             "PostgreSQL password file (%APPDATA%\\postgresql\\pgpass.conf on Windows, ~/.pgpass "
                             "on Linux), or ask IT."))
    return normalised


def _archive_status(data: paths.DataDir) -> tuple[str, bool, str]:
    where = data.archive_root if data.archive_root is not None else data.root / paths.ARCHIVE_PREFIX
    return str(where), data.shared_archive, data.archive_problem() or ""


def database_status(ctx: AppContext) -> DatabaseStatus:
    """The open database and archive folder of ``ctx`` (queries the database: run it in the worker pool)."""
    from app.db.copy import _server_version
    from app.db.engine import redact
    from app.db.migrate import current_revision, head_revision

    with ctx.engine.connect() as conn:
        server = _server_version(conn)
    if ctx.backend == "postgresql":
        server = f"PostgreSQL {server}"
    archive, shared, problem = _archive_status(ctx.data)
    return DatabaseStatus(ctx.backend, redact(ctx.database_url or ctx.engine.url), server,
                          current_revision(ctx.engine) or "", head_revision(), archive, shared, problem)


def probe_database(url: str, archive_dir: str, data_root: Path) -> DatabaseStatus:
    """Try a database address and archive folder before they are saved (the "test connection" button).

    ``url`` "" means the SQLite file of the data folder ``data_root``. Raises InvalidInput for a bad or
    password-bearing address and StorageError (translated) when the server cannot be reached or refuses
    the login. A SQLite file that does not exist yet is not created."""
    from app.db.copy import database_info
    from app.db.engine import backend_name, normalise_url, redact
    from app.db.migrate import head_revision

    data = paths.DataDir(data_root, archive_dir.strip() or None)
    normalised = validate_database_setting(url) or normalise_url(data.db_path)
    archive, shared, problem = _archive_status(data)
    if backend_name(normalised) == "sqlite":
        from sqlalchemy.engine import make_url

        file = Path(make_url(normalised).database or "")
        if not file.is_file():
            return DatabaseStatus("sqlite", redact(normalised), f"SQLite {sqlite3.sqlite_version}", "",
                                  head_revision(), archive, shared, problem)
    info = database_info(normalised, counts=False)
    server = f"PostgreSQL {info.server_version}" if info.backend == "postgresql" else info.server_version
    return DatabaseStatus(info.backend, info.url, server, info.revision or "", info.head,
                          archive, shared, problem)

"""Copy a whole HR Desk database between backends (SQLite ⇄ PostgreSQL) and prove the copy is exact.

``copy_database(src, dst)``:

1. the source must be at the current schema (open it once with this version of HR Desk first);
2. the target is created/migrated to the same schema; if it already holds rows the copy is refused
   unless ``replace=True`` (then every row is deleted first, in the same transaction as the copy);
3. every table is copied in foreign-key order, in batches, from one consistent snapshot of the source
   (a single read transaction; REPEATABLE READ on PostgreSQL); rows of a self-referencing table
   (departments) are ordered parents first;
4. PostgreSQL id sequences are set past the highest copied id (new rows must not collide);
5. the target is read back: row counts and a checksum per table must equal the source's, else the
   transaction is rolled back and the target left as it was. The checksum is order-independent (a sum
   of per-row SHA-256 values modulo 2^256) over canonical values (UTC ISO timestamps, JSON with sorted
   keys, booleans as true/false), so the same data gives the same checksum on both backends.

Archive files are not copied: the database refers to them as ``archive/<path>``, which resolves in the
configured archive folder on every workstation. The report counts those references and, when a data
folder is given, how many of the files are missing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Engine, MetaData, Table, TypeDecorator, func, select, text
from sqlalchemy.exc import DBAPIError

from app.db import tables  # noqa: F401  (registers every table)
from app.db.base import Base
from app.db.engine import backend_name, make_engine, normalise_url, redact
from app.db.migrate import current_revision, head_revision, upgrade
from app.db.uow import translate_db_error
from app.errors import AppError, Conflict, InvalidInput, StorageError
from app.i18n import _
from app.paths import ARCHIVE_PREFIX, DataDir
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

BATCH_ROWS = 2000
ARCHIVE_COLUMNS = (("documents", "stored_path"), ("interview_recordings", "audio_path"),
                   ("course_materials", "location"))
ARCHIVE_FOLDER_COLUMNS = (("interview_recordings", "video_dir"),)  # a folder of video segments
# a kept 情景演练 recording: quiz_attempts.answers["_practice"]["recording"] (app.training.scenario.PRACTICE_KEY)
PRACTICE_RECORDING = ("quiz_attempts", "answers", "_practice", "recording")


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str  # hex, order-independent

    def as_dict(self) -> dict[str, object]:
        return {"table": self.table, "rows": self.rows, "checksum": self.checksum}


@dataclass(frozen=True)
class CopyReport:
    source: str  # password hidden
    target: str
    revision: str
    tables: tuple[TableCheck, ...]
    archive_references: int
    archive_missing: tuple[str, ...] = ()
    replaced: bool = False

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "target": self.target, "revision": self.revision, "rows": self.rows,
                "replaced": self.replaced, "archive_references": self.archive_references,
                "archive_missing": list(self.archive_missing), "tables": [t.as_dict() for t in self.tables]}


@dataclass(frozen=True)
class DatabaseInfo:
    backend: str
    url: str  # password hidden
    revision: str | None
    head: str
    server_version: str
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head

    def as_dict(self) -> dict[str, object]:
        return {"backend": self.backend, "url": self.url, "revision": self.revision, "head": self.head,
                "up_to_date": self.up_to_date, "server_version": self.server_version,
                "rows": sum(self.counts.values()), "counts": dict(self.counts)}


# ---------------------------------------------------------------------------------------------- checksums
def canonical(value: Any) -> Any:
    """A JSON-able value that is the same whichever backend returned ``value``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return str(value)


def row_digest(columns: Sequence[str], row: Sequence[Any]) -> int:
    body = json.dumps({c: canonical(v) for c, v in zip(columns, row, strict=True)}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(body.encode("utf-8")).digest(), "big")


class _Sum:
    MOD = 1 << 256

    def __init__(self) -> None:
        self.total = 0
        self.rows = 0

    def add(self, columns: Sequence[str], row: Sequence[Any]) -> None:
        self.total = (self.total + row_digest(columns, row)) % self.MOD
        self.rows += 1

    @property
    def hex(self) -> str:
        return f"{self.total:064x}"


_RAW = MetaData()


def _raw(table: Table) -> Table:
    """``table`` with every column at its storage type: encrypted columns are copied as ciphertext (no key
    needed, nothing re-encrypted) and timestamps as the naive UTC values actually stored."""
    if table.name in _RAW.tables:
        return _RAW.tables[table.name]
    cols = []
    for c in table.columns:
        typ = c.type.impl if isinstance(c.type, TypeDecorator) else c.type
        if isinstance(typ, type):
            typ = typ()
        cols.append(Column(c.name, typ, primary_key=c.primary_key, autoincrement=False))
    raw = Table(table.name, _RAW, *cols)
    for fk in table.foreign_keys:
        if fk.column.table is table:
            raw.info.setdefault("self_refs", []).append((fk.parent.name, fk.column.name))
    return raw


def copy_tables() -> list[Table]:
    """Every application table at its storage types, parents before children."""
    return [_raw(t) for t in Base.metadata.sorted_tables]


def _columns(table: Table) -> list[str]:
    return sorted(c.name for c in table.columns)


def _ordered_select(table: Table):  # type: ignore[no-untyped-def]
    cols = [table.c[name] for name in _columns(table)]
    return select(*cols).order_by(*table.primary_key.columns)


def _self_refs(table: Table) -> list[tuple[str, str]]:
    return list(table.info.get("self_refs", []))


def table_checksums(conn: Connection, *, cancel: CancelToken = NEVER_CANCELLED,
                    only: Iterable[Table] | None = None) -> list[TableCheck]:
    out = []
    for table in only or copy_tables():
        acc = _Sum()
        cols = _columns(table)
        for part in conn.execution_options(yield_per=BATCH_ROWS).execute(_ordered_select(table)).partitions():
            cancel.raise_if_cancelled()
            for row in part:
                acc.add(cols, tuple(row))
        out.append(TableCheck(table.name, acc.rows, acc.hex))
    return out


# ---------------------------------------------------------------------------------------------- info
def database_info(url: str, *, counts: bool = True) -> DatabaseInfo:
    url = normalise_url(url)
    engine = make_engine(url, application_name="HR Desk db info")
    try:
        with _translated(url):
            with engine.connect() as conn:
                version = _server_version(conn)
                from sqlalchemy import inspect

                present = set(inspect(conn).get_table_names())
                n = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                     for t in copy_tables() if t.name in present} if counts else {}
            revision = current_revision(engine)
    finally:
        engine.dispose()
    return DatabaseInfo(backend_name(url), redact(url), revision, head_revision(), version, n)


def _server_version(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        return str(conn.scalar(text("SHOW server_version")))
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


class _translated:
    """Turn driver errors while talking to ``url`` into StorageError/Conflict naming the database."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:  # type: ignore[no-untyped-def]
        if isinstance(exc, DBAPIError):
            translated = translate_db_error(exc)
            if translated is not exc and isinstance(translated, AppError):
                raise type(translated)(_("Database {url}: {reason}").format(
                    url=redact(self.url), reason=translated.message)) from exc
        return False


# ---------------------------------------------------------------------------------------------- copy
def copy_database(source: str, target: str, *, replace: bool = False, data: DataDir | None = None,
                  batch_rows: int = BATCH_ROWS, progress: ProgressFn = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> CopyReport:
    src_url, dst_url = normalise_url(source), normalise_url(target)
    if src_url == dst_url:
        raise InvalidInput(_("The source and the target are the same database; choose another target."))
    src = make_engine(src_url, application_name="HR Desk db copy (source)")
    dst = make_engine(dst_url, application_name="HR Desk db copy (target)")
    try:
        with _translated(src_url):
            src_rev = current_revision(src)
        head = head_revision()
        if src_rev is None:
            raise InvalidInput(_("The source {url} is not an HR Desk database (it has no schema version).").format(
                url=redact(src_url)))
        if src_rev != head:
            raise InvalidInput(_("The source database is at schema {rev}, this program at {head}. Open the source "
                                 "once with this version of HR Desk (it upgrades it), then copy.").format(
                rev=src_rev, head=head))
        with _translated(dst_url):
            dst_rev = current_revision(dst)
            if dst_rev is not None and dst_rev != head:
                raise InvalidInput(_("The target database is at schema {rev}, not {head}. Choose an empty target, "
                                     "or open it once with this version of HR Desk first.").format(rev=dst_rev,
                                                                                                   head=head))
            if dst_rev is None:
                progress(0, 0, _("Creating the tables in the target"))
                upgrade(dst)
        with _translated(src_url), _translated(dst_url):
            return _copy(src, dst, src_url, dst_url, replace, data, batch_rows, progress, cancel)
    finally:
        src.dispose()
        dst.dispose()


def _copy(src: Engine, dst: Engine, src_url: str, dst_url: str, replace: bool, data: DataDir | None,
          batch_rows: int, progress: ProgressFn, cancel: CancelToken) -> CopyReport:
    all_tables = copy_tables()
    with src.connect() as sconn, dst.connect() as dconn:
        if sconn.dialect.name == "postgresql":
            sconn = sconn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot for the copy
        if dconn.dialect.name == "postgresql":
            dconn.execute(text("SET statement_timeout = 0"))
            dconn.execute(text("SET lock_timeout = '30s'"))
            dconn.commit()
        with sconn.begin(), dconn.begin():
            counts = {t.name: int(sconn.scalar(select(func.count()).select_from(t)) or 0) for t in all_tables}
            total = sum(counts.values())
            existing = sum(int(dconn.scalar(select(func.count()).select_from(t)) or 0) for t in all_tables)
            if existing and not replace:
                raise Conflict(_("The target database already holds {n} rows. Copy into an empty database, or "
                                 "use --replace to delete everything in the target first.").format(n=existing))
            if existing:
                progress(0, total, _("Deleting the target's rows"))
                _clear(dconn, all_tables)
            if dconn.dialect.name == "sqlite":
                dconn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            sums: dict[str, _Sum] = {}
            done = 0
            for table in all_tables:
                cancel.raise_if_cancelled()
                acc = sums[table.name] = _Sum()
                cols = _columns(table)
                progress(done, total, _("Copying {table}").format(table=table.name))
                for batch in _source_batches(sconn, table, batch_rows):
                    cancel.raise_if_cancelled()
                    for row in batch:
                        acc.add(cols, row)
                    dconn.execute(table.insert(), [dict(zip(cols, row, strict=True)) for row in batch])
                    done += len(batch)
                    progress(done, total, _("Copying {table}").format(table=table.name))
            if dconn.dialect.name == "postgresql":
                reset_sequences(dconn, all_tables)
            progress(total, total, _("Checking the copy"))
            checks = table_checksums(dconn, cancel=cancel)
            expected = [TableCheck(t.name, sums[t.name].rows, sums[t.name].hex) for t in all_tables]
            bad = [f"{e.table} ({e.rows}/{c.rows})" for e, c in zip(expected, checks, strict=True) if e != c]
            if bad:
                raise StorageError(_("The copy does not match the source in {tables}; nothing was kept in the "
                                     "target. Report this to IT.").format(tables=", ".join(bad)))
            refs, missing = _archive_refs(sconn, data, cancel)
    log.info("database copied (%d rows in %d tables) from %s to %s", total, len(all_tables),
             backend_name(src_url), backend_name(dst_url))
    return CopyReport(redact(src_url), redact(dst_url), head_revision(), tuple(expected), refs, missing,
                      replaced=bool(existing))


def _source_batches(conn: Connection, table: Table, batch_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    refs = _self_refs(table)
    result = conn.execution_options(yield_per=batch_rows).execute(_ordered_select(table))
    if not refs:
        for part in result.partitions():
            yield [tuple(r) for r in part]
        return
    cols = _columns(table)
    rows = [tuple(r) for r in result]
    yield from _chunks(_parents_first(cols, rows, refs), batch_rows)


def _parents_first(cols: list[str], rows: list[tuple[Any, ...]], refs: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """Rows ordered so that a row referring to another row of the same table comes after it."""
    idx = {c: i for i, c in enumerate(cols)}
    ordered: list[tuple[Any, ...]] = []
    placed: set[tuple[str, Any]] = set()
    pending = rows
    while pending:
        rest = []
        for row in pending:
            ready = all(row[idx[child]] is None or (parent, row[idx[child]]) in placed
                        or not any(r[idx[parent]] == row[idx[child]] for r in pending) for child, parent in refs)
            if ready:
                ordered.append(row)
                for _child, parent in refs:
                    placed.add((parent, row[idx[parent]]))
            else:
                rest.append(row)
        if len(rest) == len(pending):  # a cycle inside the table: keep the order, the database will say
            ordered.extend(rest)
            break
        pending = rest
    return ordered


def _chunks(rows: list[tuple[Any, ...]], n: int) -> Iterator[list[tuple[Any, ...]]]:
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


def _clear(conn: Connection, all_tables: list[Table]) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in all_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        return
    conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    for table in reversed(all_tables):
        conn.execute(table.delete())


def reset_sequences(conn: Connection, all_tables: Iterable[Table]) -> int:
    """Set every serial/identity sequence past the highest value in its column. Returns how many were set."""
    n = 0
    for table in all_tables:
        for col in table.primary_key.columns:
            seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name})
            if not seq:
                continue
            q = conn.dialect.identifier_preparer.quote
            conn.execute(text(f"SELECT setval(:s, COALESCE((SELECT MAX({q(col.name)}) FROM {q(table.name)}), 0) + 1, "
                              "false)"), {"s": seq})
            n += 1
    return n


def _archive_values(conn: Connection, cancel: CancelToken) -> Iterator[tuple[str, bool]]:
    """Every archive reference in the database as (relative path, is a folder)."""
    meta = {t.name: t for t in copy_tables()}
    for columns, folder in ((ARCHIVE_COLUMNS, False), (ARCHIVE_FOLDER_COLUMNS, True)):
        for tname, cname in columns:
            if tname not in meta or cname not in meta[tname].c:
                continue
            col = meta[tname].c[cname]
            for (value,) in conn.execute(select(col).where(col.like(f"{ARCHIVE_PREFIX}/%"))):
                cancel.raise_if_cancelled()
                yield value, folder
    tname, cname, key, field = PRACTICE_RECORDING
    if tname in meta and cname in meta[tname].c:
        for (answers,) in conn.execute(select(meta[tname].c[cname])):
            cancel.raise_if_cancelled()
            record = answers.get(key) if isinstance(answers, dict) else None
            value = record.get(field) if isinstance(record, dict) else None
            if isinstance(value, str) and value.startswith(f"{ARCHIVE_PREFIX}/"):
                yield value, False


def _archive_refs(conn: Connection, data: DataDir | None, cancel: CancelToken) -> tuple[int, tuple[str, ...]]:
    refs = 0
    missing: list[str] = []
    for value, folder in _archive_values(conn, cancel):
        refs += 1
        if data is not None:
            try:
                path = data.resolve(value)
                present = path.is_dir() if folder else path.is_file()
            except AppError:
                present = False
            if not present:
                missing.append(value)
    return refs, tuple(missing)

"""Create a data folder holding the demo hospital."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.context import AppContext, open_app, resolve_data_dir
from app.db.engine import sqlite_url
from app.db.uow import unit_of_work
from app.demo.bank import demo_bank
from app.demo.screening import demo_screening
from app.demo.attendance import demo_attendance
from app.demo.interviews import demo_interviews
from app.demo.recordings import demo_recordings
from app.demo.generate import DEFAULT_SEED, DemoStats, generate
from app.demo.training import demo_training
from app.demo.talent import demo_talent
from app.domain.org import Month
from app.errors import Conflict
from app.i18n import _
from app.paths import DataDir
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress


def create_demo(
    data_dir: str | Path | DataDir | None,
    *,
    seed: int | None = None,
    today: date | None = None,
    force: bool = False,
    exam_dir: Path | None = None,
    media_dir: Path | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> tuple[AppContext, DemoStats]:
    """A fresh demo database in ``data_dir``; refuses to touch an existing one unless ``force``."""
    data = data_dir if isinstance(data_dir, DataDir) else resolve_data_dir(data_dir)
    if data.db_path.exists():
        if not force:
            raise Conflict(
                _("{path} already holds a database. Choose an empty folder or add --force to replace it.").format(
                    path=data.db_path
                )
            )
        for suffix in ("", "-wal", "-shm"):
            Path(str(data.db_path) + suffix).unlink(missing_ok=True)
    # always the folder's own SQLite file: a demo must never be written into a configured shared server
    ctx = open_app(data, database_url=sqlite_url(data.db_path))
    with unit_of_work(ctx.session_factory, write=True) as session:
        stats = generate(session, seed=DEFAULT_SEED if seed is None else seed, today=today, progress=progress, cancel=cancel)
    demo_bank(ctx, exam_dir, cancel=cancel)
    demo_screening(ctx, today or date.today(), cancel=cancel)
    demo_interviews(ctx, today or date.today(), cancel=cancel)
    demo_recordings(ctx, media_dir, cancel=cancel)  # off unless media_dir (real clips) is given
    demo_attendance(ctx, Month.parse(stats.month), cancel=cancel)
    demo_training(ctx, today or date.today(), cancel=cancel)
    demo_talent(ctx, today or date.today(), cancel=cancel)
    demo_payroll(ctx, Month.parse(stats.month), cancel=cancel)
    return ctx, stats


DEMO_USER = "演示数据"


def demo_payroll(ctx: AppContext, month: Month, *, cancel: CancelToken = NEVER_CANCELLED) -> None:
    """Dated pay settings (the shipped structure from January; the city's social-insurance settings from
    January and the yearly change from July), locked runs from January to the demo month (the
    year-to-date that withholding needs), and a draft for the month after it."""
    from app.payroll.documents import default_text

    settings = ctx.services.pay_settings
    city = default_text("city")
    second = city.index('[[cities."示例市".periods]]', city.index('[[cities."示例市".periods]]') + 1)
    settings.save("structure", f"{month.year:04d}-01", default_text("structure"), user=DEMO_USER,
                  note="示例工资结构，按医院批准的标准修改")
    settings.save("city", f"{month.year:04d}-01", city[:second].rstrip() + "\n", name=f"示例市社保公积金（{month.year - 1}年7月标准）",
                  user=DEMO_USER, note="上年7月起执行的缴费基数和比例（示例数据）")
    if month.month >= 7:
        settings.save("city", f"{month.year:04d}-07", city, name=f"示例市社保公积金（{month.year}年7月标准）", user=DEMO_USER,
                      note="每年7月调整缴费基数上下限（示例数据）")
    payroll = ctx.services.payroll
    for m in range(1, month.month + 1):
        cancel.raise_if_cancelled()
        label = f"{month.year:04d}-{m:02d}"
        payroll.run_draft(label, user=DEMO_USER)
        for state in ("review", "approved", "locked"):
            payroll.advance(label, state, user=DEMO_USER, backup_first=False)  # invented history: no backups
    payroll.run_draft(str(month.next()), user=DEMO_USER)

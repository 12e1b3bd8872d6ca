"""``hrdesk attendance ...``: import attendance-machine exports, compute / lock / export the month.

    python -m app attendance import FILE --month YYYY-MM [--mapping staff=工号,time=打卡时间] [--dry-run] [--json]
    python -m app attendance summary --month YYYY-MM [--compute] [--lock] [--xlsx OUT] [--json]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _

MAPPING_KEYS = {"staff": "staff_no", "staff_no": "staff_no", "time": "timestamp", "timestamp": "timestamp",
                "date": "date", "clock": "time", "device": "device"}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("attendance", help=_("clock data import and monthly attendance"))
    sub = p.add_subparsers(dest="attendance_command", metavar="ACTION")
    imp = sub.add_parser("import", help=_("import an attendance-machine export (CSV or XLSX)"))
    imp.add_argument("file", type=Path, help=_("the export file"))
    imp.add_argument("--month", required=True, help=_("month the punches belong to, YYYY-MM"))
    imp.add_argument("--mapping", default=None,
                     help=_("columns, e.g. staff=工号,time=打卡时间[,device=设备] or staff=…,date=…,clock=…"))
    imp.add_argument("--dry-run", action="store_true", help=_("only show the preview; store nothing"))
    add_data_dir_argument(imp)
    add_json_argument(imp)
    imp.set_defaults(func=_import)
    summ = sub.add_parser("summary", help=_("monthly attendance summary per person"))
    summ.add_argument("--month", required=True, help=_("month, YYYY-MM"))
    summ.add_argument("--compute", action="store_true", help=_("compute the month first (locked rows stay)"))
    summ.add_argument("--lock", action="store_true", help=_("lock the month after computing"))
    summ.add_argument("--user", default="CLI", help=_("who locks the month"))
    summ.add_argument("--xlsx", type=Path, default=None, help=_("write the department attendance sheet here"))
    add_data_dir_argument(summ)
    add_json_argument(summ)
    summ.set_defaults(func=_summary)


def parse_mapping(text: str) -> Any:
    from app.attendance.clock import ColumnMapping

    values: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        target = MAPPING_KEYS.get(key.strip().lower())
        if not sep or target is None or not column.strip():
            raise InvalidInput(_("Cannot read the column mapping {value}. Write it like staff=工号,time=打卡时间.").format(
                value=part.strip()))
        values[target] = column.strip()
    if "staff_no" not in values:
        raise InvalidInput(_("The column mapping needs staff=<column of the staff number>."))
    return ColumnMapping(**values)


def _open(args: argparse.Namespace) -> Any:
    from app.context import open_app

    return open_app(args.data_dir)


def _import(args: argparse.Namespace) -> int:
    from app.services.attendance import parse_month

    parse_month(args.month)
    mapping = parse_mapping(args.mapping) if args.mapping else None
    ctx = _open(args)
    try:
        svc = ctx.services.attendance
        preview = svc.preview_clock(args.file, args.month, mapping)
        result = None if args.dry_run else svc.commit_clock(preview)
    finally:
        ctx.close()
    pv = preview.preview
    if args.json:
        print_json({
            "file": str(args.file), "month": preview.month, "rows_read": pv.rows_read, "good_punches": len(pv.punches),
            "new_punches": preview.new_punches, "already_imported": preview.already_imported,
            "errors": preview.errors, "warnings": preview.warnings,
            "mapping": {k: v for k, v in preview.mapping.__dict__.items() if v},
            "problems": [{"row": p.row, "column": p.column, "value": p.value, "code": p.code, "reason": p.reason,
                          "severity": p.severity} for p in pv.problems],
            "stored": None if result is None else result.inserted,
        })
        return 0
    for p in pv.problems:
        label = _("error") if p.severity == "error" else _("warning")
        print(_("row {row} [{severity}] {column}={value}: {reason}").format(
            row=p.row, severity=label, column=p.column, value=p.value, reason=p.reason))
    print(_("{rows} rows read: {good} good punches ({new} new, {old} already imported), {errors} errors, "
            "{warnings} warnings.").format(rows=pv.rows_read, good=len(pv.punches), new=preview.new_punches,
                                           old=preview.already_imported, errors=preview.errors,
                                           warnings=preview.warnings))
    if result is None:
        print(_("Dry run: nothing was stored."))
    else:
        print(_("{n} punches stored.").format(n=result.inserted))
    return 0


def _summary(args: argparse.Namespace) -> int:
    from app.services.attendance import parse_month

    month = str(parse_month(args.month))
    ctx = _open(args)
    try:
        svc = ctx.services.attendance
        computed = svc.compute_month(month) if args.compute else None
        locked = svc.lock_month(month, user=args.user) if args.lock else None
        rows = svc.summary(month)
        if not rows:
            raise InvalidInput(_("No attendance summary for {month} yet. Compute the month first.").format(month=month))
        written = svc.export_sheet(month, args.xlsx) if args.xlsx else None
    finally:
        ctx.close()
    if args.json:
        print_json({
            "month": month,
            "computed": None if computed is None else {"written": computed.written, "locked_skipped": computed.locked_skipped},
            "locked_now": locked, "xlsx": str(written) if written else None,
            "rows": [{"staff_no": r.staff_no, "name": r.name, "department": r.department, "days_worked": r.days_worked,
                      "hours_worked": r.hours_worked, "absent_days": r.absent_days, "late_count": r.late_count,
                      "early_count": r.early_count, "missing_punches": r.missing_punches,
                      "overtime_hours": r.overtime_hours, "night_shifts": r.night_shifts, "duty_shifts": r.duty_shifts,
                      "leave_days": r.leave_days, "locked": r.locked} for r in rows],
        })
        return 0
    if computed is not None:
        print(_("{n} summaries computed; {skipped} locked ones left unchanged.").format(
            n=computed.written, skipped=computed.locked_skipped))
    if locked is not None:
        print(_("{n} summaries locked.").format(n=locked))
    for r in rows:
        nights = " ".join(f"{k}{v}" for k, v in r.night_shifts.items())
        print(f"{r.staff_no}\t{r.name}\t{r.department}\t{r.days_worked:g}\t{r.absent_days:g}\t{r.late_count}\t"
              f"{r.missing_punches}\t{nights}\t{r.duty_shifts}")
    if written:
        print(_("Saved {path}").format(path=written))
    return 0

"""``payroll`` commands: ``simulate FILE.json`` runs a year of cumulative income-tax withholding."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _
from app.payroll.money import MoneyError, fmt, money
from app.payroll.tax import MonthInput, WithholdingOptions, YearResult, withhold_year

AMOUNT_FIELDS = (
    "gross",
    "tax_free",
    "special_deduction",
    "special_additional_deduction",
    "other_deduction",
    "tax_relief",
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("payroll", help=_("payroll calculations"))
    sub = p.add_subparsers(dest="payroll_command", metavar="COMMAND")
    sim = sub.add_parser(
        "simulate",
        help=_("simulate a year of income tax withholding (cumulative method) from a JSON file"),
    )
    sim.add_argument("file", metavar="FILE.json", help=_("JSON input file"))
    add_json_argument(sim)  # the output is JSON either way
    sim.set_defaults(func=_simulate)
    run = sub.add_parser("run", help=_("calculate a month's payroll as a draft and export it"))
    add_data_dir_argument(run)
    run.add_argument("--month", required=True, metavar="YYYY-MM", help=_("pay month"))
    run.add_argument("--xlsx", metavar="OUT", help=_("write the payroll sheet (工资表) to this Excel file"))
    run.add_argument("--payslips", metavar="DIR", help=_("write PDF payslips into this folder"))
    add_json_argument(run)
    run.set_defaults(func=_run)
    st = sub.add_parser("settings", help=_("dated pay settings: list, check or save a TOML document"))
    st_sub = st.add_subparsers(dest="settings_command", metavar="ACTION")
    ls = st_sub.add_parser("list", help=_("list the stored versions"))
    add_data_dir_argument(ls)
    add_json_argument(ls)
    ls.set_defaults(func=_settings_list)
    for name, helptext, func in (("check", _("check a document (parse, formulas, trial calculation)"), _settings_check),
                                 ("save", _("check and store a document as a dated version"), _settings_save)):
        sp = st_sub.add_parser(name, help=helptext)
        sp.add_argument("file", metavar="FILE.toml")
        sp.add_argument("--kind", required=True, choices=("structure", "city"))
        sp.add_argument("--month", required=True, metavar="YYYY-MM", help=_("effective from this month"))
        sp.add_argument("--note", default="")
        add_data_dir_argument(sp)
        add_json_argument(sp)
        sp.set_defaults(func=func)
    st.set_defaults(func=lambda _args: (st.print_help(), 2)[1])
    de = sub.add_parser("declarations", help=_("专项附加扣除 declarations: export, or check and import an Excel file"))
    de_sub = de.add_subparsers(dest="declarations_command", metavar="ACTION")
    for name, helptext, func in (
            ("export", _("write every declaration (or the empty template) to an Excel file"), _declarations_export),
            ("check", _("check an Excel file of declarations without storing anything"), _declarations_import),
            ("import", _("import an Excel file of declarations (nothing is stored if a row has a problem)"),
             _declarations_import)):
        dp = de_sub.add_parser(name, help=helptext)
        dp.add_argument("file", metavar="FILE.xlsx")
        add_data_dir_argument(dp)
        add_json_argument(dp)
        dp.set_defaults(func=func, store=name == "import")
    de.set_defaults(func=lambda _args: (de.print_help(), 2)[1])
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _open(args: Any):  # type: ignore[no-untyped-def]
    from app.context import database_exists, open_app, resolve_data_dir

    data = resolve_data_dir(args.data_dir)
    if not database_exists(data):
        raise InvalidInput(_("No database in {path}. Create one with 'demo' or start the app there first.").format(path=data.root))
    return open_app(data)


def _settings_list(args: Any) -> int:
    ctx = _open(args)
    try:
        versions = ctx.services.pay_settings.versions()
    finally:
        ctx.close()
    rows = [{"id": v.id, "kind": v.kind, "effective_month": v.effective_month, "name": v.name,
             "used_by": list(v.used_by), "locked_by": list(v.locked_by), "created_by": v.created_by} for v in versions]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['id']:>4}  {r['kind']:<9} {r['effective_month']}  {r['name']}  {'、'.join(r['used_by'])}")
    return 0


def _settings_check(args: Any, save: bool = False) -> int:
    ctx = _open(args)
    try:
        settings = ctx.services.pay_settings
        body = settings.import_file(Path(args.file))
        result = settings.validate(args.kind, body, args.month)
        saved = None
        if result.ok and save:
            saved, _changes = settings.save(args.kind, args.month, body, note=args.note, user="cli")
    finally:
        ctx.close()
    if args.json:
        print_json({"ok": result.ok, "problems": list(result.problems), "summary": result.summary,
                    "samples": [{"sample": s, "gross": g, "net": n} for s, g, n in result.samples],
                    "saved_id": saved.id if saved else None})
    else:
        print(result.summary if result.ok else "\n".join(result.problems))
    if not result.ok:
        raise InvalidInput(_("The pay settings were not saved: {problems}").format(problems="；".join(result.problems))) \
            if save else InvalidInput("；".join(result.problems))
    return 0


def _declarations_export(args: Any) -> int:
    ctx = _open(args)
    try:
        path = ctx.services.declarations.export_file(Path(args.file))
    finally:
        ctx.close()
    if args.json:
        print_json({"path": str(path)})
    else:
        print(path)
    return 0


def _declarations_import(args: Any) -> int:
    ctx = _open(args)
    try:
        svc = ctx.services.declarations
        preview = svc.import_preview(Path(args.file))
        if args.store and not preview.problems:
            preview, _changes = svc.import_file(Path(args.file), user="cli")
    finally:
        ctx.close()
    problems = [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason} for p in preview.problems]
    if args.json:
        print_json({"added": preview.added, "updated": preview.updated, "unchanged": preview.unchanged,
                    "problems": problems, "stored": bool(args.store and not problems)})
    else:
        print(_("{added} new, {updated} changed, {unchanged} unchanged declarations; {problems} problems.").format(
            added=preview.added, updated=preview.updated, unchanged=preview.unchanged, problems=len(problems)))
        for p in problems:
            print(_("row {row}, {column} “{value}”: {reason}").format(**p))
    if problems:
        raise InvalidInput(_("Nothing was imported: {count} problems in the file (first: row {row}, {column}: "
                             "{reason}). Correct them and import again.").format(
            count=len(problems), row=problems[0]["row"], column=problems[0]["column"], reason=problems[0]["reason"]))
    return 0


def _settings_save(args: Any) -> int:
    return _settings_check(args, save=True)


def _run(args: Any) -> int:
    """Draft the month (a locked month is exported as it stands), then export what was asked."""
    from pathlib import Path

    from app.context import database_exists, open_app, resolve_data_dir
    from app.errors import Conflict

    data = resolve_data_dir(args.data_dir)
    if not database_exists(data):
        raise InvalidInput(_("No database in {path}. Create one with 'demo' or start the app there first.").format(path=data.root))
    ctx = open_app(data)
    try:
        payroll = ctx.services.payroll
        try:
            summary = payroll.run_draft(args.month, user="cli")
        except Conflict:
            summary = payroll.run_for(args.month)  # approved or locked: export it unchanged
            if summary is None:
                raise
        review = payroll.review(args.month)
        outputs: dict[str, str] = {}
        if args.xlsx:
            outputs["xlsx"] = str(payroll.export_sheet(args.month, Path(args.xlsx)))
        if args.payslips:
            outputs["payslips"] = str(payroll.export_payslips(args.month, Path(args.payslips)))
    finally:
        ctx.close()
    flagged = [r for r in review if r.flags]
    if args.json:
        print_json({
            "month": summary.month, "state": summary.state, "headcount": summary.headcount,
            "total_gross": f"{summary.total_gross_fen / 100:.2f}", "total_net": f"{summary.total_net_fen / 100:.2f}",
            "flagged": [{"staff_no": r.staff_no, "name": r.name, "flags": list(r.flags)} for r in flagged],
            "outputs": outputs,
        })
    else:
        print(_("{month}: {state}, {n} people, gross {gross}, net {net}; {flagged} people flagged for review").format(
            month=summary.month, state=summary.state, n=summary.headcount, gross=f"{summary.total_gross_fen / 100:,.2f}",
            net=f"{summary.total_net_fen / 100:,.2f}", flagged=len(flagged)))
        for key, path in outputs.items():
            print(f"  {key}: {path}")
    return 0


def _amount(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput(
            _('Field {field} must be an amount such as "30000.00".').format(field=field)
        )
    try:
        amount = money(value)
    except MoneyError:
        raise InvalidInput(
            _('Field {field} must be an amount with at most two decimals, such as "30000.00".').format(field=field)
        ) from None
    if amount < 0:
        raise InvalidInput(_("Field {field} must not be negative.").format(field=field))
    return amount


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("Field {field} must be a whole number.").format(field=field))
    return value


def parse_simulation(data: Any) -> tuple[int, int, WithholdingOptions, list[MonthInput]]:
    if not isinstance(data, dict):
        raise InvalidInput(_("The input must be a JSON object with year, first_month and months."))
    if "year" not in data:
        raise InvalidInput(_("Field {field} is missing.").format(field="year"))
    year = _int(data["year"], "year")
    first_month = _int(data.get("first_month", 1), "first_month")
    if not 1 <= first_month <= 12:
        raise InvalidInput(_("Field {field} must be a month number from 1 to 12.").format(field="first_month"))
    raw_opts = data.get("options", {})
    if not isinstance(raw_opts, dict):
        raise InvalidInput(_("Field {field} must be an object.").format(field="options"))
    for key in raw_opts:
        if key not in ("first_salary_of_year", "prior_year_under_60000"):
            raise InvalidInput(_("Unknown field {field}.").format(field=f"options.{key}"))
    for key in ("first_salary_of_year", "prior_year_under_60000"):
        if not isinstance(raw_opts.get(key, False), bool):
            raise InvalidInput(_("Field {field} must be true or false.").format(field=f"options.{key}"))
    options = WithholdingOptions(
        first_salary_of_year=raw_opts.get("first_salary_of_year", False),
        prior_year_under_60000=raw_opts.get("prior_year_under_60000", False),
    )
    months_raw = data.get("months")
    if not isinstance(months_raw, list) or not months_raw:
        raise InvalidInput(_("Field {field} must be a non-empty list.").format(field="months"))
    months: list[MonthInput] = []
    for i, m in enumerate(months_raw):
        where = f"months[{i}]"
        if not isinstance(m, dict):
            raise InvalidInput(_("Field {field} must be an object.").format(field=where))
        for key in m:
            if key != "month" and key not in AMOUNT_FIELDS:
                raise InvalidInput(_("Unknown field {field}.").format(field=f"{where}.{key}"))
        if "month" not in m:
            raise InvalidInput(_("Field {field} is missing.").format(field=f"{where}.month"))
        if "gross" not in m:
            raise InvalidInput(_("Field {field} is missing.").format(field=f"{where}.gross"))
        month = _int(m["month"], f"{where}.month")
        if not 1 <= month <= 12:
            raise InvalidInput(_("Field {field} must be a month number from 1 to 12.").format(field=f"{where}.month"))
        amounts = {k: _amount(m.get(k, "0"), f"{where}.{k}") for k in AMOUNT_FIELDS}
        months.append(MonthInput(month=month, **amounts))
    return year, first_month, options, months


def simulation_json(result: YearResult) -> dict[str, Any]:
    return {
        "months": [
            {
                "month": m.month,
                "cumulative_taxable": fmt(m.cumulative_taxable),
                "tax": fmt(m.tax),
                "cumulative_tax": fmt(m.cumulative_tax),
                "net": fmt(m.net),
            }
            for m in result.months
        ],
        "annual_tax": fmt(result.annual_tax),
    }


def _simulate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(_("File not found: {path}.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("Cannot read {path}: {error}").format(path=path, error=exc)) from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            _("{path} is not valid JSON (line {line}, column {column}).").format(
                path=path, line=exc.lineno, column=exc.colno
            )
        ) from None
    year, first_month, options, months = parse_simulation(data)
    print_json(simulation_json(withhold_year(year, first_month, months, options)))
    return 0

"""``hrdesk roster ...``: shift defaults, roster rule check and automatic generation from files.

The database wiring (``hrdesk attendance``) belongs to the lead; these commands work on plain
JSON so wards and tests can use the engine today.

Input JSON for ``check`` / ``solve``::

    {"ward": "心内科", "month": "2026-02", "shift_set": "三班倒",
     "staff": [{"staff_no": "N01", "skills": ["主管护师"],
                "licences": [{"kind": "护士执业证书", "from": "2020-01-01", "to": null}]}],
     "cover": [{"name": "每晚至少2名护士", "shifts": ["大夜"], "min": 2, "skills": []}],
     "settings": {"max_nights_per_month": 8},
     "rows": {"N01": ["白", "", ...]}}      (optional: prefilled cells; "" = to fill)
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("roster", help=_("roster engine: shift defaults, rule check, automatic roster"))
    sub = p.add_subparsers(dest="roster_command", metavar="ACTION")
    s = sub.add_parser("shifts", help=_("list the default shift sets"))
    add_json_argument(s)
    s.set_defaults(func=_shifts)
    for name, helptext, func in (
        ("check", _("check a roster against the ward rules"), _check),
        ("solve", _("fill a roster automatically"), _solve),
    ):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("file", type=Path, help=_("roster problem as JSON"))
        if name == "solve":
            c.add_argument("--time-limit", type=float, default=20.0, help=_("seconds to search"))
            c.add_argument("--seed", type=int, default=1, help=_("random seed (same seed, same roster)"))
        add_json_argument(c)
        c.set_defaults(func=func)


def _shifts(args: argparse.Namespace) -> int:
    from app.attendance.shifts import default_catalog, default_set_names

    out = {}
    for n in default_set_names():
        cat = default_catalog(n)
        out[n] = [
            {"code": s.code, "name": s.name, "start": s.start.strftime("%H:%M") if s.start else None,
             "minutes": s.length_minutes, "paid_minutes": s.paid_minutes, "night": s.night,
             "night_class": s.night_class, "duty": s.duty, "rest": s.rest}
            for s in cat.shifts.values()
        ]
    if args.json:
        print_json(out)
    else:
        for n, shifts in out.items():
            print(n + ": " + ", ".join(f"{s['code']}" for s in shifts))
    return 0


def _load(path: Path) -> tuple[Any, Any]:
    from app.attendance.roster import Roster
    from app.attendance.rules import CoverRule, Licence, RosterProblem, RuleSettings, StaffMember
    from app.attendance.shifts import default_catalog
    from app.domain.org import Month

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        month = Month.parse(raw["month"])
        cat = default_catalog(raw.get("shift_set", "三班倒"))
        staff = {}
        for s in raw["staff"]:
            lic = tuple(
                Licence(x["kind"], date.fromisoformat(x["from"]), date.fromisoformat(x["to"]) if x.get("to") else None)
                for x in s.get("licences", [])
            )
            staff[s["staff_no"]] = StaffMember(
                s["staff_no"], frozenset(s.get("skills", [])), lic, bool(s.get("licence_required", True)),
                s.get("max_nights"), s.get("min_shifts"), s.get("max_shifts"),
            )
        cover = tuple(
            CoverRule(c["name"], frozenset(c["shifts"]), int(c["min"]), frozenset(c.get("skills", [])),
                      frozenset(c["weekdays"]) if c.get("weekdays") is not None else None)
            for c in raw.get("cover", [])
        )
        known = {f.name for f in fields(RuleSettings)}
        opts = {k: (frozenset(v) if isinstance(v, list) else v) for k, v in raw.get("settings", {}).items() if k in known}
        settings = RuleSettings(**opts)
    except FileNotFoundError as exc:
        raise InvalidInput(_("File not found: {path}.").format(path=path)) from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(
            _("The roster file {path} is not valid: {error}. See hrdesk roster --help for the format.").format(
                path=path, error=exc
            )
        ) from exc
    rows = raw.get("rows")
    roster = Roster.from_rows(raw.get("ward", ""), month, rows) if rows else Roster.empty(raw.get("ward", ""), month, list(staff))
    for _sid, _d, code in roster.entries():
        cat.validate_code(code)
    return roster, RosterProblem(cat, staff, cover, settings)


def _check(args: argparse.Namespace) -> int:
    from app.attendance.rules import check_roster

    roster, problem = _load(args.file)
    v = check_roster(roster, problem)
    if args.json:
        print_json([{"rule": x.rule, "day": x.day.isoformat(), "staff_no": x.staff_no, "shift": x.shift,
                     "message": x.message} for x in v])
    else:
        for x in v:
            print(x.message)
        print(_("{n} rule violation(s).").format(n=len(v)))
    return 1 if v else 0


def _solve(args: argparse.Namespace) -> int:
    from app.attendance.solver import SolverOptions, explain, solve_roster

    roster, problem = _load(args.file)
    res = solve_roster(roster, problem, options=SolverOptions(time_limit_s=args.time_limit, seed=args.seed))
    if args.json:
        print_json({
            "status": res.status,
            "rows": {s: list(r) for s, r in zip(res.roster.staff, res.roster.cells, strict=True)} if res.roster else None,
            "reasons": list(res.reasons), "blocking_groups": list(res.blocking_groups),
            "wall_time_s": round(res.wall_time_s, 2),
        })
    else:
        print(explain(res))
        if res.roster:
            for s, r in zip(res.roster.staff, res.roster.cells, strict=True):
                print(s, " ".join(r))
    return 0 if res.ok else 1

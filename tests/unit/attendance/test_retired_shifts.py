"""Retired (停用) shift types in the engine: still known for old cells, never offered or solved for."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.attendance.roster import Roster
from app.attendance.shifts import ShiftCatalog, default_catalog
from app.attendance.solver import SolverOptions, solve_roster
from app.errors import InvalidInput

from .test_solver import FEB, STAFF, ward


def _retire(cat: ShiftCatalog, *codes: str) -> ShiftCatalog:
    return ShiftCatalog({c: replace(s, active=c not in codes) for c, s in cat.shifts.items()}, cat.leave_codes)


def test_a_retired_code_is_known_but_not_offered() -> None:
    cat = _retire(default_catalog("三班倒"), "小夜", "大夜", "下夜")
    assert cat.get("小夜") is not None and cat.is_work("小夜") and cat.is_night("大夜")  # old cells still count
    assert not cat.is_offered("小夜") and cat.is_offered("白") and not cat.is_offered("年")
    assert cat.retired_codes() == frozenset({"小夜", "大夜", "下夜"})
    assert "小夜" not in cat.offered_codes() and "小夜" in cat.work_codes()
    assert "小夜" not in cat.work_codes(offered_only=True)
    assert cat.rest_code() == "休"
    only_old_rest = _retire(default_catalog("三班倒"), "休")
    assert only_old_rest.rest_code() == "下夜"  # an offered rest code before a retired one


def test_the_solver_refuses_a_retired_shift_before_searching() -> None:
    prob = ward()
    prob = replace(prob, catalog=_retire(prob.catalog, "小夜"))
    with pytest.raises(InvalidInput, match="小夜"):
        solve_roster(Roster.empty("W", FEB, STAFF), prob, options=SolverOptions(time_limit_s=1))
    with pytest.raises(InvalidInput, match="小夜"):
        solve_roster(Roster.empty("W", FEB, STAFF), prob, options=SolverOptions(time_limit_s=1, codes=("白", "小夜")))

"""停用 / 启用 a shift type that rosters use (issue 9 follow-up): the old cells, summaries and night counts
stay; a new month cannot get it; cover rules, the last rest code and stale versions are refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from app.attendance.rules import CoverRule
from app.errors import Conflict, InvalidInput
from app.services.attendance import ShiftTypeRow
from tests.db.test_attendance_service import _csv, _set, _summary, _ward


def _night10(svc, dept: int) -> ShiftTypeRow:  # type: ignore[no-untyped-def]
    svc.shift_types(dept)
    return svc.save_shift_type(dept, ShiftTypeRow(None, "N10", "夜班10小时", time(22), time(8), 540, 60, True, "大夜"))


def test_a_retired_type_keeps_its_cells_and_counts_but_is_not_offered_for_a_new_month(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, nos = _ward(ctx, 2)
    n10 = _night10(svc, dept)
    _set(svc, dept, "2026-03", {(nos[0], 2): "N10", (nos[0], 9): "N10", (nos[1], 3): "白"})
    with pytest.raises(InvalidInput) as refused:  # delete is refused and points to 停用
        svc.delete_shift_type(dept, n10.id, n10.version)
    assert "停用" in refused.value.message and "2026-03" in refused.value.message
    retired = svc.set_shift_type_active(dept, n10.id, False, n10.version)
    assert not retired.active and retired.version == n10.version + 1
    assert not next(r for r in svc.shift_types(dept) if r.code == "N10").active
    # the month that used it: cells, offered codes, summary night counts
    view = svc.roster(dept, "2026-03")
    assert view.roster.cell(nos[0], date(2026, 3, 2)) == "N10" and view.roster.cell(nos[0], date(2026, 3, 9)) == "N10"
    assert "N10" in view.shift_codes and "N10" in view.retired_codes and "N10" not in view.offered_codes
    assert svc.shift_usage(dept, n10.id).cells == 2
    # clock punches of the old month still attach to the retired shift's cells
    f = _csv(tmp_path / "c.csv", [(nos[0], "2026-03-02 21:55:00"), (nos[0], "2026-03-03 08:03:00"),
                                  (nos[0], "2026-03-09 21:50:00"), (nos[0], "2026-03-10 08:01:00")])
    svc.commit_clock(svc.preview_clock(f, "2026-03"))
    svc.compute_month("2026-03")
    got = _summary(svc, "2026-03", nos[0])
    assert got.night_shifts == {"大夜": 2} and got.missing_punches == 0 and got.hours_worked >= 18
    # the old month can still be edited and saved with its N10 cells; a new N10 cell is refused
    _set(svc, dept, "2026-03", {(nos[1], 4): "白"})
    assert svc.shift_usage(dept, n10.id).cells == 2
    with pytest.raises(InvalidInput, match="N10"):
        _set(svc, dept, "2026-03", {(nos[1], 10): "N10"})
    with pytest.raises(InvalidInput, match="N10"):
        _set(svc, dept, "2026-04", {(nos[0], 1): "N10"})
    new = svc.roster(dept, "2026-04")
    assert "N10" not in new.offered_codes and all(c != "N10" for row in new.roster.cells for c in row)
    # moving an existing N10 to another day is a new cell too
    with pytest.raises(InvalidInput, match="N10"):
        _set(svc, dept, "2026-03", {(nos[0], 2): "", (nos[0], 5): "N10"})
    assert svc.shift_usage(dept, n10.id).cells == 2  # nothing was stored by the refused saves
    # 启用 brings it back
    enabled = svc.set_shift_type_active(dept, n10.id, True, retired.version)
    assert enabled.active
    _set(svc, dept, "2026-04", {(nos[0], 1): "N10"})
    assert svc.roster(dept, "2026-04").roster.cell(nos[0], date(2026, 4, 1)) == "N10"
    assert "N10" in svc.roster(dept, "2026-04").offered_codes


def test_retiring_is_refused_for_cover_rules_the_last_rest_code_and_a_stale_version(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.attendance
    dept, _ids, _nos = _ward(ctx, 2)
    n10 = _night10(svc, dept)
    rows = {r.code: r for r in svc.shift_types(dept)}
    with pytest.raises(InvalidInput, match="白"):  # named by the default cover rules
        svc.set_shift_type_active(dept, rows["白"].id, False, rows["白"].version)
    assert next(r for r in svc.shift_types(dept) if r.code == "白").active
    svc.set_shift_type_active(dept, rows["下夜"].id, False, rows["下夜"].version)  # one of two rest codes
    with pytest.raises(InvalidInput, match="休"):  # now the ward's only rest code in use
        svc.set_shift_type_active(dept, rows["休"].id, False, rows["休"].version)
    # cover rules cannot name a retired shift (the solver assigns only cover-rule shifts)
    rules = svc.ward_rules(dept)
    with_n10 = replace(rules, cover=(*rules.cover, CoverRule("长夜班", frozenset({"N10"}), 1)))
    saved = svc.save_ward_rules(dept, with_n10, user="hr1")
    with pytest.raises(InvalidInput, match="N10"):
        svc.set_shift_type_active(dept, n10.id, False, n10.version)
    svc.save_ward_rules(dept, replace(rules, version=saved.version), user="hr1")
    retired = svc.set_shift_type_active(dept, n10.id, False, n10.version)
    with pytest.raises(InvalidInput, match="N10"):
        svc.save_ward_rules(dept, replace(with_n10, version=saved.version + 1), user="hr1")
    with pytest.raises(Conflict):  # optimistic version
        svc.set_shift_type_active(dept, n10.id, True, n10.version)
    # editing a retired type keeps it retired
    edited = svc.save_shift_type(dept, replace(retired, name="夜班（旧）"))
    assert not edited.active and edited.name == "夜班（旧）"


def test_the_change_is_audited(ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.db.tables import AuditEntry
    from app.db.uow import unit_of_work
    from app.security.policy import POLICY

    rule = POLICY["attendance"]["set_shift_type_active"]
    assert rule.write and rule.audited and rule.perms == ("attendance.edit",)
    svc = ctx.services.attendance
    dept, _ids, _nos = _ward(ctx, 1)
    n10 = _night10(svc, dept)
    svc.set_shift_type_active(dept, n10.id, False, n10.version)
    with unit_of_work(ctx.session_factory) as s:
        actions = [a for a in s.scalars(select(AuditEntry.action)) if "set_shift_type_active" in a]
    assert actions, "retiring a shift type leaves an audit entry"

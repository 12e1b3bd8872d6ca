"""The demo hospital is realistic, internally consistent and reproducible."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db.tables import ClockPunch, Department, Employee, Licence, Person, Position, RosterEntry, ShiftType
from app.db.uow import unit_of_work
from app.demo.generate import generate
from app.demo.vocab import id_check_digit
from app.domain.timeutil import HOSPITAL_TZ
from app.errors import Conflict
from tests.conftest import DEMO_TODAY


def test_sizes_match_a_mid_sized_hospital(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services
    tree = svc.org.department_tree()
    assert 12 <= len(tree) <= 20
    depth = {n.id: 0 for n in tree}
    for n in tree:
        if n.parent_id:
            depth[n.id] = depth[n.parent_id] + 1
    assert max(depth.values()) == 2  # three levels, e.g. 内科 > 心血管内科 > 心内一病区
    positions = svc.org.positions()
    assert 20 <= len(positions) <= 30
    assert {p.job_family for p in positions} == {"physician", "nursing", "medtech", "admin"}
    assert any(p.is_ai_medical for p in positions)
    employees = svc.people.employees(today=DEMO_TODAY)
    assert 280 <= len(employees) <= 320
    assert 55 <= len(svc.recruiting.candidates()) <= 65


def test_people_are_consistent(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(demo_ctx.session_factory) as s:
        ids = s.scalars(select(Person.id_number).where(Person.id_number.is_not(None))).all()
        assert ids and all(len(i) == 18 and id_check_digit(i[:17]) == i[17] for i in ids)
        assert len(set(ids)) == len(ids)
        # every employee's post belongs to the department they work in
        rows = s.execute(select(Employee.department_id, Position.department_id).join(Position, Employee.position_id == Position.id)).all()
        assert rows and all(a == b for a, b in rows)
        # nurses hold a nurse licence with an expiry (5-year registration)
        nurses = s.scalars(
            select(Employee.person_id).join(Position, Employee.position_id == Position.id).where(Position.job_family == "nursing")
        ).all()
        kinds = Counter(
            s.scalars(select(Licence.kind).where(Licence.person_id.in_(nurses), Licence.expiry_date.is_not(None))).all()
        )
        assert kinds["护士执业证书"] == len(nurses)


def test_licence_register_has_expired_and_expiring(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    states = Counter(r.state for r in demo_ctx.services.people.licences(today=DEMO_TODAY))
    assert states["expired"] >= 1
    assert states["expiring_30"] >= 1
    assert states["expiring_90"] >= 1


def test_roster_covers_the_last_complete_month_with_nights(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(demo_ctx.session_factory) as s:
        first, last = s.execute(select(func.min(RosterEntry.day), func.max(RosterEntry.day))).one()
        assert (first.isoformat(), last.isoformat()) == ("2026-10-01", "2026-10-31")
        nights = s.scalar(
            select(func.count()).select_from(RosterEntry).join(ShiftType).where(ShiftType.is_night)
        )
        assert nights and nights > 300


def test_night_shift_punches_check_out_the_next_morning(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    """A 小夜 (16:00–00:00) roster entry on Oct 5 has its check-out on Oct 6 local time."""
    with unit_of_work(demo_ctx.session_factory) as s:
        rows = s.execute(
            select(RosterEntry.employee_id, RosterEntry.day)
            .join(ShiftType)
            .where(ShiftType.code == "小夜")
            .limit(20)
        ).all()
        assert rows
        checked = 0
        for emp, day in rows:
            start = datetime(day.year, day.month, day.day, 16, tzinfo=HOSPITAL_TZ).astimezone(UTC)
            punches = s.scalars(
                select(ClockPunch.punched_at).where(
                    ClockPunch.employee_id == emp,
                    ClockPunch.punched_at.between(start - timedelta(hours=1), start + timedelta(hours=9)),
                )
            ).all()
            local_days = {p.astimezone(HOSPITAL_TZ).date() for p in punches}
            if len(punches) >= 2:
                assert day + timedelta(days=1) in local_days
                checked += 1
        assert checked >= 10


def test_generation_is_reproducible(demo_template, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.demo.service import create_demo

    ctx2, stats = create_demo(tmp_path / "again", today=DEMO_TODAY)
    try:
        from app.context import open_app

        ctx1 = open_app(demo_template)
        try:
            a = [(e.staff_no, e.name, e.department) for e in ctx1.services.people.employees(today=DEMO_TODAY)]
            b = [(e.staff_no, e.name, e.department) for e in ctx2.services.people.employees(today=DEMO_TODAY)]
            assert a == b
        finally:
            ctx1.close()
    finally:
        ctx2.close()


def test_demo_refuses_a_database_with_data(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict), unit_of_work(demo_ctx.session_factory) as s:
        generate(s, today=DEMO_TODAY)


def test_demo_survives_a_restart(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from app.context import open_app

    before = len(demo_ctx.services.people.employees())
    root = demo_ctx.data.root
    demo_ctx.close()
    again = open_app(root)
    try:
        assert len(again.services.people.employees()) == before
        with unit_of_work(again.session_factory) as s:
            assert s.scalar(select(func.count()).select_from(Department)) >= 12
    finally:
        again.close()

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.tables import Department
from app.db.uow import unit_of_work
from app.errors import Conflict, NotFound
from tests.conftest import DEMO_TODAY


def test_two_workstations_editing_one_record_second_save_is_refused(ctx) -> None:  # type: ignore[no-untyped-def]
    from app.context import open_app

    with unit_of_work(ctx.session_factory) as s:
        s.add(Department(code="X", name="测试科"))
    other = open_app(ctx.data)  # a second program instance on the same database file
    try:
        mine = ctx.services.org.department_tree()[0]
        theirs = other.services.org.department_tree()[0]
        assert mine.version == theirs.version == 1
        ctx.services.org.rename_department(mine.id, "心内科", mine.version)
        with pytest.raises(Conflict) as info:
            other.services.org.rename_department(theirs.id, "心血管科", theirs.version)
        assert "另一台工作站" in info.value.message and "版本 1 → 2" in info.value.message
    finally:
        other.close()
    row = ctx.services.org.department_tree()[0]
    assert (row.name, row.version) == ("心内科", 2)  # the first save kept, nothing lost


def test_same_session_race_is_caught_by_the_version_column(ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory) as s:
        s.add(Department(code="Z", name="甲科"))
    with pytest.raises(Conflict), unit_of_work(ctx.session_factory) as s:
        row = s.scalars(select(Department)).one()
        s.execute(Department.__table__.update().values(version=Department.version + 1))  # a concurrent bump
        row.name = "乙科"


def test_unit_of_work_rolls_back_on_error(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), unit_of_work(ctx.session_factory) as s:
        s.add(Department(code="Y", name="回滚科"))
        s.flush()
        raise RuntimeError("boom")
    with unit_of_work(ctx.session_factory) as s:
        assert s.scalars(select(Department)).all() == []


def test_position_detail_and_missing_position(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    rows = demo_ctx.services.org.positions()
    ai = next(r for r in rows if r.is_ai_medical and "影像" in r.title)
    detail = demo_ctx.services.org.position_detail(ai.id)
    assert [c.name for c in detail.competencies] == ["技术能力", "临床场景理解", "团队协作"]
    assert sum(c.weight for c in detail.competencies) == 100
    assert "PyTorch" in detail.requirements["keywords"]
    with pytest.raises(NotFound) as info:
        demo_ctx.services.org.position_detail(999999)
    assert "岗位" in info.value.message


def test_list_services_return_plain_rows(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services
    emp = svc.people.employees(today=DEMO_TODAY)[0]
    assert emp.staff_no.startswith("E") and emp.name and emp.department
    courses = svc.training.courses()
    assert {"医学统计学基础", "患者沟通技巧", "医疗保密制度"} <= {c.title for c in courses}
    enrol = svc.training.enrollments(today=DEMO_TODAY)
    assert any(e.overdue for e in enrol) and any(not e.overdue for e in enrol)
    wards = svc.workforce.rostered_wards()
    assert any(w.name == "心内一病区" for w in wards)
    grid = svc.workforce.roster(next(w.department_id for w in wards if w.name == "心内一病区"), "2026-10")
    assert len(grid.days) == 31 and all(len(r.cells) == 31 for r in grid.rows)
    assert any(c in grid.night_codes for r in grid.rows for c in r.cells)
    assert svc.workforce.punch_count("2026-10") > 5000
    interviews = svc.recruiting.interviews()
    states = {i.state for i in interviews}
    assert "planned" in states and states <= {"planned", "recorded", "analysed", "decided"}

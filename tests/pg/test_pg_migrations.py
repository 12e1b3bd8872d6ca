"""Alembic on PostgreSQL: the ORM matches, an older database upgrades with its rows, two starts don't race."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, String, Text, insert, select

from app.db import tables  # noqa: F401
from app.db.base import Base
from app.db.engine import make_engine
from app.db.migrate import all_revisions, current_revision, head_revision, upgrade
from tests.pg import workers


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):  # type: ignore[no-untyped-def]
    if isinstance(inspected_type, String) and isinstance(metadata_type, String) and \
            type(inspected_type).__name__ in ("VARCHAR", "String") and not isinstance(metadata_type, Text):
        return inspected_type.length != metadata_type.length  # PostgreSQL enforces lengths: they must match
    return None


def test_orm_matches_the_migrations_on_postgresql(pg_db: str) -> None:
    engine = make_engine(pg_db)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": _compare_type}),
                                    Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_a_database_at_0002_upgrades_to_head_with_its_rows(pg_db: str) -> None:
    engine = make_engine(pg_db)
    try:
        assert "0002_question_bank" in all_revisions()
        upgrade(engine, "0002_question_bank")
        old = MetaData()
        old.reflect(engine)
        t = old.tables
        stamp = {"created_at": dt.datetime(2026, 11, 22), "updated_at": dt.datetime(2026, 11, 22), "version": 1}
        with engine.begin() as conn:
            conn.execute(insert(t["departments"]), [
                {"id": 1, "code": "NK", "name": "内科", "parent_id": None, "kind": "clinical", "sort_order": 1,
                 "active": True, **stamp},
                {"id": 2, "code": "NK-XN", "name": "心血管内科", "parent_id": 1, "kind": "clinical", "sort_order": 2,
                 "active": True, **stamp}])
            conn.execute(insert(t["positions"]), [{
                "id": 1, "code": "P-1", "title": "心内科住院医师", "department_id": 2, "job_family": "physician",
                "grade": "专业技术十二级", "title_ladder": "住院医师", "headcount": 3, "duties": "负责病区诊疗",
                "requirements": {"min_degree": "硕士"}, "nice_to_have": "", "is_ai_medical": False, "open": True,
                **stamp}])
            conn.execute(insert(t["people"]), [{
                "id": 1, "name": "张晓明", "gender": "男", "birth_date": dt.date(1990, 5, 1), "id_number": None,
                "phone": "13800000000", "email": None, "highest_degree": "硕士", "school": "首都医科大学",
                "major": "内科学", "professional_title": "主治医师", "notes": "", **stamp}])
            conn.execute(insert(t["employees"]), [{
                "id": 1, "person_id": 1, "staff_no": "E0001", "department_id": 2, "position_id": 1,
                "hire_date": dt.date(2020, 7, 1), "leave_date": None, "contract_type": "fixed_3y",
                "probation_end": None, "status": "active", "nursing_start": None, **stamp}])
            conn.execute(insert(t["pay_profiles"]), [{
                "id": 1, "employee_id": 1, "post_grade": "T2", "salary_level": 12, "contract_wage_fen": 1234567,
                "performance_base_fen": 800000, "post_coefficient": 1.2, "performance_coefficient": 1.0,
                "si_base_fen": 1634567, "hf_base_fen": 1634567, "hf_rate_pct": 12.0, "bank_account": None,
                "special_additional_deduction_fen": 200000, **stamp}])
        assert upgrade(engine) is True
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            new = MetaData()
            new.reflect(conn)
            n = new.tables
            assert conn.execute(select(n["departments"].c.name).order_by(n["departments"].c.id)).scalars().all() == \
                ["内科", "心血管内科"]
            assert conn.execute(select(n["employees"].c.staff_no)).scalars().all() == ["E0001"]
            profile = conn.execute(select(n["pay_profiles"].c.contract_wage_fen, n["pay_profiles"].c.category)).one()
            assert tuple(profile) == (1234567, "医师")  # 0003 derives the staff category from the post
        assert upgrade(engine) is False  # already current: nothing runs
    finally:
        engine.dispose()


@pytest.mark.slow
def test_two_workstations_starting_on_an_empty_database_migrate_it_once(pg_db: str) -> None:
    spawn = multiprocessing.get_context(workers.START_METHOD)
    barrier, out = spawn.Barrier(2), spawn.Queue()
    procs = [spawn.Process(target=workers.start_app, args=(pg_db, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert sorted(results) == [("ok", False), ("ok", True)]  # one migrated, the other waited and found head
    engine = make_engine(pg_db)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()

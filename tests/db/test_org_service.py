from __future__ import annotations

import pytest

from app.errors import Conflict, InvalidInput


def _by_name(ctx, name: str):  # type: ignore[no-untyped-def]
    return next(n for n in ctx.services.org.department_tree() if n.name == name)


def test_create_rename_and_duplicate_codes(ctx) -> None:  # type: ignore[no-untyped-def]
    org = ctx.services.org
    top = org.create_department("NK", "内科", None)
    child = org.create_department("NK-XN", "心内科", top)
    tree = org.department_tree()
    assert [(n.name, n.parent_id) for n in tree] == [("内科", None), ("心内科", top)]
    with pytest.raises(InvalidInput):
        org.create_department("NK", "另一个内科", None)
    with pytest.raises(InvalidInput):
        org.create_department("X", "  ", None)
    node = _by_name(ctx, "心内科")
    org.rename_department(child, "心血管内科", node.version)
    with pytest.raises(Conflict):
        org.rename_department(child, "旧名", node.version)  # stale version


def test_move_refuses_cycles(ctx) -> None:  # type: ignore[no-untyped-def]
    org = ctx.services.org
    a = org.create_department("A", "外科", None)
    b = org.create_department("B", "普外科", a)
    c = org.create_department("C", "普外一病区", b)
    with pytest.raises(InvalidInput):
        org.move_department(a, c, _by_name(ctx, "外科").version)
    org.move_department(c, a, _by_name(ctx, "普外一病区").version)
    assert _by_name(ctx, "普外一病区").parent_id == a


def test_merge_moves_staff_posts_and_children(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    org = demo_ctx.services.org
    people = demo_ctx.services.people
    source = _by_name(demo_ctx, "呼吸与危重症医学科")
    target = _by_name(demo_ctx, "心血管内科")
    staff_before = source.employee_count + target.employee_count
    posts_before = source.position_count + target.position_count
    org.merge_departments(source.id, target.id, source.version)
    tree = {n.name: n for n in org.department_tree()}
    assert "呼吸与危重症医学科" not in tree  # inactive, kept for history
    assert tree["心血管内科"].employee_count == staff_before
    assert tree["心血管内科"].position_count == posts_before
    assert not [e for e in people.employees() if e.department == "呼吸与危重症医学科"]


def test_merge_into_own_child_is_refused(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    parent = _by_name(demo_ctx, "内科")
    child = _by_name(demo_ctx, "心血管内科")
    with pytest.raises(InvalidInput):
        demo_ctx.services.org.merge_departments(parent.id, child.id, parent.version)

"""Hospital-wide settings in the database: round trip, optimistic versions, bad keys and values."""

from __future__ import annotations

import pytest

from app.errors import Conflict, InvalidInput


def test_round_trip_and_versions(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.settings
    missing = svc.get("attendance.ward_rules.1", {"cover": []})
    assert (missing.version, missing.value) == (0, {"cover": []})
    first = svc.put("attendance.ward_rules.1", {"cover": [{"min": 3}]}, expected_version=0, user="hr1")
    assert first.version == 1 and first.updated_by == "hr1"
    second = svc.put("attendance.ward_rules.1", {"cover": [{"min": 4}]}, expected_version=1, user="hr2")
    assert second.version == 2
    assert svc.get("attendance.ward_rules.1").value == {"cover": [{"min": 4}]}
    assert svc.keys("attendance.") == ["attendance.ward_rules.1"]
    assert svc.keys("security.") == []


def test_a_stale_write_is_refused_and_changes_nothing(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.settings
    svc.put("clock.mapping.ZK", {"staff_no": "工号"}, expected_version=0)
    svc.put("clock.mapping.ZK", {"staff_no": "人员编号"}, expected_version=1)
    with pytest.raises(Conflict, match="另一台|another"):
        svc.put("clock.mapping.ZK", {"staff_no": "编号"}, expected_version=1)
    with pytest.raises(Conflict):
        svc.put("clock.mapping.NEW", {"x": 1}, expected_version=3)
    assert svc.get("clock.mapping.ZK").value == {"staff_no": "人员编号"}
    assert svc.get("clock.mapping.NEW").version == 0


def test_bad_keys_and_values_are_refused(ctx) -> None:  # type: ignore[no-untyped-def]
    svc = ctx.services.settings
    for key in ("", "has space", "x" * 121):
        with pytest.raises(InvalidInput):
            svc.put(key, 1)
    with pytest.raises(InvalidInput):
        svc.put("a.b", {"when": object()})
    assert svc.delete("a.b") is False
    svc.put("a.b", [1, "二"])
    assert svc.delete("a.b") is True
    assert svc.get("a.b").version == 0

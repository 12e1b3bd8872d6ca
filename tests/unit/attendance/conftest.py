from __future__ import annotations

from datetime import date

import pytest

from app.attendance.rules import Licence, RuleSettings, StaffMember
from app.attendance.shifts import ShiftCatalog, default_catalog

NURSE_LICENCE = (Licence("护士执业证书", date(2020, 1, 1), None),)


@pytest.fixture(scope="session")
def cat() -> ShiftCatalog:
    return default_catalog("三班倒")


def member(sid: str, *skills: str, licences=NURSE_LICENCE, **kw) -> StaffMember:  # type: ignore[no-untyped-def]
    return StaffMember(sid, frozenset(skills), tuple(licences), **kw)


@pytest.fixture()
def settings() -> RuleSettings:
    return RuleSettings()

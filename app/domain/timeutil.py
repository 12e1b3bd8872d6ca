"""Hospital local time. Mainland China keeps one zone without daylight saving (UTC+8).

A fixed offset is used rather than a tz database name so the program needs no tzdata on Windows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

HOSPITAL_TZ = timezone(timedelta(hours=8), "CST")


def to_local(value: datetime) -> datetime:
    return value.astimezone(HOSPITAL_TZ)


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=HOSPITAL_TZ)
    return value.astimezone(UTC)

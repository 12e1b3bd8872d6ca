from __future__ import annotations

from datetime import date

import pytest

from app.demo.vocab import id_check_digit
from app.domain.org import LicenceState, Month, degree_rank, licence_state

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("expiry", "state"),
    [
        (None, LicenceState.NO_EXPIRY),
        (date(2026, 11, 21), LicenceState.EXPIRED),  # expired yesterday
        (date(2026, 11, 22), LicenceState.EXPIRING_30),  # valid through today
        (date(2026, 12, 22), LicenceState.EXPIRING_30),  # day 30
        (date(2026, 12, 23), LicenceState.EXPIRING_90),  # day 31
        (date(2027, 2, 20), LicenceState.EXPIRING_90),  # day 90
        (date(2027, 2, 21), LicenceState.VALID),  # day 91
    ],
)
def test_licence_state_on_fixed_dates(expiry: date | None, state: LicenceState) -> None:
    assert licence_state(expiry, TODAY) == state


def test_month_arithmetic_across_the_year_end() -> None:
    assert Month.previous_complete(date(2027, 1, 5)) == Month(2026, 12)
    assert Month.previous_complete(TODAY) == Month(2026, 10)
    assert Month(2026, 12).next() == Month(2027, 1)
    assert len(Month(2028, 2).days()) == 29
    assert str(Month.parse("2026-03")) == "2026-03"
    with pytest.raises(ValueError):
        Month.parse("2026-13")


def test_degree_ladder() -> None:
    assert degree_rank("博士") > degree_rank("硕士") > degree_rank("本科") > degree_rank("大专")
    assert degree_rank("小学") == -1


def test_id_check_digit_matches_the_national_standard_example() -> None:
    # GB 11643-1999 worked example: 11010519491231002X
    assert id_check_digit("11010519491231002") == "X"

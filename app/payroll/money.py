"""Money is exact: Decimal yuan in the engine, integer fen in storage.

Rounding happens only where a rule says so, always half-up to the fen (0.01 元) unless a
setting asks for another quantum (some cities round the housing fund to the yuan).
Floats are refused everywhere: ``0.1 + 0.2 != 0.3``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
FEN = Decimal("0.01")
YUAN = Decimal("1")

MoneyLike = Decimal | int | str


class MoneyError(ValueError):
    """A value is not an exact amount of money (the caller turns it into a user message)."""


def dec(value: MoneyLike) -> Decimal:
    """Exact Decimal from a Decimal, int or decimal string. Floats and bools are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"not an exact number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        if text.startswith("¥") or text.startswith("￥"):
            text = text[1:].strip()
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"not a number: {value!r}") from exc
    else:
        raise MoneyError(f"not a number: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return result


def round_half_up(amount: Decimal, quantum: Decimal = FEN) -> Decimal:
    """Round half-up to ``quantum`` (default the fen). ``-0.005`` rounds to ``-0.01``."""
    result = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return result + ZERO if result == 0 else result  # normalise -0.00 to 0.00


def money(value: MoneyLike) -> Decimal:
    """An amount that must already be exact to the fen (e.g. user input ``"30000.00"``)."""
    amount = dec(value)
    if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        raise MoneyError(f"more than two decimals: {value!r}")
    return amount.quantize(FEN)


def to_fen(amount: Decimal) -> int:
    """Decimal yuan -> integer fen; the amount must be exact to the fen (no silent rounding)."""
    return int(money(amount) * 100)


def from_fen(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(f"fen must be an integer: {fen!r}")
    return (Decimal(fen) / 100).quantize(FEN)


def fmt(amount: Decimal) -> str:
    """Two-decimal string, e.g. ``"1234.50"`` (no thousands separator: machine friendly)."""
    return f"{round_half_up(amount):.2f}"


def fmt_grouped(amount: Decimal) -> str:
    """Two decimals with thousands separators, for payslips: ``"12,345.60"``."""
    return f"{round_half_up(amount):,.2f}"


def total(amounts: object) -> Decimal:
    result = ZERO
    for a in amounts:  # type: ignore[attr-defined]
        result += a
    return result

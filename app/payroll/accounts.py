"""Bank accounts for salary transfers (代发工资): checking and masking.

A personal salary account in China is a debit card number (银联 cards: 16–19 digits, the last a
Luhn check digit, usually starting with 62) or an older passbook account (存折, 12–22 digits, no
common check digit). So: digits only after removing spaces and dashes, 12–22 digits, and the Luhn
check where it applies (card-length numbers starting with 62 / 4 / 5). Display masks all but the
first four and last four digits unless the viewer may see individual pay (the permission check is the
security guard's; this module only masks).
"""

from __future__ import annotations

import re

from app.i18n import _

MIN_DIGITS = 12
MAX_DIGITS = 22


def normalise_account(text: str | None) -> str:
    return re.sub(r"[\s\-]", "", text or "")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """Card numbers (银联 62…, Visa 4…, Mastercard 5…) of 16–19 digits carry a Luhn check digit."""
    return 16 <= len(digits) <= 19 and digits[:1] in ("4", "5", "6") and (digits[0] != "6" or digits.startswith("62"))


def account_problem(text: str) -> str:
    """A translated problem that stops a transfer ("" when none): missing, or not 12–22 digits."""
    digits = normalise_account(text)
    if not digits:
        return _("no bank account")
    if not digits.isdigit() or not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return _("a bank account has {low} to {high} digits").format(low=MIN_DIGITS, high=MAX_DIGITS)
    return ""


def account_warning(text: str) -> str:
    """A translated doubt ("" when none): a card number whose Luhn check digit does not match. It is a
    warning, not a refusal: some banks issue account numbers of card length without the check digit."""
    digits = normalise_account(text)
    if digits.isdigit() and is_card_number(digits) and not luhn_ok(digits):
        return _("the card number fails its check digit (Luhn); check it with the employee")
    return ""


def mask_account(text: str | None) -> str:
    """``6222021234567890123`` → ``6222 **** **** *** 0123``-style: first and last four digits only."""
    digits = normalise_account(text)
    if not digits:
        return ""
    if len(digits) <= 8:
        return "*" * len(digits)
    return f"{digits[:4]} {'*' * (len(digits) - 8)} {digits[-4:]}"


def group_account(text: str | None) -> str:
    """Unmasked, in groups of four for reading aloud: ``6222 0212 3456 7890 123``."""
    digits = normalise_account(text)
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))

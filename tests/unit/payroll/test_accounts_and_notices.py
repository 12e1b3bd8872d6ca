"""Bank-account checks and masking; language-independent warnings."""

from __future__ import annotations

from decimal import Decimal as D

from app.i18n import language, set_language
from app.payroll.accounts import account_problem, account_warning, group_account, luhn_ok, mask_account
from app.payroll.notice import Notice, stored_text
from app.payroll.rules import OvertimeHours, overtime_pay


def test_luhn_on_known_numbers() -> None:
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")  # the textbook example
    assert luhn_ok("4111111111111111") and luhn_ok("6222020000000000000")


def test_accounts_are_checked_and_masked() -> None:
    assert account_problem("") and account_problem("6222-12") and account_problem("62220200000000000000000")
    assert account_problem("6222 0200 0000 0000 000") == "" and account_warning("6222 0200 0000 0000 000") == ""
    assert account_problem("6222020000000000001") == "" and "Luhn" in account_warning("6222020000000000001")
    assert account_warning("123456789012") == ""  # a passbook account: no check digit to test
    assert mask_account("6222020000000000001") == "6222 *********** 0001"
    assert group_account("6222-0200 00000000 0001") == "6222 0200 0000 0000 0001"


def test_warnings_translate_when_shown_and_old_rows_read_as_written() -> None:
    over = overtime_pay(D("3480"), OvertimeHours(D("40"), D("0"), D("0")))
    notice = over.warnings[0]
    assert isinstance(notice, Notice) and notice.to_json() == {
        "msgid": "{hours} overtime hours this month exceed the legal cap of 36 hours (劳动法 第四十一条).",
        "params": {"hours": "40"}}
    previous = language()
    try:
        set_language("en")
        assert stored_text(notice.to_json()).startswith("40 overtime hours")
        set_language("zh_CN")
        assert "40" in stored_text(notice.to_json()) and "加班" in stored_text(notice.to_json())
    finally:
        set_language(previous)
    assert stored_text({"employee_id": 1, "text": "旧提示"}) == "旧提示"
    assert stored_text({"msgid": "{missing} param", "params": {}}) == "{missing} param"

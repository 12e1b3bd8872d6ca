"""Labels of stored codes, weekday names and list punctuation follow the interface language; the weekday
editor of the ward rules reads what it shows, in either language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import combinations

import pytest

from app import i18n
from app.errors import InvalidInput
from ui.dialogs.ward_rules import parse_weekdays, weekdays_text
from ui.tablemodels.labels import (
    RECOMMENDATION_CODES,
    bracketed,
    join_clauses,
    join_list,
    quoted,
    recommendation_label,
    weekday_short,
)


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language("zh_CN")


def test_recommendation_codes_show_the_hospitals_chinese_labels() -> None:
    assert [recommendation_label(c) for c in RECOMMENDATION_CODES] == ["推荐录用", "保留观察", "不推荐"]
    assert recommendation_label(None) == "" and recommendation_label("") == ""
    assert recommendation_label("escalate") == "escalate"  # an unknown code is shown, not hidden


def test_recommendation_codes_in_english(english: None) -> None:
    assert [recommendation_label(c) for c in RECOMMENDATION_CODES] == \
        ["Recommend hiring", "Keep under observation", "Not recommended"]


def test_weekday_headers() -> None:
    week = [date(2026, 11, d) for d in range(16, 23)]  # Monday 16 November 2026 … Sunday 22
    assert "".join(weekday_short(d) for d in week) == "一二三四五六日"
    i18n.set_language("en")
    try:
        assert [weekday_short(d) for d in week] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    finally:
        i18n.set_language("zh_CN")


def test_list_punctuation() -> None:
    assert join_list(["内科", "外科"]) == "内科、外科" and join_clauses(["甲", "乙"]) == "甲；乙"
    assert bracketed("心内科") == "（心内科）" and quoted("好") == "「好」"
    i18n.set_language("en")
    try:
        assert join_list(["内科", "外科"]) == "内科, 外科" and join_clauses(["a", "b"]) == "a; b"
        assert bracketed("ICU") == " (ICU)" and quoted("ok") == "\u201cok\u201d"
    finally:
        i18n.set_language("zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_weekday_set_reads_back_as_shown(lang: str) -> None:
    try:
        i18n.set_language(lang)
        for k in range(1, 8):
            for days in combinations(range(7), k):
                shown = weekdays_text(frozenset(days))
                assert parse_weekdays(shown) == frozenset(days), shown
    finally:
        i18n.set_language("zh_CN")


def test_weekdays_typed_in_either_language(english: None) -> None:
    assert weekdays_text(frozenset({5, 6})) == "Sat, Sun"
    assert parse_weekdays("Mon-Fri") == frozenset(range(5))
    assert parse_weekdays("saturday; SUN") == frozenset({5, 6})
    assert parse_weekdays("tues, thurs") == frozenset({1, 3})
    assert parse_weekdays("周六、周日") == frozenset({5, 6})  # a rule typed in Chinese still reads in English
    assert parse_weekdays("星期天") == frozenset({6})
    assert parse_weekdays("一-五") == frozenset(range(5))
    for bad in ("八", "Fri-Mon", "t", "Mo-", "1-9"):
        with pytest.raises(InvalidInput, match="Sat, Sun"):  # the example is written in the language in use
            parse_weekdays(bad)

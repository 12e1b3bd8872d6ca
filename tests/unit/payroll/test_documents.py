"""Pay settings documents: TOML errors and checker errors name the line; the dry run covers every item."""

from __future__ import annotations

from app.payroll.documents import default_text, parse_city_text, parse_structure_text, sample_profiles, validate_document


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    found = [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln]
    return found[occurrence - 1]


def test_city_errors_name_the_period_line() -> None:
    # the second period's line (the first carries a comment after the value)
    text = default_text("city").replace('pension_rate = "0.08"\n', 'pension_rate = "8"\n')
    header = _line_of(text, '[[cities."示例市".periods]]', 2)
    v = validate_document("city", text, "2026-11")
    assert not v.ok and "0.08" in v.problems[0] and f"第 {header} 行" in v.problems[0]


def test_toml_syntax_errors_are_reported_with_their_line() -> None:
    text = default_text("structure").replace('name = "夜班费"', 'name = "夜班费', 1)
    v = validate_document("structure", text, "2026-11")
    assert not v.ok and "TOML" in v.problems[0] and "line" in v.problems[0]


def test_an_unknown_kind_and_a_bad_month_are_refused() -> None:
    assert not validate_document("structure", default_text("structure"), "2026/11").ok


def test_the_dry_run_uses_every_item_of_the_default_structure() -> None:
    structure = parse_structure_text(default_text("structure"))
    city = parse_city_text(default_text("city"))
    v = validate_document("structure", default_text("structure"), "2026-11", city=city)
    assert v.ok, v.problems
    samples = sample_profiles(structure, __import__("datetime").date(2026, 11, 1))
    categories = {p.category for p in samples}
    assert {"护士", ""} <= categories | {""}  # nurses (护龄津贴, 护士10%) and someone of no listed category
    assert any("护士长" in p.roles for p in samples)  # 护士长津贴
    assert len(v.samples) == len(samples)

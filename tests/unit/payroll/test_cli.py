"""``python -m app payroll simulate FILE.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.i18n import set_language


@pytest.fixture(autouse=True)
def chinese():  # type: ignore[no-untyped-def]
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def _write(tmp_path: Path, data: object) -> str:
    p = tmp_path / "in.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(p)


def test_simulate_worked_example(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    month = {"gross": "30000.00", "tax_free": "0", "special_deduction": "4500.00",
             "special_additional_deduction": "2000.00", "other_deduction": "0", "tax_relief": "0"}
    data = {"year": 2026, "first_month": 1,
            "options": {"first_salary_of_year": False, "prior_year_under_60000": False},
            "months": [{"month": m, **month} for m in range(1, 13)]}
    assert main(["payroll", "simulate", _write(tmp_path, data)]) == 0
    out = json.loads(capsys.readouterr().out)
    # see test_tax.test_full_year_crosses_10_and_20_percent_brackets for the arithmetic
    assert out["months"][0] == {"month": 1, "cumulative_taxable": "18500.00", "tax": "555.00",
                                "cumulative_tax": "555.00", "net": "24945.00"}
    assert out["months"][7]["tax"] == "2250.00"
    assert out["annual_tax"] == "27480.00"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": 2026, "months": [{"month": 1, "gross": "12.345"}]}, "months[0].gross"),
        ({"year": 2026, "months": [{"month": 1, "gross": 3.14159}]}, "months[0].gross"),
        ({"year": 2026, "months": [{"month": 13, "gross": "1"}]}, "months[0].month"),
        ({"year": 2026, "months": [{"month": 1, "gross": "-5"}]}, "months[0].gross"),
        ({"year": 2026, "months": [{"month": 1, "gross": "1", "bonus": "1"}]}, "months[0].bonus"),
        ({"year": "2026", "months": []}, "year"),
        ({"year": 2026, "months": []}, "months"),
        ({"year": 2026, "first_month": 0, "months": [{"month": 1, "gross": "1"}]}, "first_month"),
        ({"year": 2026, "options": {"first_salary_of_year": "yes"}, "months": [{"month": 1, "gross": "1"}]},
         "options.first_salary_of_year"),
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path: Path, capsys, data, field) -> None:  # type: ignore[no-untyped-def]
    assert main(["payroll", "simulate", _write(tmp_path, data)]) == 2
    err = capsys.readouterr().err
    assert field in err and "字段" in err and "Traceback" not in err


def test_missing_file_and_bad_json(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["payroll", "simulate", str(tmp_path / "nope.json")]) == 2
    assert "找不到文件" in capsys.readouterr().err
    p = tmp_path / "bad.json"
    p.write_text("{not json", encoding="utf-8")
    assert main(["payroll", "simulate", str(p)]) == 2
    assert "不是有效的 JSON" in capsys.readouterr().err


def test_every_payroll_message_has_a_translation() -> None:
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[3]
    with (root / "resources/i18n/zh_CN/payroll.po").open("rb") as fh:
        catalog = read_po(fh)
    files = sorted((root / "app/payroll").glob("*.py")) + [root / "app/commands/payroll.py"]
    missing = []
    for f in files:
        for _lineno, msg, _c, _ctx in extract_from_file("python", str(f), keywords={"_": None}):
            entry = catalog.get(msg)
            if entry is None or not entry.string:
                missing.append((f.name, msg))
    assert not missing


def test_settings_check_and_save_from_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """An empty database (no demo): check a broken document (exit 2, line named), then save the shipped one."""
    from app.context import open_app
    from app.paths import DataDir
    from app.payroll.documents import default_text

    open_app(DataDir(tmp_path / "data")).close()
    good = tmp_path / "city.toml"
    good.write_text(default_text("city"), encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(default_text("city").replace('minimum_wage = "2400.00"', 'minimum_wage = "很低"'), encoding="utf-8")
    base = ["--data-dir", str(tmp_path / "data")]
    assert main(["payroll", "settings", "check", str(bad), "--kind", "city", "--month", "2026-07", *base]) == 2
    assert "minimum_wage" in capsys.readouterr().err
    assert main(["payroll", "settings", "save", str(good), "--kind", "city", "--month", "2026-07", *base, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["saved_id"] is not None
    assert main(["payroll", "settings", "list", *base, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["effective_month"]) for r in rows] == [("city", "2026-07")]

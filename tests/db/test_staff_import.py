from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.db.tables import Department, Employee, Licence, PayProfile, Person, Position
from app.db.uow import unit_of_work
from app.demo.vocab import id_check_digit
from app.errors import InvalidInput
from app.security.permissions import PermissionDenied
from app.services.staff_import import guess_mapping, id_number_problem, parse_mapping_option
from tests.unit.security.matrix import principal

HR = principal("hr")
HEADER = ["工号", "姓名", "性别", "身份证号", "出生日期", "手机号", "科室", "岗位编码", "入职日期", "职称",
          "执业证书", "证书编号", "证书有效期", "银行账号", "薪级", "合同工资"]


def ident(birth: str, seq: str = "123") -> str:
    first = f"110101{birth}{seq}"
    return first + id_check_digit(first)


GOOD = ["H0001", "张伟", "男", ident("19900307", "123"), "1990-03-07", "13812345678", "心血管内科", "CARD-RES",
        "2015-08-01", "主治医师", "医师执业证书", "110110000123", "2030-01-01", "6222021234567890128", "20",
        "8500.00"]


@pytest.fixture()
def org(ctx):  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        card = Department(code="CARD", name="心血管内科")
        icu = Department(code="ICU", name="重症医学科")
        s.add_all([card, icu])
        s.flush()
        s.add(Position(code="CARD-RES", title="住院医师", department_id=card.id, job_family="physician"))
        s.add(Position(code="ICU-RN", title="护士", department_id=icu.id, job_family="nursing"))
        person = Person(name="旧员工")
        s.add(person)
        s.flush()
        s.add(Employee(person_id=person.id, staff_no="H9999", department_id=icu.id, hire_date=date(2010, 1, 1)))
    return ctx


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def counts(ctx) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Person, Employee, Licence, PayProfile))


def test_gb11643_checks() -> None:
    assert id_number_problem(ident("19900307")) is None
    bad = ident("19900307")[:-1] + ("0" if ident("19900307")[-1] != "0" else "1")
    assert "校验码" in (id_number_problem(bad) or "")
    assert "出生日期" in (id_number_problem("110101" + "19900231" + "123" + "0") or "")
    assert "15" in (id_number_problem("110101900307123") or "")


def test_mapping_is_guessed_from_chinese_headers() -> None:
    m = guess_mapping(["工号", "姓名", "身份证号码", "所在科室", "入职日期", "备注"])
    assert m == {"staff_no": "工号", "name": "姓名", "id_number": "身份证号码", "department": "所在科室",
                 "hire_date": "入职日期"}
    assert parse_mapping_option("staff_no=编号,name=名字") == {"staff_no": "编号", "name": "名字"}
    with pytest.raises(InvalidInput):
        parse_mapping_option("nonsense=列")


def test_clean_file_imports_everything(org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    second = ["H0002", "李娜", "女", ident("19950612", "124"), "", "010-66778899", "ICU", "", "2020-07-01", "",
              "", "", "", "", "", ""]
    path = write_csv(tmp_path / "staff.csv", [GOOD, second], encoding="gbk")
    before = counts(org)
    result = org.services.staff_import.run(HR, path)
    assert result.written == 2 and result.preview.clean
    assert [a - b for a, b in zip(counts(org), before, strict=True)] == [2, 2, 1, 1]
    with unit_of_work(org.session_factory) as s:
        emp = s.scalar(select(Employee).where(Employee.staff_no == "H0002"))
        person = s.get(Person, emp.person_id)
        assert person.birth_date == date(1995, 6, 12) and person.gender == "女"  # taken from the ID number
        pay = s.scalar(select(PayProfile))
        assert pay.contract_wage_fen == 850000 and pay.salary_level == 20
    entry = org.services.audit.query(principal("admin"))[0]
    assert entry.action == "staff.import" and "8500" not in entry.detail and "6222" not in entry.detail


def _issue_reasons(preview) -> dict[tuple[int, str], str]:  # type: ignore[no-untyped-def]
    return {(i.row, i.column): i.reason for i in preview.issues}


def test_every_kind_of_problem_is_reported_and_nothing_is_written(org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        GOOD,
        ["H0001", "重复", "男", ident("19880101", "111"), "", "", "心血管内科", "", "2015-01-01"] + [""] * 7,
        ["H9999", "库中已有", "", "", "", "", "ICU", "", "2015-01-01"] + [""] * 7,
        ["H0003", "校验错", "", ident("19900307")[:-1] + "0" if ident("19900307")[-1] != "0" else "1", "", "",
         "ICU", "", "2015-01-01"] + [""] * 7,
        ["H0004", "日期错", "", "", "", "", "ICU", "", "2015-02-30"] + [""] * 7,
        ["H0005", "生日不符", "男", ident("19900101", "111"), "1991-01-01", "", "ICU", "", "2015-01-01"] + [""] * 7,
        ["H0006", "无此科", "", "", "", "", "口腔科", "", "2015-01-01"] + [""] * 7,
        ["H0007", "电话错", "", "", "", "12345", "ICU", "", "2015-01-01"] + [""] * 7,
        ["H0008", "账号错", "", "", "", "", "ICU", "", "2015-01-01"] + [""] * 4 + ["62220212AB"] + [""] * 2,
        ["H0009", "岗位错", "", "", "", "", "ICU", "CARD-RES", "2015-01-01"] + [""] * 7,
    ]
    path = write_csv(tmp_path / "staff.csv", rows)
    before = counts(org)
    preview = org.services.staff_import.preview(path)
    reasons = _issue_reasons(preview)
    assert "第 2 行重复" in reasons[(3, "工号")]
    assert "已存在" in reasons[(4, "工号")]
    assert "校验码" in reasons[(5, "身份证号")]
    assert "不存在" in reasons[(6, "入职日期")]
    assert "不符" in reasons[(7, "出生日期")]
    assert "科室不存在" in reasons[(8, "科室")]
    assert "手机号" in reasons[(9, "手机号")]
    assert "银行账号" in reasons[(10, "银行账号")]
    assert "其他科室" in reasons[(11, "岗位编码")]
    assert preview.bad_rows == (3, 4, 5, 6, 7, 8, 9, 10, 11) and len(preview.good) == 1
    with pytest.raises(InvalidInput) as err:
        org.services.staff_import.run(HR, path)
    assert "未导入任何数据" in err.value.message
    assert counts(org) == before
    assert org.services.staff_import.run(HR, path, dry_run=True).written == 0
    assert counts(org) == before
    result = org.services.staff_import.run(HR, path, good_rows=True)
    assert result.written == 1 and counts(org)[1] == before[1] + 1
    report = org.services.staff_import.export_report(preview, tmp_path / "report.xlsx")
    ws = load_workbook(report).active
    assert ws.max_row == len(preview.issues) + 1 and ws["A1"].value == "行"


def test_excel_input_with_dates_and_numbers(org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws.append(["员工编号", "姓名", "部门", "入职时间", "身份证号", "手机"])
    ws.append(["H0100", "周敏", "重症医学科", date(2019, 9, 1), ident("19970215", "222"), 13912345678])
    path = tmp_path / "staff.xlsx"
    wb.save(path)
    result = org.services.staff_import.run(HR, path)
    assert result.written == 1, result.preview.issues


def test_only_hr_and_admin_import(org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "s.csv", [GOOD])
    for role in ("interviewer", "dept_head", "payroll"):
        with pytest.raises(PermissionDenied):
            org.services.staff_import.run(principal(role), path, dry_run=True)


def test_missing_required_column(org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "s.csv", [["H1", "x"]], header=["工号", "姓名"])
    with pytest.raises(InvalidInput) as err:
        org.services.staff_import.preview(path)
    assert "科室" in err.value.message and "入职日期" in err.value.message


def test_cli(org, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    bad = ["H0200", "无此科", "", "", "", "", "口腔科", "", "2015-01-01"] + [""] * 7
    path = write_csv(tmp_path / "s.csv", [GOOD, bad])
    root = str(org.data.root)
    assert main(["staff", "import", str(path), "--dry-run", "--json", "--data-dir", root]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bad_rows"] == [3] and out["written"] == 0
    assert main(["staff", "import", str(path), "--data-dir", root, "--report", str(tmp_path / "r.xlsx")]) == 2
    assert "未导入任何数据" in capsys.readouterr().err and (tmp_path / "r.xlsx").exists()
    assert main(["staff", "import", str(path), "--good-rows", "--data-dir", root]) == 0
    assert "已导入 1 行" in capsys.readouterr().out


# ----------------------------------------------------------------------------- fuzzing

cell = st.one_of(st.text(max_size=25), st.sampled_from(["", "ICU", "心血管内科", "2015-01-01", "2015-13-40", "男", "女",
                                                        ident("19900307"), "13812345678", "CARD-RES", "6222021234567890128",
                                                        "=1+1", "1e309", "NaN", "20", "-5"]))
row = st.lists(cell, min_size=0, max_size=len(HEADER) + 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, max_size=12), good_rows=st.booleans())
def test_fuzz_rows_never_crash_and_never_store_partially(org, tmp_path_factory, rows, good_rows) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path_factory.mktemp("fz") / "f.csv", rows)
    before = counts(org)
    svc = org.services.staff_import
    try:
        preview = svc.preview(path)
    except InvalidInput:
        assert counts(org) == before
        return
    rejected = set(preview.bad_rows)
    for r in rejected:
        assert any(i.row == r and i.severity == "error" and i.reason for i in preview.issues)
    assert not rejected & {g.row for g in preview.good}
    try:
        result = svc.run(HR, path, good_rows=good_rows)
    except InvalidInput:
        assert not good_rows and rejected
        assert counts(org) == before
        return
    assert result.written == len(preview.good)
    assert counts(org)[1] == before[1] + len(preview.good)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_fuzz_random_bytes_give_a_clear_error_or_a_report(org, tmp_path_factory, data, suffix) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fb") / f"f{suffix}"
    path.write_bytes(data)
    before = counts(org)
    try:
        result = org.services.staff_import.run(HR, path, good_rows=True)
    except InvalidInput as exc:
        assert exc.message
        assert counts(org) == before
        return
    assert counts(org)[1] == before[1] + result.written

"""The printed 入职审批单 carries what each signer was warned about (missing or expiring licences)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from pypdf import PdfReader

from app.reports.onboarding_pdf import write_onboarding_pdf


def _form(steps: list[dict]) -> SimpleNamespace:
    return SimpleNamespace(
        id=7, name="李新", department="心血管内科", position="心内科住院医师", grade="专技十二级", salary_level=5,
        start_date="2026-12-01", contract_years=3.0, probation_months=6, pay_items={"岗位工资": 214000},
        contract_wage_fen=800000, probation_wage_fen=640000, steps=steps,
    )


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(str(path)).pages).replace(" ", "")


def test_licence_warnings_are_printed_with_their_step(tmp_path: Path) -> None:
    steps = [
        {"role": "hr", "by": "人事甲", "at": "2026-11-20T09:00", "decision": "approve", "note": "",
         "licence_warnings": ["尚无医师执业证书：入职后须注册，注册前不得独立执业"]},
        {"role": "dept_head", "by": "王主任", "at": "2026-11-21T10:00", "decision": "approve", "note": ""},
    ]
    out = write_onboarding_pdf(_form(steps), tmp_path / "form.pdf", step_labels={"hr": "人事专员", "dept_head": "科室主任"},
                               state_label="审批中", contract_label="固定期限", rule_label="劳动合同法第十九条")
    text = _text(out)
    assert "签署时的证照核查结果" in text
    assert "人事专员：尚无医师执业证书" in text


def test_no_findings_section_without_warnings(tmp_path: Path) -> None:
    steps = [{"role": "hr", "by": "人事甲", "at": "2026-11-20T09:00", "decision": "approve", "note": ""}]
    out = write_onboarding_pdf(_form(steps), tmp_path / "form.pdf", step_labels={"hr": "人事专员"},
                               state_label="审批中", contract_label="固定期限", rule_label="劳动合同法第十九条")
    assert "证照核查" not in _text(out)

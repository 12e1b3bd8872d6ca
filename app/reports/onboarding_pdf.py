"""入职审批单 PDF: the pre-filled onboarding form with every approval step, printable on A4."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.i18n import _
from app.reports.profile_pdf import Styles, footer, table, text


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def build_story(form: Any, *, step_labels: dict[str, str], state_label: str, contract_label: str,
                rule_label: str) -> list[Any]:  # form: app.services.talent.OnboardingRow
    st = Styles()
    q = 180 * mm / 4
    story: list[Any] = [
        Paragraph(_("Onboarding approval form"), st.title),
        Paragraph(_("Form no. {id} · state: {state}").format(id=form.id, state=escape(state_label)), st.subtitle),
        Spacer(1, 4 * mm),
        Paragraph(_("Employment"), st.h2),
        table([
            [_("Name"), text(form.name), _("Department"), text(form.department)],
            [_("Position"), text(form.position), _("Post grade"), text(form.grade)],
            [_("Salary level"), str(form.salary_level), _("Start date"), text(form.start_date)],
            [_("Contract"), escape(contract_label), _("Contract years"), f"{form.contract_years:g}"],
            [_("Probation"), _("{n} months").format(n=form.probation_months), _("Probation rule"), escape(rule_label)],
        ], [q * 0.8, q * 1.2, q * 0.8, q * 1.2], st, header=False),
        Paragraph(_("Pay (yuan per month)"), st.h2),
    ]
    rows = [[_("Item"), _("Amount")]]
    for key, value in form.pay_items.items():
        if isinstance(value, int) and key not in ("performance_coefficient",):
            rows.append([escape(key), _yuan(value)])
    rows.append([_("Contract wage"), _yuan(form.contract_wage_fen)])
    rows.append([_("Probation wage"), _yuan(form.probation_wage_fen)])
    basis = form.pay_items.get("probation_basis")
    if basis:
        rows.append([_("Probation wage set by"), escape(str(basis))])
    coeff = form.pay_items.get("performance_coefficient")
    if coeff is not None:
        rows.append([_("Performance coefficient during probation"), f"{float(coeff):.2f}"])
    story.append(table(rows, [90 * mm, 90 * mm], st))
    story.append(Paragraph(_("Approval"), st.h2))
    steps = [[_("Step"), _("Signed by"), _("Time"), _("Decision"), _("Note")]]
    for s in form.steps:
        steps.append([escape(step_labels.get(s.get("role", ""), s.get("role", ""))), text(s.get("by")),
                      text(str(s.get("at", ""))[:16].replace("T", " ")), escape(step_labels.get(s.get("decision", ""), s.get("decision", ""))),
                      text(s.get("note"))])
    story.append(table(steps, [30 * mm, 38 * mm, 30 * mm, 22 * mm, 60 * mm], st))
    findings = [(s, w) for s in form.steps for w in (s.get("licence_warnings") or ())]
    if findings:  # what the signers were warned about (missing or expiring licences), as they saw it
        story.append(Paragraph(_("Licence findings at signing"), st.h2))
        for s, warning in findings:
            step = step_labels.get(s.get("role", ""), s.get("role", ""))
            story.append(Paragraph(escape(_("{step}: {warning}").format(step=step, warning=warning)), st.body))
    story.append(Spacer(1, 10 * mm))
    story.append(Paragraph(_("Signature of the new employee: ____________    Date: ____________"), st.body))
    return story


def write_onboarding_pdf(form: Any, path: Path, **labels: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=16 * mm, title=_("Onboarding approval form"))
    draw = footer(_("Onboarding approval form no. {id}").format(id=form.id))
    doc.build(build_story(form, **labels), onFirstPage=draw, onLaterPages=draw)
    return path

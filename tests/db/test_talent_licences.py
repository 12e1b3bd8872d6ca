"""Licence check at onboarding (refuse vs warn per licence kind), signers from the signed-in principal,
the pool-reason accessor and coefficients that payroll does not need copied first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db.tables import (
    Candidate,
    Department,
    Employee,
    Licence,
    PayProfile,
    PerformanceCoefficient,
    Person,
    Position,
    PositionCompetency,
)
from app.db.uow import unit_of_work
from app.errors import InvalidInput
from app.security.permissions import Principal
from app.services.talent import pool_reason, resume_corrections, signer_name, with_pool_reason
from app.talent.licences import HeldLicence, Problem, Severity, check_licences, expiry_of

START = date(2026, 12, 1)


# ------------------------------------------------------------------------------------------ pure rules


def test_refuse_or_warn_by_kind_of_licence() -> None:
    required = ["医师资格证书", "医师执业证书", "规培合格证", "院内急救培训合格证"]
    check = check_licences(required, [], START)
    by_kind = {f.kind: f for f in check.findings}
    assert {k: (f.problem, f.severity) for k, f in by_kind.items()} == {
        "医师资格证书": (Problem.MISSING, Severity.REFUSE),  # a qualification cannot follow the hiring
        "医师执业证书": (Problem.MISSING, Severity.WARN),  # registration follows the hiring
        "规培合格证": (Problem.MISSING, Severity.WARN),
        "院内急救培训合格证": (Problem.MISSING, Severity.WARN),  # the hospital's own kind: the signer judges
    }
    assert all(f.kind in f.message for f in check.findings)
    assert [f.kind for f in check.refusals] == ["医师资格证书"]

    held = [HeldLicence("医师资格证书", "110000"), HeldLicence("医师执业证书", "2201", expiry_date=date(2026, 11, 30)),
            HeldLicence("规培合格证", "GP1"), HeldLicence("大型设备上岗证", "MR9", expiry_date=date(2026, 1, 1)),
            HeldLicence("院内急救培训合格证")]
    check = check_licences([*required, "大型设备上岗证"], held, START)
    assert [(f.kind, f.problem, f.severity) for f in check.findings] == [
        ("医师执业证书", Problem.EXPIRED, Severity.REFUSE),  # lapsed the day before the start
        ("大型设备上岗证", Problem.EXPIRED, Severity.WARN),  # restricts the work, does not bar the hiring
    ]
    assert "2026-11-30" in check.findings[0].message and "2201" in check.findings[0].message

    # valid through the expiry date itself; expiring within 90 days of the start is a warning
    soon = [HeldLicence("医师执业证书", "2201", expiry_date=START), HeldLicence("医师资格证书")]
    check = check_licences(["医师执业证书", "医师资格证书"], soon, START)
    assert [(f.problem, f.severity) for f in check.findings] == [(Problem.EXPIRING, Severity.WARN)]
    assert check_licences(["医师执业证书"], [HeldLicence("医师执业证书", expiry_date=START + timedelta(days=91))],
                          START).ok


def test_the_latest_licence_of_a_kind_counts_and_names_are_matched_tolerantly() -> None:
    held = [HeldLicence("护士执业证", "old", expiry_date=date(2025, 5, 1)),
            HeldLicence("护士执业证书", "new", expiry_date=date(2030, 5, 1))]
    assert check_licences(["护士执业证书"], held, START).ok
    # a nurse registration with no expiry on file lapses 5 years after issue (护士条例 第八条)
    lapsed = HeldLicence("护士执业证书", "N1", issue_date=date(2021, 6, 30))
    assert expiry_of(lapsed) == date(2026, 6, 30)
    check = check_licences(["护士执业证书"], [lapsed], START)
    assert [(f.problem, f.severity, f.due) for f in check.findings] == [(Problem.EXPIRED, Severity.REFUSE, date(2026, 6, 30))]
    # 医师定期考核 overdue → warning
    overdue = HeldLicence("医师执业证书", "D1", next_assessment=date(2026, 6, 1))
    assert [(f.problem, f.severity) for f in check_licences(["医师执业证书"], [overdue], START).findings] == [
        (Problem.ASSESSMENT_OVERDUE, Severity.WARN)]


# ------------------------------------------------------------------------------------------ the service


def _post_and_candidate(ctx, licences: list[str]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        d = Department(code="NK-HX", name="呼吸内科")
        s.add(d)
        s.flush()
        pos = Position(code="P-HX", title="呼吸内科住院医师", department_id=d.id, job_family="physician",
                       grade="专业技术十二级", title_ladder="住院医师", requirements={"licences": licences},
                       competencies=[PositionCompetency(name="专业知识", weight=100, pass_bar=6.0, sort_order=0)])
        s.add(pos)
        p = Person(name="周晴", gender="女", highest_degree="硕士")
        s.add(p)
        s.flush()
        c = Candidate(person_id=p.id, position_id=pos.id, status="interview",
                      applied_at=datetime(2026, 10, 1, tzinfo=UTC), corrections={"school": "某医科大学"})
        s.add(c)
        s.flush()
        return p.id, c.id


def _add_licence(ctx, person_id: int, kind: str, number: str, expiry: date | None = None) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.add(Licence(person_id=person_id, kind=kind, number=number, expiry_date=expiry))


def test_onboarding_approval_refuses_and_warns_on_licences(ctx) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    person_id, cand_id = _post_and_candidate(ctx, ["医师资格证书", "医师执业证书", "规培合格证"])
    form_id, _ = talent.create_onboarding(cand_id, start_date=START, user="王敏", contract_type="fixed_3y",
                                          public_institution=False)
    form = talent.onboarding_form(form_id)
    with pytest.raises(InvalidInput) as refused:
        talent.sign_onboarding(form_id, form.version, user="王敏", approve=True)
    assert "医师资格证书" in str(refused.value) and "医师执业证书" not in str(refused.value)
    assert talent.onboarding_form(form_id).state == "hr"  # nothing was signed

    _add_licence(ctx, person_id, "医师资格证书", "Q-2019-001")
    _add_licence(ctx, person_id, "医师执业证书", "P-2020-002", expiry=START - timedelta(days=1))
    with pytest.raises(InvalidInput) as refused:
        talent.sign_onboarding(form_id, form.version, user="王敏", approve=True)
    assert "医师执业证书" in str(refused.value) and (START - timedelta(days=1)).isoformat() in str(refused.value)
    # rejecting the form is always possible
    findings = talent.onboarding_form(form_id).licence_findings  # what the signing dialog shows
    assert [(f.kind, f.severity) for f in findings] == [("医师执业证书", Severity.REFUSE), ("规培合格证", Severity.WARN)]

    _add_licence(ctx, person_id, "医师执业证书", "P-2026-003", expiry=date(2031, 11, 30))  # renewed
    talent.sign_onboarding(form_id, form.version, user="王敏", approve=True)
    form = talent.onboarding_form(form_id)
    assert any("规培合格证" in w for w in form.steps[-1]["licence_warnings"])
    talent.sign_onboarding(form_id, form.version, user="李主任", approve=True)
    form = talent.onboarding_form(form_id)
    result, _ = talent.sign_onboarding(form_id, form.version, user="赵科长", approve=True)
    assert result is not None and len(result.licence_warnings) == 1 and "规培合格证" in result.licence_warnings[0]
    approved = talent.onboarding_form(form_id)
    assert approved.licence_findings == () and "规培合格证" in approved.steps[-1]["licence_warnings"][0]


def test_rejection_needs_no_licences(ctx) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    _person_id, cand_id = _post_and_candidate(ctx, ["医师资格证书"])
    form_id, _ = talent.create_onboarding(cand_id, start_date=START, user="王敏", public_institution=False)
    form = talent.onboarding_form(form_id)
    talent.sign_onboarding(form_id, form.version, user="王敏", approve=False, note="资格证书未取得")
    assert talent.onboarding_form(form_id).state == "rejected"


def test_signer_is_the_signed_in_person_with_the_typed_name_as_fallback(ctx) -> None:  # type: ignore[no-untyped-def]
    doctor = Principal("lijg", "dept_head", None, frozenset(), display_name="李建国")
    assert signer_name(doctor, "typed") == "李建国"
    assert signer_name(Principal("zhaol", "hr_manager", None, frozenset()), "typed") == "zhaol"
    assert signer_name(Principal.system(), "王敏") == "王敏"  # command line / demo: the typed name
    assert signer_name(None, " 王敏 ") == "王敏"

    talent = ctx.services.talent
    _person_id, cand_id = _post_and_candidate(ctx, [])
    form_id, _ = talent.create_onboarding(cand_id, start_date=START, user="王敏", public_institution=False)
    form = talent.onboarding_form(form_id)
    talent.sign_onboarding(form_id, form.version, user="whatever was typed", approve=True,
                           signer=Principal("wangm", "hr", None, frozenset(), display_name="王敏"))
    form = talent.onboarding_form(form_id)
    assert form.steps[-1]["by"] == "王敏"
    with pytest.raises(InvalidInput):
        talent.sign_onboarding(form_id, form.version, approve=True, signer=Principal.system())  # nobody named


def test_pool_reason_accessor_keeps_resume_corrections_apart(ctx) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    corr = with_pool_reason({"school": "某医科大学"}, "编制已满", by="王敏", at=at)
    assert pool_reason(corr) == "编制已满" and resume_corrections(corr) == {"school": "某医科大学"}
    assert pool_reason({}) == "" and pool_reason(None) == "" and pool_reason({"pool_reason": "garbled"}) == ""

    talent = ctx.services.talent
    person_id, cand_id = _post_and_candidate(ctx, [])
    talent.move_to_pool(cand_id, "本次编制已满，保留至人才库", user="王敏")
    assert [(r.candidate_id, r.reason) for r in talent.pool()] == [(cand_id, "本次编制已满，保留至人才库")]
    prof = talent.profile(person_id, START)
    assert prof.resume_corrected == ("school",)  # the reason is not shown as a resume correction
    with unit_of_work(ctx.session_factory) as s:
        assert s.get(Candidate, cand_id).corrections["pool_reason"]["by"] == "王敏"  # type: ignore[union-attr]


def test_apply_coefficients_only_copies_approved_rows_and_is_idempotent(ctx) -> None:  # type: ignore[no-untyped-def]
    """Payroll reads approved coefficients by month itself; ``apply_coefficients`` only keeps the pay profile's
    'current' figure in step and must never copy a proposed or rejected one."""
    talent = ctx.services.talent
    _person_id, cand_id = _post_and_candidate(ctx, [])
    form_id, _ = talent.create_onboarding(cand_id, start_date=date(2026, 3, 2), user="王敏", public_institution=False)
    for user in ("王敏", "李主任", "赵科长"):
        form = talent.onboarding_form(form_id)
        result, _ = talent.sign_onboarding(form_id, form.version, user=user, approve=True)
    assert result is not None
    emp_id = result.employee_id
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.add_all([
            PerformanceCoefficient(employee_id=emp_id, effective_month="2026-09", coefficient=0.9, reason="转正",
                                   source="probation", status="approved", decided_by="赵科长"),
            PerformanceCoefficient(employee_id=emp_id, effective_month="2026-10", coefficient=1.4, reason="建议",
                                   source="training", status="proposed"),
            PerformanceCoefficient(employee_id=emp_id, effective_month="2026-10", coefficient=0.5, reason="驳回",
                                   source="training", status="rejected", decided_by="赵科长"),
        ])

    def current() -> float:
        with unit_of_work(ctx.session_factory) as s:
            pay = s.scalar(select(PayProfile).where(PayProfile.employee_id == emp_id))
            assert pay is not None and s.get(Employee, emp_id) is not None
            return pay.performance_coefficient

    assert current() == 0.8
    assert talent.apply_coefficients("2026-08")[0] == 0  # not effective yet
    assert current() == 0.8
    assert talent.apply_coefficients("2026-11")[0] == 1 and current() == 0.9
    assert talent.apply_coefficients("2026-11")[0] == 0 and current() == 0.9  # idempotent
    with pytest.raises(InvalidInput):
        talent.apply_coefficients("2026-13")

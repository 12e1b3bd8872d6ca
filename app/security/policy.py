"""Declarative access policy: (service attribute, method name) → permissions, scope and audit.

``app.services.guard`` wraps every service of ``Services`` in a proxy that looks each public
method (or property) up here before calling it. A method that is not listed is refused (deny by
default), and a test fails when a service gains a method the policy does not list.

A :class:`Rule` says:

* ``perms`` — the caller needs ANY of these permissions. ``()`` means "any signed-in user";
  ``public=True`` means no sign-in is needed (login, first-run checks).
* ``scope`` — ``"department"``: a department-scoped role (部门主任, scoped custom roles) sees only
  its department (and its sub-departments): arguments naming a department, employee or person are
  checked before the call, lists are filtered and single objects refused after it by the DTO's
  ``department_id`` / ``employee_id`` / ``person_id``; a result that cannot be attributed to a
  department is refused. ``"assigned"``: a role without ``interviews.view_all`` sees only the
  interviews it is an interviewer of (``interview_id`` / ``recording_id`` arguments, DTO attribute
  ``attr``, default ``interview_id``).
* ``export`` — also needs ``export.all``, or ``export.department`` with the department scope.
* ``write`` — a change: audited after success. ``audit`` — a view of sensitive personal data
  (individual pay, ID number, bank account, recordings, archives): audited with that action name.
  Audit entries name the user, action and object (``key`` argument), never the values.
* ``self_checked`` — the method takes the principal itself and checks it (accounts, audit).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    perms: tuple[str, ...] = ()
    public: bool = False
    write: bool = False
    audit: str = ""
    export: bool = False
    scope: str = ""  # "" | "department" | "assigned"
    key: str = ""  # argument that names the object, for the audit entry
    attr: str = ""  # DTO attribute for "assigned" filtering (default interview_id)
    self_checked: bool = False
    hidden: bool = False  # an internal dependency (another service object): never handed out

    @property
    def audited(self) -> bool:
        return self.write or bool(self.audit) or self.export


def R(*perms: str, scope: str = "", key: str = "", attr: str = "") -> Rule:  # noqa: N802
    """A read."""
    return Rule(perms, scope=scope, key=key, attr=attr)


def W(*perms: str, scope: str = "", key: str = "", attr: str = "") -> Rule:  # noqa: N802
    """A change (always audited)."""
    return Rule(perms, write=True, scope=scope, key=key, attr=attr)


def V(action: str, *perms: str, scope: str = "", key: str = "", attr: str = "") -> Rule:  # noqa: N802
    """A view of sensitive personal data (audited as ``action``)."""
    return Rule(perms, audit=action, scope=scope, key=key, attr=attr)


def X(*perms: str, scope: str = "department", key: str = "", attr: str = "") -> Rule:  # noqa: N802
    """An export to a file (audited; needs an export permission too)."""
    return Rule(perms, export=True, scope=scope, key=key, attr=attr)


ANY = Rule(())  # any signed-in user
PUBLIC = Rule((), public=True)

IV = ("interviews.view_all", "interviews.view_assigned")  # see interviews (all, or assigned ones)
IS = ("interviews.score",)
PAY = ("pay.view_individual",)
PAYRUN = ("pay.run",)
STAFF = ("staff.view",)
STAFF_EDIT = ("staff.edit",)
PEOPLE = ("staff.view", "candidates.view")
TRAIN = ("training.manage",)
ATT = ("attendance.view",)
ATT_EDIT = ("attendance.edit",)
POS = ("positions.view",)
POS_EDIT = ("positions.edit",)
CAND = ("candidates.view",)
CAND_EDIT = ("candidates.edit",)
D = "department"
A = "assigned"

POLICY: dict[str, dict[str, Rule]] = {
    "settings": {
        "get": ANY, "keys": ANY,
        "put": W("settings.manage", "attendance.edit", "pay.run", key="key"),
        "delete": W("settings.manage", key="key"),
    },
    "org": {
        "department_tree": ANY,
        "positions": R(*POS),
        "position_detail": R(*POS, key="position_id"),
        "create_department": W("settings.manage", *POS_EDIT),
        "rename_department": W("settings.manage", *POS_EDIT, key="department_id"),
        "move_department": W("settings.manage", *POS_EDIT, key="department_id"),
        "merge_departments": W("settings.manage", *POS_EDIT, key="source_id"),
    },
    "people": {
        "employees": R(*STAFF, scope=D),
        "licences": R(*STAFF, scope=D),
    },
    "recruiting": {
        "candidates": R(*CAND),
        "interviews": R(*IV, scope=A, attr="id"),
        "resume_text": R(*CAND, key="candidate_id"),
        "panel_accounts": R(*CAND_EDIT), "panel": R(*IV, scope=A, key="interview_id"),
        "set_panel": W(*CAND_EDIT, key="interview_id"), "link_panels": W(*CAND_EDIT, "settings.manage"),
        "link_panels_at_start": Rule((), write=True),  # once per database, started for any signed-in user
    },
    "training": {
        **{m: R(*TRAIN) for m in (
            "attempt", "attempts", "catalogue", "courses", "credits", "enrollments", "evidence", "gaps",
            "learning_paths", "material_path", "materials", "module_progress", "modules", "overdue", "path_items",
            "people", "person", "proposals", "quiz_questions", "quizzes", "read_course_file", "recommend",
            "report", "rules", "score_changes")},
        "group_options": R(*TRAIN), "group_preview": R(*TRAIN), "scenarios": R(*TRAIN), "scenario": R(*TRAIN),
        "scenario_people": R(*TRAIN),
        "assign_group": W(*TRAIN), "create_scenario": W(*TRAIN, key="course_id"),
        "practise": W(*TRAIN, key="person_id"),  # records a role-play (voice) practice
        "practice": V("recording.view", *TRAIN, key="attempt_id"),
        "practices": R(*TRAIN),
        "overdue_count": ANY,  # a number for the start-up reminder, no personal data
        **{m: W(*TRAIN) for m in (
            "add_material", "assign_path", "complete_enrollment", "create_quiz", "import_courses", "override_score",
            "set_cme_class",
            "propose_coefficients", "quiz_from_bank", "set_module_status", "set_modules", "submit_attempt")},
        "decide_proposal": W(*TRAIN, *PAYRUN, key="proposal_id"),
        "export_courses": X(*TRAIN),
        "export_report": X(*TRAIN),
        "quiz_pdf": X(*TRAIN, key="quiz_id"),
    },
    "workforce": {
        "pay_summary": R(*PAY, *PAYRUN),
        "punch_count": R(*ATT),
        "roster": R(*ATT, scope=D, key="department_id"),
        "rostered_wards": R(*ATT, scope=D),
    },
    "payroll": {
        "runs": R(*PAY, *PAYRUN),
        "run_for": R(*PAY, *PAYRUN, key="month"),
        "structure": R(*PAY, *PAYRUN),
        "settings_for": R(*PAY, *PAYRUN, key="month"),
        "compute": V("pay.view", *PAY, key="month"),
        "results": V("pay.view", *PAY, key="month"),
        "review": V("pay.view", *PAY, key="month"),
        "run_draft": W(*PAYRUN, key="month"),
        "advance": W(*PAYRUN, key="month"),
        "detail": V("pay.view", *PAY, key="employee_id"),
        "pay_profile": V("pay.view", *PAY, key="employee_id"),
        "save_pay_profile": W(*PAYRUN, key="employee_id"),
        "bank_transfers": V("bank.view", *PAY, key="month"),
        "department_totals": R(*PAY, *PAYRUN, key="month"),  # sums by department, no individual pay
        "monthly_totals": R(*PAY, *PAYRUN),
        "simulate": V("pay.simulate", *PAY, key="month"),
        "export_sheet": X(*PAY, key="month"),
        "export_payslips": X(*PAY, key="month"),
        "export_bank_list": X(*PAY, key="month"),
        "export_simulation": X(*PAY),
    },
    "declarations": {  # 专项附加扣除 declared by month: individual pay data, like pay profiles
        "declarations": V("pay.view", *PAY, scope=D, key="employee_id"),
        "check": R(*PAY, *PAYRUN, scope=D, key="employee_id"),
        "save": W(*PAYRUN, scope=D, key="employee_id"), "end": W(*PAYRUN, scope=D, key="employee_id"),
        "delete": W(*PAYRUN, scope=D, key="employee_id"), "convert_legacy": W(*PAYRUN, scope=D, key="employee_id"),
        "import_preview": R(*PAYRUN), "import_file": W(*PAYRUN), "export_file": X(*PAY),
    },
    "pay_settings": {  # dated pay structure / city settings (not individual pay)
        **{m: R(*PAY, *PAYRUN) for m in ("versions", "document", "effective_document", "effective", "validate")},
        "save": W(*PAYRUN, "settings.manage", key="effective_month"),
        "delete": W(*PAYRUN, "settings.manage", key="setting_id"),
        "import_file": R(*PAYRUN, "settings.manage"),
        "export_file": X(*PAYRUN, "settings.manage", scope=""),
    },
    "attendance": {
        **{m: R(*ATT, scope=D, key="department_id") for m in (
            "check", "exceptions", "roster", "shift_types", "summary", "ward_rules", "wards")},
        "adjustments": R(*ATT, scope=D, key="book_month"),
        "supplements": R(*ATT, scope=D, key="month"),
        "shift_usage": R(*ATT, scope=D, key="department_id"),
        "default_rules": R(*ATT, scope=D, key="department_id"),
        "delete_shift_type": W(*ATT_EDIT, scope=D, key="department_id"),
        "set_shift_type_active": W(*ATT_EDIT, scope=D, key="department_id"),  # 停用/启用 a shift type
        "is_locked": R(*ATT), "source_key": R(*ATT), "open_clock_file": R(*ATT_EDIT),
        "preview_clock": R(*ATT_EDIT), "remember_mapping": W(*ATT_EDIT),
        "add_leave": W(*ATT_EDIT, scope=D, key="employee_id"),
        "commit_clock": W(*ATT_EDIT),
        "compute_month": W(*ATT_EDIT, scope=D, key="month"),
        "correct": W(*ATT_EDIT, scope=D, key="employee_id"),
        "decide_supplement": W(*ATT_EDIT, key="supplement_id"),
        "generate": R(*ATT_EDIT, scope=D, key="department_id"),  # proposes a roster; saving is save_roster
        "lock_month": W(*ATT_EDIT, scope=D, key="month"),
        "save_roster": W(*ATT_EDIT, scope=D, key="department_id"),
        "save_shift_type": W(*ATT_EDIT, scope=D, key="department_id"),
        "save_ward_rules": W(*ATT_EDIT, scope=D, key="department_id"),
        "set_shift_set": W(*ATT_EDIT, scope=D, key="department_id"),
        "submit_supplement": W(*ATT_EDIT, scope=D, key="employee_id"),
        "export_exceptions": X(*ATT, key="month"),
        "export_roster": X(*ATT, key="department_id"),
        "export_sheet": X(*ATT, key="month"),
    },
    "questions": {
        "pool": R(*POS, *IS), "questions": R(*POS, *IS), "detail": R(*POS, *IS, key="question_id"),
        "questions_to_review": R(*POS, key="policy_id"),
        "asked": R(*IV, scope=A, key="interview_id"),
        "generate_plan": W(*IS, scope=A, key="interview_id"),
        "add_policy": W(*POS_EDIT), "edit": W(*POS_EDIT, key="question_id"), "import_questions": W(*POS_EDIT),
    },
    "assessment": {
        "analyse": W(*IS, scope=A, key="interview_id"),
        "analysed": R(*IV, scope=A), "review_queue": R(*IV, scope=A), "pending_analysis": R(*IV, scope=A, attr="*"),
        "detail": R(*IV, scope=A, key="interview_id"),
        "comparison": R("interviews.view_all", key="position_id"),
        "decide": W(*CAND_EDIT, key="interview_id"),
        "export_pdf": X(*IV, scope=A, key="interview_id"),
        "export_comparison": X("interviews.view_all", key="position_id"),
    },
    "positions": {
        **{m: R(*POS) for m in (
            "check_rule", "form", "new_form", "policies", "preview_positions_import", "preview_questions_import",
            "rule_counts", "rules", "synonym_table", "synonyms", "vocabulary", "load_vocabulary")},
        "match_resumes": R(*CAND), "prepared_resumes": R(*CAND),
        "licence_register": R(*STAFF, scope=D), "licence_gaps": R(*STAFF),
        **{m: W(*POS_EDIT) for m in (
            "add_term", "copy_position", "create_position", "delete_position", "delete_rule", "delete_synonym",
            "delete_term", "import_positions", "import_questions", "mark_reviewed", "save_rule", "save_synonym",
            "update_position")},
        "export_positions": X(*POS, scope=""), "export_questions": X(*POS, scope=""),
        "export_licences": X(*STAFF),
    },
    "talent": {
        "profile": R(*PEOPLE, scope=D, key="person_id"),
        "search": R(*PEOPLE, scope=D),
        "saved_searches": R(*PEOPLE), "save_search": W(*PEOPLE), "delete_search": W(*PEOPLE, key="search_id"),
        "pool": R(*CAND), "hire_candidates": R(*CAND_EDIT), "move_to_pool": W(*CAND_EDIT, key="candidate_id"),
        "archive": V("archive.view", *STAFF_EDIT, scope=D, key="person_id"),
        "document_path": V("archive.open", *STAFF_EDIT, key="document_id"),
        "add_document": W(*STAFF_EDIT, key="person_id"),
        "export_archive": X(*STAFF_EDIT, key="person_id"),
        "export_people": X(*PEOPLE),
        "export_profile_pdf": X(*PEOPLE, key="person_id"),
        "save_assessment": W(*STAFF_EDIT, key="person_id"), "delete_assessment": W(*STAFF_EDIT, key="assessment_id"),
        "onboarding_forms": R("onboarding.approve", *STAFF_EDIT, scope=D),
        "onboarding_form": R("onboarding.approve", *STAFF_EDIT, scope=D, key="form_id"),
        "create_onboarding": W(*STAFF_EDIT, key="candidate_id"),
        "sign_onboarding": W("onboarding.approve", scope=D, key="form_id"),
        "export_onboarding_pdf": X("onboarding.approve", *STAFF_EDIT, key="form_id"),
        "probation_due": R(*STAFF, scope=D), "probation_context": R(*STAFF_EDIT, key="review_id"),
        "decide_probation": W(*STAFF_EDIT, key="review_id"),
        "proposed_coefficients": R(*PAYRUN, *STAFF_EDIT),
        "approve_coefficient": W(*PAYRUN, key="coefficient_id"),
        "apply_coefficients": W(*PAYRUN, key="month"),
        "retention_preview": R(*STAFF_EDIT), "retention_log": R(*STAFF_EDIT, "audit.view"),
        "run_retention": W(*STAFF_EDIT),
        "data": R(*STAFF_EDIT),
    },
    "audit": {
        "query": Rule(("audit.view",), self_checked=True),
        "verify": Rule(("audit.view",), self_checked=True),
        "export_xlsx": Rule(("audit.view",), self_checked=True),  # records its own export entry
        "record": ANY,
    },
    "accounts": {
        "login": PUBLIC, "has_users": PUBLIC, "ensure_admin": PUBLIC, "change_password": PUBLIC,
        "settings": PUBLIC, "max_failed": PUBLIC,
        **{m: Rule(("users.manage",), self_checked=True) for m in (
            "users", "create_user", "update_user", "unlock", "reset_password",
            "security_settings", "save_role", "delete_role", "set_lockout")},
    },
    "privacy": {  # 个人信息保护法: access requests and anonymised exports
        "person_rows": V("personal_data.view", *STAFF_EDIT, key="person_id"),
        "find_people": R(*STAFF_EDIT, scope=D),  # names to pick the person of an access request
        "person_export": X(*STAFF_EDIT, key="person_id"),
        "anonymised_export": X(*STAFF, scope=""),
    },
    "backup": {
        **{m: R("backup.manage") for m in ("changes", "list", "resolve", "verify")},
        "data": R("backup.manage"), "keep": R("backup.manage"),
        "create": W("backup.manage"), "rotate": W("backup.manage"), "restore": W("backup.manage", key="which"),
        "ensure_recent": Rule((), write=True),  # the automatic daily backup, started for any signed-in user
    },
    "staff_import": {
        "read": R("staff.import"), "validate": R("staff.import"), "preview": R("staff.import"),
        "export_report": X("staff.import", scope=""),
        "run": Rule(("staff.import",), self_checked=True), "write": Rule(("staff.import",), self_checked=True),
    },
    "screening": {
        **{m: R(*CAND) for m in ("positions", "profile", "rank", "screen", "rank_files")},
        "detail": R(*CAND, key="candidate_id"),
        "document_path": V("resume.open", *CAND, key="candidate_id"),
        **{m: W(*CAND_EDIT) for m in ("import_files", "invite", "reextract")},
        **{m: W(*CAND_EDIT, key="candidate_id") for m in ("merge_duplicate", "replace_resume", "save_corrections")},
        "export_report": X(*CAND, scope=""),
    },
    "capture": {
        "interviews": R(*IV, scope=A, attr="id"),
        "interrupted": R(*IS, scope=A),
        "setup": R(*IS, scope=A, key="interview_id"),
        "consent": R(*IV, scope=A, key="interview_id"),
        "versions": R(*IV, scope=A, key="interview_id"),
        "observation_count": R(*IV, scope=A, key="interview_id"),
        "segments": V("recording.view", *IV, scope=A, key="interview_id"),
        "recording": V("recording.view", *IV, scope=A, key="recording_id"),
        "export_transcript": X(*IV, scope=A, key="interview_id"),
        **{m: W(*IS, scope=A, key="interview_id") for m in (
            "add_observations", "add_segment", "record_consent", "retranscribe", "save_edited", "set_mark",
            "set_notes", "start_recording")},
        **{m: W(*IS, scope=A, key="recording_id") for m in (
            "discard_interrupted", "finish_recording", "recover", "set_session_notes")},
        "speaker_profiles": R(*IS), "speaker_vector": R(*IS), "save_speaker_profile": W(*IS, key="name"),
        "check_disk": ANY,
        "data": R(*IS),
        "questions": Rule(hidden=True),  # the raw question bank: use services.questions
    },
}


def rule_for(service: str, method: str) -> Rule | None:
    return POLICY.get(service, {}).get(method)


__all__ = ["Rule", "POLICY", "rule_for"]

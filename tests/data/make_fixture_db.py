"""Write a small database at a given schema revision, for the upgrade tests.

    python tests/data/make_fixture_db.py REVISION OUT.sqlite3

Every revision that changes the schema leaves its fixture here (db_<revision>.sqlite3) so later
commits prove they upgrade it without losing data. The rows are inserted with plain SQL so the
script does not depend on today's ORM.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

ROWS_0001 = [
    "INSERT INTO departments (id, code, name, parent_id, kind, sort_order, active, created_at, updated_at, version) "
    "VALUES (1, 'NK', '内科', NULL, 'clinical', 1, 1, '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO departments (id, code, name, parent_id, kind, sort_order, active, created_at, updated_at, version) "
    "VALUES (2, 'NK-XN', '心血管内科', 1, 'clinical', 2, 1, '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO positions (id, code, title, department_id, job_family, grade, title_ladder, headcount, duties, "
    "requirements, nice_to_have, is_ai_medical, open, created_at, updated_at, version) VALUES (1, 'P-1', '心内科住院医师', 2, "
    "'physician', '专业技术十二级', '住院医师', 3, '负责病区诊疗', '{\"min_degree\": \"硕士\"}', '', 0, 1, "
    "'2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO position_competencies (id, position_id, name, weight, pass_bar, sort_order) VALUES (1, 1, '专业知识', 40, 7.0, 0)",
    "INSERT INTO people (id, name, gender, birth_date, id_number, phone, email, highest_degree, school, major, "
    "professional_title, notes, created_at, updated_at, version) VALUES (1, '张晓明', '男', '1990-05-01', "
    "'11010519900501001X', '13800000000', NULL, '硕士', '首都医科大学', '内科学', '主治医师', '', "
    "'2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO employees (id, person_id, staff_no, department_id, position_id, hire_date, leave_date, contract_type, "
    "probation_end, status, nursing_start, created_at, updated_at, version) VALUES (1, 1, 'E0001', 2, 1, '2020-07-01', "
    "NULL, 'fixed_3y', NULL, 'active', NULL, '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO licences (id, person_id, kind, number, issue_date, expiry_date, scope, location, next_assessment, "
    "created_at, updated_at, version) VALUES (1, 1, '医师执业证书', '210100000001', '2016-09-01', NULL, '内科专业', "
    "'本院', '2027-06-30', '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO pay_profiles (id, employee_id, post_grade, salary_level, contract_wage_fen, performance_base_fen, "
    "post_coefficient, performance_coefficient, si_base_fen, hf_base_fen, hf_rate_pct, bank_account, "
    "special_additional_deduction_fen, created_at, updated_at, version) VALUES (1, 1, 'T2', 12, 1234567, 800000, 1.2, "
    "1.0, 1634567, 1634567, 12.0, '6222000000000000001', 200000, '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
]

ROWS_0002 = ROWS_0001 + [
    "INSERT INTO questions (id, code, job_family, positions, dimension, qtype, difficulty, is_clinical_scenario, source, "
    "licence_condition, active, current_version, created_at, updated_at, version) VALUES (1, 'Q-PRIV-1', 'physician', "
    "'[\"P-1\"]', '职业素养', '合规', 2, 1, 'HR Desk original', '', 1, 2, '2026-11-22 00:00:00', '2026-11-22 00:00:00', 2)",
    "INSERT INTO question_versions (id, question_id, number, text, key_points, reference_answer, key_terms, options, "
    "answer, policy_ref, created_at, created_by, change_note) VALUES (1, 1, 1, '患者家属要求查看病历，你如何处理？', "
    "'[\"核实身份\"]', '', '[]', '{}', '', '', '2026-11-22 00:00:00', '', '')",
    "INSERT INTO question_versions (id, question_id, number, text, key_points, reference_answer, key_terms, options, "
    "answer, policy_ref, created_at, created_by, change_note) VALUES (2, 1, 2, '患者家属要求复印病历，你如何处理？', "
    "'[\"核实身份\", \"授权委托\"]', '', '[]', '{}', '', '医疗机构病历管理规定', '2026-11-22 00:00:00', '', '')",
    "INSERT INTO people (id, name, gender, birth_date, id_number, phone, email, highest_degree, school, major, "
    "professional_title, notes, created_at, updated_at, version) VALUES (2, '李候选', '女', '1996-03-01', NULL, "
    "'13900000000', NULL, '硕士', '复旦大学', '内科学', '住院医师', '', '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO candidates (id, person_id, position_id, source, status, applied_at, resume_text, resume_document_id, "
    "extracted, corrections, screening_score, created_at, updated_at, version) VALUES (1, 2, 1, '官网', 'interview', "
    "'2026-11-01', '个人简历', NULL, '{}', '{}', NULL, '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO interviews (id, candidate_id, position_id, scheduled_at, interviewers, state, consent_audio, "
    "consent_video, consent_ai, consent_at, total_score, recommendation, decision, decision_reason, decided_by, "
    "created_at, updated_at, version) VALUES (1, 1, 1, '2026-11-25 01:00:00', '主任', 'planned', NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, '', '', '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    "INSERT INTO interview_questions (id, interview_id, position_in_plan, question_version_id, interviewer_mark, notes) "
    "VALUES (1, 1, 1, 1, NULL, '')",
]

ROWS_0004 = ROWS_0002 + [
    "INSERT INTO shift_types (id, department_id, code, name, start_time, end_time, paid_minutes, break_minutes, is_night, "
    "night_class, is_duty, is_rest, start_day_offset, is_early, created_at, updated_at, version) VALUES (1, 2, '大夜', "
    "'大夜班', '00:00:00.000000', '08:00:00.000000', 480, 0, 1, '大夜', 0, 0, 1, 0, '2026-11-22 00:00:00', "
    "'2026-11-22 00:00:00', 1)",
    "INSERT INTO roster_entries (id, employee_id, day, shift_type_id, fixed) VALUES (1, 1, '2026-10-31', 1, 0)",
    "INSERT INTO clock_punches (id, employee_id, punched_at, device, import_batch, import_key) VALUES "
    "(1, 1, '2026-10-31 15:52:00', 'ICU', 'b1', 'E0001|2026-10-31T23:52')",
    "INSERT INTO leave_records (id, employee_id, leave_type, first_day, last_day, days, approved_by, note, created_at, "
    "updated_at, version) VALUES (1, 1, '年假', '2026-10-08', '2026-10-09', 2.0, '护士长', '', '2026-11-22 00:00:00', "
    "'2026-11-22 00:00:00', 1)",
]

ROWS = {
    "0001_initial": ROWS_0001,
    "0002_question_bank": ROWS_0002,
    "0003_payroll_profiles": ROWS_0002,
    "0004_attendance": ROWS_0004,
    "0005_interviews_talent_training": ROWS_0004 + [
        "INSERT INTO assessments (id, person_id, kind, name, taken_on, score, max_score, dimension, notes, created_at, "
        "updated_at, version) VALUES (1, 2, 'cognitive', '逻辑推理测验', '2026-11-02', 82.0, 100.0, '', '', "
        "'2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
        "INSERT INTO competency_evidence (id, person_id, dimension, score, source, source_id, observed_on, note) VALUES "
        "(1, 2, '专业知识', 7.5, 'interview', 1, '2026-11-25', '')",
    ],
    "0006_shared_settings": ROWS_0004 + [
        "INSERT INTO app_settings (id, key, value, updated_at, updated_by, version) VALUES (1, "
        "'attendance.ward_rules.2', '{\"cover\": [], \"settings\": {}}', '2026-11-22 00:00:00', 'admin', 1)",
        "INSERT INTO pay_settings (id, kind, effective_month, name, body, note, created_by, created_at, updated_at, "
        "version) VALUES (1, 'city', '2026-07', '2026年7月社保基数', 'schema_version = 1', '', 'admin', "
        "'2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    ],
    "0007_tax_declarations_panel": ROWS_0004 + [
        "INSERT INTO tax_declarations (id, employee_id, kind, month_from, month_to, monthly_fen, count, share_pct, detail, "
        "note, declared_on, created_by, created_at, updated_at, version) VALUES (1, 1, 'children_education', '2026-01', "
        "NULL, 200000, 1, 100, '{}', '', '2026-01-05', 'admin', '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
        "INSERT INTO users (id, username, display_name, role, password_hash, department_id, active, must_change_password, "
        "failed_logins, created_at, updated_at, version) VALUES (7, 'wangiv', '王面试', 'interviewer', '', NULL, 1, 0, 0, "
        "'2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
        "INSERT INTO interview_panel (id, interview_id, user_id, role) VALUES (1, 1, 7, 'chair')",
        "INSERT INTO shift_types (id, department_id, code, name, start_time, end_time, paid_minutes, break_minutes, "
        "is_night, night_class, is_duty, is_rest, start_day_offset, is_early, active, created_at, updated_at, version) "
        "VALUES (2, 2, 'A2', '旧A2班', '10:00:00.000000', '18:00:00.000000', 420, 60, 0, '', 0, 0, 0, 0, 0, "
        "'2026-11-22 00:00:00', '2026-11-22 00:00:00', 2)",
        "INSERT INTO courses (id, code, title, description, format, level, dimensions, hours, credits, prerequisites, "
        "cme_class, created_at, updated_at, version) VALUES (1, 'CME-1', '急救技能复训', '', 'cme', 'basic', '[]', 8.0, "
        "4.0, '[]', 'I', '2026-11-22 00:00:00', '2026-11-22 00:00:00', 1)",
    ],
}
# each fixture carries the rows of the one before it
ROWS["0007_tax_declarations_panel"] = (ROWS["0006_shared_settings"]
                                       + ROWS["0007_tax_declarations_panel"][len(ROWS_0004):])


def make(revision: str, out: Path) -> None:
    from app.db.engine import make_engine
    from app.db.migrate import upgrade

    out.unlink(missing_ok=True)
    engine = make_engine(out)
    upgrade(engine, revision)
    engine.dispose()
    con = sqlite3.connect(out)
    with con:
        for sql in ROWS[revision]:
            con.execute(sql)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA page_size=1024")  # small fixture files: one page per table and index
    con.execute("VACUUM")
    con.close()


if __name__ == "__main__":
    make(sys.argv[1], Path(sys.argv[2]))

"""Generate the demo hospital into a data folder (``python -m app demo --data-dir DIR``).

Seeded and reproducible: the same seed and the same ``today`` give the same hospital. The roster
and clock data cover the last complete calendar month before ``today``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.db.tables import (
    Candidate,
    ClockPunch,
    Course,
    Department,
    Employee,
    Enrollment,
    Interview,
    Licence,
    Meta,
    PayProfile,
    Person,
    Position,
    PositionCompetency,
    RosterEntry,
    ShiftType,
)
from app.demo import vocab
from app.demo.hospital import (
    COURSES,
    DEPARTMENTS,
    ICU_CYCLE,
    POSITIONS,
    POST_GRADE_BY_TITLE,
    SHIFTS,
    WARD_CYCLE,
    DeptDef,
    PositionDef,
    staff_category,
)
from app.demo.resumes import candidate_resume
from app.domain.org import COMPETENCY_TEMPLATES, TITLE_LADDERS, Month
from app.domain.timeutil import HOSPITAL_TZ
from app.errors import Conflict
from app.i18n import _
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

DEFAULT_SEED = 20261122

# 岗位工资 of the default pay structure, for the contract wage (岗位工资 + 薪级工资) of a profile.
_POST_WAGE_FEN = {"专技四级": 393500, "专技七级": 288000, "专技十级": 226500, "专技十二级": 214000,
                  "专技十三级": 208000, "管理七级": 246000, "管理八级": 222500, "管理九级": 208000}


@dataclass(frozen=True)
class DemoStats:
    departments: int
    positions: int
    employees: int
    candidates: int
    licences: int
    courses: int
    enrollments: int
    roster_entries: int
    punches: int
    interviews: int
    month: str


def generate(
    session: Session,
    *,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> DemoStats:
    """Fill an empty, migrated database. The caller owns the transaction."""
    if session.scalar(select(Department.id).limit(1)) is not None:
        raise Conflict(_("This database already holds data; the demo hospital goes only into an empty database."))
    today = today or date.today()
    gen = _Generator(session, random.Random(seed), today)
    steps = [
        ("departments", gen.departments),
        ("positions", gen.positions),
        ("employees", gen.employees),
        ("declarations", gen.declarations),
        ("candidates", gen.candidates),
        ("courses", gen.courses),
        ("rosters", gen.rosters),
        ("clock", gen.clock_data),
    ]
    for i, (label, step) in enumerate(steps):
        cancel.raise_if_cancelled()
        progress(i, len(steps), label)
        step()
        session.flush()
    session.add_all(
        [
            Meta(key="demo_seed", value=str(seed)),
            Meta(key="demo_today", value=today.isoformat()),
            Meta(key="demo_month", value=str(gen.month)),
            Meta(key="hospital_name", value="示范市第一人民医院（演示）"),
        ]
    )
    progress(len(steps), len(steps), "done")
    return gen.stats()


class _Generator:
    def __init__(self, session: Session, rng: random.Random, today: date) -> None:
        self.s = session
        self.rng = rng
        self.today = today
        self.month = Month.previous_complete(today)
        self.dept_by_code: dict[str, Department] = {}
        self.dept_defs: dict[str, DeptDef] = {}
        self.pos_by_code: dict[str, Position] = {}
        self.pos_defs: dict[str, PositionDef] = {}
        self.employees_by_dept: dict[str, list[tuple[Employee, Person, PositionDef | None]]] = {}
        self.shift_by_code: dict[str, ShiftType] = {}
        self.counts: dict[str, int] = {}
        self.roster: list[tuple[Employee, date, str]] = []

    def stats(self) -> DemoStats:
        c = self.counts
        return DemoStats(
            c.get("departments", 0), c.get("positions", 0), c.get("employees", 0), c.get("candidates", 0),
            c.get("licences", 0), c.get("courses", 0), c.get("enrollments", 0), c.get("roster", 0),
            c.get("punches", 0), c.get("interviews", 0), str(self.month),
        )

    # ---------------------------------------------------------------- organisation
    def departments(self) -> None:
        order = 0

        def add(d: DeptDef, parent: Department | None) -> None:
            nonlocal order
            order += 1
            row = Department(code=d.code, name=d.name, kind=d.kind, parent=parent, sort_order=order)
            self.s.add(row)
            self.dept_by_code[d.code] = row
            self.dept_defs[d.code] = d
            for child in d.children:
                add(child, row)

        for d in DEPARTMENTS:
            add(d, None)
        self.counts["departments"] = len(self.dept_by_code)

    def positions(self) -> None:
        self.s.flush()
        for p in POSITIONS:
            template = COMPETENCY_TEMPLATES["ai_medical" if p.ai else p.family]
            row = Position(
                code=p.code, title=p.title, department_id=self.dept_by_code[p.dept].id, job_family=p.family,
                grade=p.grade, title_ladder=p.min_title, headcount=p.headcount, duties=p.duties,
                requirements={
                    "min_degree": p.min_degree, "majors": list(p.majors), "licences": list(p.licences),
                    "years": p.years, "guipei": p.guipei, "keywords": p.keywords,
                },
                nice_to_have=p.nice, is_ai_medical=p.ai,
                competencies=[
                    PositionCompetency(name=n, weight=w, pass_bar=7.0 if w >= 40 else 6.0, sort_order=i)
                    for i, (n, w) in enumerate(template)
                ],
            )
            self.s.add(row)
            self.pos_by_code[p.code] = row
            self.pos_defs[p.code] = p
        self.counts["positions"] = len(POSITIONS)

    # ---------------------------------------------------------------- people
    def _positions_for(self, dept_code: str, family: str) -> list[PositionDef]:
        return [p for p in POSITIONS if p.dept == dept_code and p.family == family]

    def employees(self) -> None:
        self.s.flush()
        rng = self.rng
        staff_no = 10000
        n_licences = 0
        for code, d in self.dept_defs.items():
            for family, count in d.staff.items():
                posts = self._positions_for(code, family) or self._positions_for(code, "nursing" if family == "nursing" else family)
                for i in range(count):
                    staff_no += rng.randrange(1, 4)
                    post = self._pick_post(posts, i, count)
                    emp, person, licences = self._employee(code, family, post, f"E{staff_no}")
                    n_licences += licences
                    self.employees_by_dept.setdefault(code, []).append((emp, person, post))
        self.counts["employees"] = sum(len(v) for v in self.employees_by_dept.values())
        self.counts["licences"] = n_licences

    def _pick_post(self, posts: list[PositionDef], i: int, count: int) -> PositionDef | None:
        if not posts:
            return None
        leaders = [p for p in posts if p.headcount == 1]
        if i == 0 and leaders:
            return leaders[0]
        others = [p for p in posts if p.headcount > 1] or posts
        weights = [p.headcount for p in others]
        return self.rng.choices(others, weights=weights)[0]

    def _employee(self, dept_code: str, family: str, post: PositionDef | None, staff_no: str) -> tuple[Employee, Person, int]:
        rng = self.rng
        gender = "女" if (family == "nursing" and rng.random() < 0.93) or rng.random() < 0.45 else "男"
        ladder_key = post.ladder if post else {"physician": "医师", "nursing": "护理", "medtech": "技术", "admin": "行政"}[family]
        ladder = TITLE_LADDERS[ladder_key]
        min_idx = ladder.index(post.min_title) if post and post.min_title in ladder else 0
        age = rng.randint(23 + 2 * min_idx, 58)
        if family == "physician":
            age = max(age, 26 + 3 * min_idx)
        birth = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        years_working = max(0, age - (26 if family == "physician" else 21) - rng.randint(0, 2))
        title_idx = min(len(ladder) - 1, max(min_idx, years_working // 6))
        degree = self._degree(family, post, title_idx)
        school, major = self._school_major(family, post, degree)
        person = Person(
            name=vocab.person_name(rng, gender), gender=gender, birth_date=birth,
            id_number=vocab.id_number(rng, birth, gender), phone=vocab.mobile(rng),
            email=None, highest_degree=degree, school=school, major=major, professional_title=ladder[title_idx],
        )
        hire = self.today - timedelta(days=int(years_working * 365.25 * rng.uniform(0.3, 1.0)) + rng.randint(30, 400))
        probation = hire > self.today - timedelta(days=180)
        emp = Employee(
            person=person, staff_no=staff_no, department_id=self.dept_by_code[dept_code].id,
            position_id=self.pos_by_code[post.code].id if post else None, hire_date=hire,
            contract_type=rng.choice(("fixed_3y", "fixed_3y", "fixed_5y", "open_ended")),
            probation_end=(hire + timedelta(days=180)) if probation else None,
            status="probation" if probation else "active",
            nursing_start=hire - timedelta(days=rng.randint(0, 900)) if family == "nursing" else None,
        )
        self.s.add_all([person, emp])
        n = self._licences(person, family, post, hire)
        self._pay_profile(emp, family, ladder_key, ladder[title_idx], years_working)
        return emp, person, n

    def _degree(self, family: str, post: PositionDef | None, title_idx: int) -> str:
        r = self.rng.random()
        if family == "physician":
            return "博士" if r < 0.25 + 0.1 * title_idx else ("硕士" if r < 0.85 else "本科")
        if family == "nursing":
            return "本科" if r < 0.55 else ("大专" if r < 0.95 else "硕士")
        if post and post.ai:
            return "硕士" if r < 0.7 else "博士"
        return "本科" if r < 0.6 else ("硕士" if r < 0.8 else "大专")

    def _school_major(self, family: str, post: PositionDef | None, degree: str) -> tuple[str, str]:
        rng = self.rng
        major = rng.choice(post.majors) if post and post.majors else {"physician": "临床医学", "nursing": "护理学", "medtech": "医学检验技术", "admin": "行政管理"}[family]
        if family == "nursing":
            return rng.choice(vocab.NURSING_SCHOOLS), major
        if post and post.ai or major in ("计算机科学与技术", "软件工程", "统计学"):
            return rng.choice(vocab.TECH_SCHOOLS), major
        if family == "admin":
            return rng.choice(vocab.GENERAL_SCHOOLS), major
        return rng.choice(vocab.MEDICAL_SCHOOLS), major

    def _licences(self, person: Person, family: str, post: PositionDef | None, hire: date) -> int:
        rng = self.rng
        rows: list[Licence] = []
        num = lambda prefix: prefix + "".join(str(rng.randrange(10)) for _ in range(12))  # noqa: E731
        if family == "physician":
            issued = hire - timedelta(days=rng.randint(30, 700))
            rows.append(Licence(person=person, kind="医师资格证书", number=num("1101"), issue_date=issued))
            # 医师定期考核: 3-year cycle (医师法 第四十二条); the next assessment is within the cycle.
            rows.append(Licence(person=person, kind="医师执业证书", number=num("2101"), issue_date=issued + timedelta(days=60),
                                scope="内科专业" if "内" in (post.title if post else "") else "外科专业",
                                location="本院", next_assessment=self.today + timedelta(days=rng.randint(-20, 3 * 365))))
            if post and "大型设备上岗证" in post.licences:
                rows.append(self._expiring(person, "大型设备上岗证", num("DX"), 4))
        elif family == "nursing":
            rows.append(self._expiring(person, "护士执业证书", num("2021"), 5))  # 护士执业注册 valid 5 years
        elif family == "medtech":
            kind = "药师资格证" if post and post.ladder == "药学" else "技师资格证"
            if not (post and post.ai):
                rows.append(Licence(person=person, kind=kind, number=num("JS"), issue_date=hire - timedelta(days=200)))
            if post and "大型设备上岗证" in post.licences:
                rows.append(self._expiring(person, "大型设备上岗证", num("DX"), 4))
        self.s.add_all(rows)
        return len(rows)

    def _expiring(self, person: Person, kind: str, number: str, years: int) -> Licence:
        """A registration valid ``years`` years; of every 25, one has lapsed, two expire within 30 days
        and three within 90, so the register always shows each state."""
        k = self.counts.get("expiring", 0) % 25
        self.counts["expiring"] = self.counts.get("expiring", 0) + 1
        if k == 7:
            left = self.rng.randint(-60, -1)
        elif k in (3, 15):
            left = self.rng.randint(0, 30)
        elif k in (5, 11, 21):
            left = self.rng.randint(31, 90)
        else:
            left = self.rng.randint(91, years * 365)
        expiry = self.today + timedelta(days=left)
        issued = expiry - timedelta(days=years * 365)
        return Licence(person=person, kind=kind, number=number, issue_date=issued, expiry_date=expiry,
                       location="本院", scope="护理专业" if kind == "护士执业证书" else "")

    def _pay_profile(self, emp: Employee, family: str, ladder: str, title: str, years: int) -> None:
        """Pay profile on the 事业单位 scales: post grade from the title, 薪级 from years of service."""
        rng = self.rng
        grade = POST_GRADE_BY_TITLE[title]
        level = min(65, 1 + years + rng.randint(0, 3))
        post_wage = _POST_WAGE_FEN.get(grade, 208000)
        level_wage = (295 + 42 * (level - 1)) * 100
        contract = post_wage + level_wage
        senior = grade in ("专技四级", "专技七级", "管理七级")
        self.s.add(
            PayProfile(
                employee=emp, post_grade=grade, salary_level=level, contract_wage_fen=contract,
                category=staff_category(family, ladder),
                performance_base_fen=0,
                post_coefficient=1.3 if senior else 1.0, performance_coefficient=0.8 if emp.status == "probation" else 1.0,
                si_base_fen=max(contract + 400000, 500000), hf_base_fen=max(contract + 400000, 500000), hf_rate_pct=12.0,
                # every 97th new profile lacks a bank account, so the payroll review has one to flag
                bank_account=None if (emp.staff_no and int(emp.staff_no[1:]) % 97 == 0) else vocab.bank_account(rng),
                # the rng draw is kept so the rest of the demo stays the same; only every 41st profile keeps an old
                # flat amount (未分项（旧数据）), the others get declarations by month (``declarations``)
                special_additional_deduction_fen=_flat_if_legacy(emp.staff_no, rng.choice((0, 0, 100000, 200000, 300000,
                                                                                            400000))),
            )
        )

    def declarations(self) -> None:
        """专项附加扣除 declared by month: children (some born this year), rent by city tier, loans (one paid off,
        one replacing rent mid-year), elderly support, continuing education; a separate random stream per person
        so the rest of the demo does not change."""
        from app.db.tables import TaxDeclaration
        from app.payroll import declarations as dc

        year = self.month.year
        n = 0
        for people in self.employees_by_dept.values():
            for emp, person, _post in people:
                if _is_legacy(emp.staff_no):
                    continue
                rng = random.Random(f"declarations-{emp.staff_no}")
                age = year - person.birth_date.year if person.birth_date else 40
                made: list[dc.Declaration] = []

                def add(kind: str, start: str, end: str | None, fen: int, count: int = 1, share: int = 100,
                        declared: date | None = None, **detail: object) -> None:
                    d = dc.Declaration(kind, start, end, fen, count, share, dict(detail))
                    if dc.validate(d, made):
                        return
                    made.append(d)
                    self.s.add(TaxDeclaration(
                        employee_id=emp.id, kind=kind, month_from=start, month_to=end, monthly_fen=fen, count=count,
                        share_pct=share, detail=dict(detail), declared_on=declared or date(year, 1, 5),
                        created_by="demo"))

                if 24 <= age <= 40 and rng.random() < 0.12:  # a baby born this year, declared some months later
                    born = rng.randint(1, min(9, self.month.month))
                    add("infant_care", f"{year}-{born:02d}", None, 200_000, share=rng.choice((100, 50)),
                        declared=date(year, min(12, born + rng.randint(1, 3)), 10), child="二宝" if age > 30 else "大宝")
                elif 28 <= age <= 50 and rng.random() < 0.45:
                    count = rng.choice((1, 1, 1, 2))
                    share = rng.choice((100, 100, 50))
                    add("children_education", f"{year - rng.randint(0, 6)}-09", None, 200_000 * count * share // 100,
                        count=count, share=share)
                r = rng.random()
                if age < 45 and r < 0.25:
                    tier = rng.choice((1, 1, 2, 3))
                    if rng.random() < 0.3:  # rented until a flat was bought mid-year
                        moved = rng.randint(3, 8)
                        add("housing_rent", f"{year - 1}-07", f"{year}-{moved - 1:02d}", dc.RENT_FEN[tier], city_tier=tier)
                        add("housing_loan", f"{year}-{moved:02d}", None, 100_000)
                    else:
                        add("housing_rent", f"{year - rng.randint(0, 3)}-03", None, dc.RENT_FEN[tier], city_tier=tier)
                elif r < 0.55:
                    start = year - rng.randint(0, 15)
                    if rng.random() < 0.1:  # paid off this year
                        add("housing_loan", f"{start}-01", f"{year}-{rng.randint(3, 9):02d}", 100_000)
                    else:
                        add("housing_loan", f"{start}-01", None, 100_000, share=rng.choice((100, 100, 100, 50)))
                if 30 <= age <= 58 and rng.random() < 0.55:
                    if rng.random() < 0.35:
                        add("elderly_support", f"{year - rng.randint(0, 5)}-01", None, 300_000, only_child=True)
                    else:
                        amount = rng.choice((150_000, 150_000, 100_000, 75_000))
                        add("elderly_support", f"{year - rng.randint(0, 5)}-01", None, amount,
                            share=amount * 100 // 300_000, only_child=False)
                if age < 35 and rng.random() < 0.08:
                    add("continuing_education", f"{year - 1}-09", f"{year + 2}-07", 40_000, type="degree")
                elif rng.random() < 0.03:
                    got = rng.randint(4, min(10, self.month.month))
                    add("continuing_education", f"{year}-{got:02d}", f"{year}-{got:02d}", 360_000, type="qualification")
                n += len(made)
        self.counts["tax_declarations"] = n

    # ---------------------------------------------------------------- recruiting
    def candidates(self) -> None:
        rng = self.rng
        open_posts = [p for p in POSITIONS if p.headcount > 1]
        n = 0
        interviews = 0
        for i in range(60):
            post = open_posts[i % len(open_posts)] if i < 48 else rng.choice([p for p in POSITIONS if p.ai] or open_posts)
            gender = "女" if (post.family == "nursing" and rng.random() < 0.9) or rng.random() < 0.45 else "男"
            resume = candidate_resume(rng, post, gender, self.today)
            person = Person(
                name=resume.name, gender=gender, birth_date=resume.birth, phone=resume.phone, email=resume.email,
                highest_degree=resume.degree, school=resume.school, major=resume.major,
                professional_title=resume.title,
            )
            status = rng.choices(("new", "screened", "interview", "pool", "rejected"), weights=(30, 25, 25, 10, 10))[0]
            cand = Candidate(
                person=person, position_id=self.pos_by_code[post.code].id, source=rng.choice(("医院官网", "校园招聘", "人才市场", "内部推荐")),
                status=status, applied_at=self.today - timedelta(days=rng.randint(1, 60)), resume_text=resume.text,
            )
            self.s.add_all([person, cand])
            n += 1
            if status == "interview":
                self.s.flush()
                when = datetime.combine(self.today + timedelta(days=rng.randint(1, 14)), time(9 + rng.randint(0, 7), 0), HOSPITAL_TZ)
                self.s.add(Interview(candidate_id=cand.id, position_id=cand.position_id, scheduled_at=when.astimezone(UTC),
                                     interviewers="人事专员, 科室主任", state="planned"))
                interviews += 1
        self.counts["candidates"] = n
        self.counts["interviews"] = interviews

    # ---------------------------------------------------------------- training
    def courses(self) -> None:
        rows = {}
        for code, title, fmt, level, dims, hours, credits, prereq, desc in COURSES:
            c = Course(code=code, title=title, format=fmt, level=level, dimensions=list(dims), hours=hours,
                       credits=credits, prerequisites=list(prereq), description=desc)
            self.s.add(c)
            rows[code] = c
        self.s.flush()
        rng = self.rng
        enrolled = 0
        everyone = [(e, p, post) for v in self.employees_by_dept.values() for e, p, post in v]
        for emp, person, post in rng.sample(everyone, 90):
            family = post.family if post else "admin"
            pool = {
                "physician": ("C-XD01", "C-JJ01", "C-BM01", "C-GT01", "C-TJ01"),
                "nursing": ("C-HL01", "C-JJ01", "C-YG01", "C-GT01", "C-BM01"),
                "medtech": ("C-YX01", "C-TJ01", "C-BZ01", "C-YG01", "C-PY01"),
                "admin": ("C-PY01", "C-GT02", "C-BM01", "C-TJ01", "C-CT01"),
            }[family]
            for code in rng.sample(pool, 2):
                status = rng.choices(("assigned", "in_progress", "done"), weights=(30, 40, 30))[0]
                due = self.today + timedelta(days=rng.randint(-30, 90))
                self.s.add(Enrollment(
                    person_id=person.id, course_id=rows[code].id, status=status, due_date=due,
                    progress_pct=100 if status == "done" else (rng.randint(5, 90) if status == "in_progress" else 0),
                    score=round(rng.uniform(62, 98), 1) if status == "done" else None,
                    completed_on=min(due, self.today) if status == "done" else None, reason="年度继续医学教育" if rows[code].format == "cme" else "岗位能力提升",
                ))
                enrolled += 1
        self.counts["courses"] = len(rows)
        self.counts["enrollments"] = enrolled

    # ---------------------------------------------------------------- attendance
    def rosters(self) -> None:
        """Ward shift sets and types, a few approved leave records and the month's roster (nurses by
        the roster solver, physicians' 值班 as a rotation): see ``app.demo.attendance``."""
        from app.demo.attendance import seed_rosters

        self.s.flush()
        self.counts["roster"] = seed_rosters(self.s, self.month, self.dept_defs, self.dept_by_code,
                                             self.employees_by_dept, self.rng)

    def clock_data(self) -> None:
        """Clock punches are not written here: ``app.demo.attendance.demo_attendance`` writes the
        attendance machines' CSV export into the data folder and imports it through the service, as
        a user would (so the demo shows the import's problem report)."""
        self.counts["punches"] = 0


def _is_legacy(staff_no: str | None) -> bool:
    """Every 41st person keeps an old flat 专项附加扣除 on the pay profile (as older databases have)."""
    return bool(staff_no) and int(str(staff_no)[1:]) % 41 == 0


def _flat_if_legacy(staff_no: str | None, amount_fen: int) -> int:
    return amount_fen if _is_legacy(staff_no) else 0

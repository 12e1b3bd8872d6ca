"""Seeded generator of realistic Chinese resumes of hospital candidates, with their ground truth.

Profiles: doctors (incl. imaging doctors), nurses, pharmacists, technicians, administrative staff,
AI/IT engineers and AI-medical cross-over doctors. Layouts: sectioned, key-value table, narrative.
Every name, phone number and e-mail address is generated; any likeness to a real person is chance.

``generate_resume(seed)`` returns the document (as blocks), its plain text and the truth as
:class:`app.screening.extract.ResumeFields`; writers produce TXT (any encoding), DOCX and PDF.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app import paths
from app.demo import vocab
from app.screening.extract import DEGREE_RANK, Education, Licence, Residency, ResumeFields, Work

REFERENCE_DATE = date(2025, 6, 1)

PROFILES = ("doctor", "imaging_doctor", "nurse", "pharmacist", "technician", "admin", "ai_engineer", "ai_doctor")
_PROFILE_WEIGHTS = (24, 8, 22, 8, 10, 8, 10, 10)

CITIES = ("杭州", "南京", "成都", "武汉", "长沙", "郑州", "济南", "合肥", "苏州", "宁波", "无锡", "温州", "佛山", "昆明", "南昌")
PROVINCES = ("浙江", "江苏", "四川", "湖北", "湖南", "河南", "山东", "安徽", "广东", "云南", "江西")
BIG_HOSPITALS = (
    "四川大学华西医院", "北京协和医院", "复旦大学附属中山医院", "中山大学附属第一医院", "浙江大学医学院附属第一医院",
    "华中科技大学同济医学院附属同济医院", "中南大学湘雅医院", "江苏省人民医院", "山东省立医院", "郑州大学第一附属医院",
)
COMPANIES = (
    "杭州视微医疗科技有限公司", "深圳智影医疗科技有限公司", "北京数问健康科技有限公司", "上海云医信息技术有限公司",
    "南京医联数据科技有限公司", "成都慧诊智能科技有限公司",
)
CLINICAL_DEPTS = {
    "内科专业": ("心血管内科", "呼吸与危重症医学科", "消化内科", "神经内科", "肾内科", "内分泌科"),
    "外科专业": ("普外科", "骨科", "泌尿外科", "神经外科", "胸外科"),
    "儿科专业": ("儿科", "新生儿科"),
    "急救医学专业": ("急诊科",),
    "重症医学专业": ("重症医学科",),
}
MAJOR_BY_SCOPE = {
    "内科专业": ("内科学", "老年医学", "神经病学"),
    "外科专业": ("外科学",),
    "儿科专业": ("儿科学",),
    "急救医学专业": ("急诊医学",),
    "重症医学专业": ("内科学", "急诊医学"),
}
NURSE_DEPTS = ("心血管内科", "急诊科", "手术室", "重症医学科", "儿科", "骨科", "妇产科", "肿瘤科")
ADMIN_DEPTS = ("人力资源部", "医务部", "院长办公室", "财务处", "质量管理办公室")
AI_DEPTS = ("算法部", "研发部", "信息中心", "数据部")
SURNAME_ROMAN = ("zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun", "hu", "zhu", "gao", "lin")
MAIL_DOMAINS = ("163.com", "126.com", "qq.com", "foxmail.com", "sina.com", "outlook.com")


@dataclass(frozen=True)
class Block:
    kind: str  # title / heading / para / table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class GeneratedResume:
    seed: int
    profile: str
    layout: str
    blocks: tuple[Block, ...]
    truth: ResumeFields

    @property
    def text(self) -> str:
        return blocks_to_text(self.blocks)


def blocks_to_text(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if b.kind == "table":
            for row in b.rows:
                lines.append("  ".join(c for c in row if c))
        else:
            lines.append(b.text)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- career model


def _hospital(rng: random.Random) -> str:
    base = rng.choice(vocab.HOSPITALS)
    if base.startswith("省"):
        return rng.choice(PROVINCES) + base
    if base.startswith(("区", "县")):
        return rng.choice(CITIES) + "市" + rng.choice(("西湖", "江北", "高新", "龙泉", "新城")) + base
    if base.startswith("医科大学"):
        return rng.choice(("温州", "南京", "重庆", "安徽", "河北")) + base
    return rng.choice(CITIES) + base


def _ym(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _months_between(start: tuple[int, int], end: tuple[int, int]) -> int:
    return (end[0] * 12 + end[1]) - (start[0] * 12 + start[1])


@dataclass
class _Person:
    profile: str
    name: str
    gender: str
    birth: date
    phone: str
    email: str
    education: list[Education]
    residency: Residency | None
    residency_span: tuple[tuple[int, int], tuple[int, int]] | None
    work: list[Work]
    titles: list[str]
    ladder: str | None
    licences: list[Licence]
    clinical: list[str]
    technical: list[str]
    publications: list[str]
    projects: list[str]
    worked_months: int


_SKILLS_CLINICAL = {
    "doctor": ("心肺复苏", "气管插管", "中心静脉置管", "腰椎穿刺", "胸腔穿刺", "心电图判读", "病历书写", "危重症抢救", "循证医学", "医患沟通", "冠脉介入", "机械通气", "围手术期管理", "腹腔镜手术"),
    "imaging_doctor": ("CT诊断", "MRI诊断", "影像诊断", "超声诊断", "病历书写", "医学影像", "心肺复苏"),
    "nurse": ("静脉输液", "PICC维护", "伤口护理", "压力性损伤", "跌倒风险评估", "手卫生", "院感防控", "三查七对", "健康教育", "护理文书书写", "心肺复苏", "急诊分诊", "重症监护"),
    "pharmacist": ("处方审核", "静脉用药调配", "临床药学", "药物治疗管理", "用药咨询"),
    "technician": ("临床检验", "生化检验", "微生物检验", "输血技术", "CT诊断", "康复评定", "院感防控"),
    "admin": (),
    "ai_engineer": ("医学影像", "电子病历"),
    "ai_doctor": ("影像诊断", "CT诊断", "病历书写", "临床研究", "循证医学", "心肺复苏"),
}
_SKILLS_TECH = {
    "doctor": ("医学统计学", "SPSS", "统计分析"),
    "imaging_doctor": ("PACS", "DICOM", "深度学习"),
    "nurse": ("Office办公软件", "HIS"),
    "pharmacist": ("HIS", "Excel"),
    "technician": ("LIS", "PACS", "DICOM"),
    "admin": ("人力资源管理", "绩效管理", "薪酬核算", "档案管理", "公文写作", "Excel", "Office办公软件"),
    "ai_engineer": ("Python", "PyTorch", "TensorFlow", "C++", "深度学习", "机器学习", "卷积神经网络", "图像分割", "目标检测", "自然语言处理", "大语言模型", "知识图谱", "联邦学习", "DICOM", "Docker", "Linux", "SQL", "ONNX", "OpenCV"),
    "ai_doctor": ("Python", "PyTorch", "深度学习", "机器学习", "医学统计学", "ROC曲线", "DICOM", "图像分割", "R语言"),
}


def _pick(rng: random.Random, pool: Sequence[str], lo: int, hi: int) -> list[str]:
    if not pool:
        return []
    k = min(len(pool), rng.randint(lo, hi))
    return rng.sample(list(pool), k)


def _career(rng: random.Random, profile: str, today: date) -> _Person:
    gender = rng.choice(("男", "女")) if profile != "nurse" else ("女" if rng.random() < 0.85 else "男")
    name = vocab.person_name(rng, gender)
    age = rng.randint(24, 52)
    birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    y = birth.year + 18  # university entry
    education: list[Education] = []
    residency: Residency | None = None
    residency_span = None
    scope = rng.choice(list(CLINICAL_DEPTS))

    def add_edu(degree: str, school: str, major: str, years: int) -> None:
        nonlocal y
        education.append(Education(degree, school, major, _ym(y, 9), _ym(y + years, 7 if rng.random() < 0.7 else 6)))
        y += years

    if profile in ("doctor", "imaging_doctor", "ai_doctor"):
        school = rng.choice(vocab.MEDICAL_SCHOOLS)
        major = "医学影像学" if profile == "imaging_doctor" and rng.random() < 0.5 else "临床医学"
        add_edu("本科", school, major, 5)
        if rng.random() < 0.6:
            if profile == "imaging_doctor":
                m2 = "影像医学与核医学"
            elif profile == "ai_doctor" and rng.random() < 0.5:
                m2 = rng.choice(("生物医学工程", "医学人工智能"))
            else:
                m2 = rng.choice(MAJOR_BY_SCOPE[scope])
            add_edu("硕士", rng.choice(vocab.MEDICAL_SCHOOLS), m2, 3)
            if rng.random() < 0.3:
                add_edu("博士", rng.choice(vocab.MEDICAL_SCHOOLS), education[-1].major or m2, 3)
    elif profile == "nurse":
        if rng.random() < 0.4:
            add_edu("大专", rng.choice(vocab.NURSING_SCHOOLS), "护理", 3)
        else:
            add_edu("本科", rng.choice(vocab.NURSING_SCHOOLS[:5] + vocab.MEDICAL_SCHOOLS[:6]), "护理学", 4)
            if rng.random() < 0.15:
                add_edu("硕士", rng.choice(vocab.MEDICAL_SCHOOLS), "护理学", 3)
    elif profile == "pharmacist":
        add_edu("本科", rng.choice(vocab.MEDICAL_SCHOOLS), rng.choice(("药学", "临床药学")), rng.choice((4, 5)))
        if rng.random() < 0.4:
            add_edu("硕士", rng.choice(vocab.MEDICAL_SCHOOLS), "药理学", 3)
    elif profile == "technician":
        major = rng.choice(("医学检验技术", "医学影像技术", "康复治疗学"))
        if rng.random() < 0.3:
            add_edu("大专", rng.choice(vocab.NURSING_SCHOOLS[5:]), major, 3)
        else:
            add_edu("本科", rng.choice(vocab.MEDICAL_SCHOOLS), major, 4)
    elif profile == "admin":
        add_edu("本科", rng.choice(vocab.GENERAL_SCHOOLS), rng.choice(("人力资源管理", "公共事业管理", "行政管理", "会计学")), 4)
        if rng.random() < 0.35:
            add_edu("硕士", rng.choice(vocab.GENERAL_SCHOOLS), rng.choice(("公共管理", "社会医学与卫生事业管理")), 3)
    else:  # ai_engineer
        add_edu("本科", rng.choice(vocab.TECH_SCHOOLS), rng.choice(("计算机科学与技术", "软件工程", "人工智能", "生物医学工程", "电子信息工程")), 4)
        if rng.random() < 0.7:
            add_edu("硕士", rng.choice(vocab.TECH_SCHOOLS), rng.choice(("计算机技术", "模式识别与智能系统", "生物医学工程", "人工智能")), rng.choice((2, 3)))
            if rng.random() < 0.2:
                add_edu("博士", rng.choice(vocab.TECH_SCHOOLS), education[-1].major or "人工智能", 4)

    start = (y, 8 if education[-1].end and education[-1].end.endswith("07") else 7)
    now = (today.year, today.month)
    if _months_between(start, now) < 6:
        # too young for this path: shift birth back so there is some work history
        shift = (_months_between(start, now) * -1 + rng.randint(12, 60)) // 12 + 1
        birth = date(birth.year - shift, birth.month, birth.day)
        education = [
            Education(e.degree, e.school, e.major, _shift(e.start, -shift), _shift(e.end, -shift)) for e in education
        ]
        start = (start[0] - shift, start[1])

    if profile in ("doctor", "imaging_doctor", "ai_doctor") and rng.random() < 0.85:
        base = rng.choice(BIG_HOSPITALS)
        r_end = (start[0] + 3, start[1] - 1)
        if _months_between(r_end, now) > 0:
            residency = Residency(True, base, 3)
            residency_span = (start, r_end)
            start = (r_end[0], r_end[1] + 1)
    # jobs
    work: list[Work] = []
    total_months = _months_between(start, now)
    n_jobs = 1 if total_months < 36 else rng.choice((1, 2, 2, 3))
    cuts = sorted(rng.sample(range(6, max(total_months - 6, 7)), n_jobs - 1)) if n_jobs > 1 and total_months > 14 else []
    bounds = [0, *cuts, total_months]
    ended_early = rng.random() < 0.2
    worked = 0
    titles: list[str] = []
    ladder = {
        "doctor": "doctor", "imaging_doctor": "doctor", "ai_doctor": "doctor", "nurse": "nurse",
        "pharmacist": "pharmacist", "technician": "technician", "admin": None, "ai_engineer": "engineer",
    }[profile]
    from app.screening.extract import TITLE_LADDERS

    ladder_titles = TITLE_LADDERS[ladder] if ladder else ()
    if ladder == "engineer" and rng.random() < 0.5:
        ladder_titles = ()
    steps = {"doctor": 5, "nurse": 4, "pharmacist": 4, "technician": 4, "engineer": 5}.get(ladder or "", 99)
    dept_pool: Sequence[str] = {
        "doctor": CLINICAL_DEPTS[scope], "imaging_doctor": ("放射科", "医学影像科"), "ai_doctor": ("放射科", "医学影像科", *CLINICAL_DEPTS[scope]),
        "nurse": NURSE_DEPTS, "pharmacist": ("药剂科", "临床药学室"), "technician": ("检验科", "医学影像科", "康复医学科"),
        "admin": ADMIN_DEPTS, "ai_engineer": AI_DEPTS,
    }[profile]
    dept = rng.choice(dept_pool)
    if profile == "technician":
        dept = {"医学检验技术": "检验科", "医学影像技术": "医学影像科", "康复治疗学": "康复医学科"}[education[0].major or "医学检验技术"]
    months_since_start = 0
    for j in range(n_jobs):
        s_m = bounds[j] + (1 if j else 0)
        e_m = bounds[j + 1]
        sy, sm = divmod(start[0] * 12 + start[1] - 1 + s_m, 12)
        ey, em = divmod(start[0] * 12 + start[1] - 1 + e_m, 12)
        last = j == n_jobs - 1
        current = last and not ended_early
        if last and ended_early:
            ey, em = divmod(ey * 12 + em - rng.randint(1, 4), 12)
        org = rng.choice(COMPANIES) if profile == "ai_engineer" and rng.random() < 0.6 else _hospital(rng)
        months_since_start = e_m
        rank = min(len(ladder_titles) - 1, months_since_start // 12 // steps) if ladder_titles else -1
        title = ladder_titles[rank] if rank >= 0 else None
        for t in ladder_titles[: rank + 1]:
            if t not in titles:
                titles.append(t)
        if profile in ("doctor", "imaging_doctor", "ai_doctor"):
            position = title
        elif profile == "nurse":
            position = "护士长" if rank >= 2 and rng.random() < 0.3 else "责任护士" if rng.random() < 0.5 else title
        elif profile == "pharmacist":
            position = rng.choice(("临床药师", "调剂药师")) if rng.random() < 0.5 else title
        elif profile == "technician":
            named = {"检验科": "检验技师", "医学影像科": "放射技师", "康复医学科": "康复治疗师"}[dept]
            position = title if rng.random() < 0.5 else named
        elif profile == "admin":
            position = rng.choice(("人事专员", "科员", "人力资源主管", "行政专员"))
        else:
            position = rng.choice(("算法工程师", "高级算法工程师", "数据工程师", "软件工程师"))
        if profile == "ai_engineer" and "公司" not in org:
            d = "信息中心"
        else:
            d = dept if profile != "ai_engineer" else rng.choice(("算法部", "研发部", "数据部"))
        w_end = None if current else _ym(ey, em + 1)
        work.append(Work(org, d, position, _ym(sy, sm + 1), w_end, current))
        worked += (e_m - s_m) if current else _months_between((sy, sm), (ey, em)) + 1
    if profile == "ai_engineer" and titles and rng.random() < 0.5:
        titles = titles[:1]
    # licences
    licences: list[Licence] = []
    if profile in ("doctor", "imaging_doctor", "ai_doctor"):
        licences.append(Licence("医师资格证书"))
        lic_scope = "医学影像和放射治疗专业" if profile == "imaging_doctor" or (profile == "ai_doctor" and dept in ("放射科", "医学影像科")) else scope
        licences.append(Licence("医师执业证书", lic_scope))
        if residency and residency.done:
            licences.append(Licence("规培合格证书"))
        if lic_scope == "医学影像和放射治疗专业" and rng.random() < 0.7:
            licences.append(Licence("大型设备上岗证", rng.choice(("CT", "MRI"))))
    elif profile == "nurse":
        licences.append(Licence("护士执业证书"))
    elif profile == "pharmacist":
        licences.append(Licence("药师资格证书"))
    elif profile == "technician":
        licences.append(Licence("技师资格证书"))
        if dept == "医学影像科" and rng.random() < 0.6:
            licences.append(Licence("大型设备上岗证", rng.choice(("CT", "MRI"))))
    clinical = _pick(rng, _SKILLS_CLINICAL[profile], 2, 5)
    technical = _pick(rng, _SKILLS_TECH[profile], 1 if profile not in ("ai_engineer", "ai_doctor") else 4, 3 if profile not in ("ai_engineer", "ai_doctor") else 7)
    pubs: list[str] = []
    projects: list[str] = []
    if profile in ("ai_engineer", "ai_doctor", "imaging_doctor") or (education[-1].degree in ("硕士", "博士") and rng.random() < 0.6):
        for _k in range(rng.randint(1, 3)):
            topic = rng.choice(("基于深度学习的肺结节检测研究", "急性心肌梗死患者院内转运流程优化", "卷积神经网络在乳腺钼靶筛查中的应用",
                                "护理干预对术后压力性损伤的影响", "电子病历结构化与自然语言处理", "脓毒症早期预警模型的建立与验证",
                                "抗菌药物处方点评结果分析", "大语言模型在门诊分诊中的应用探索"))
            journal = rng.choice(("中华放射学杂志", "中华护理杂志", "中国数字医学", "中华医院管理杂志", "中国医疗设备", "中华急诊医学杂志"))
            pubs.append(f"{name}，等. {topic}[J]. {journal}，{rng.randint(2016, today.year - 1)}，{rng.randint(30, 60)}({rng.randint(1, 12)})：{rng.randint(10, 400)}-{rng.randint(401, 800)}.")
        if rng.random() < 0.7:
            projects.append(rng.choice(("参与国家自然科学基金青年项目“医学影像智能辅助诊断方法研究”", "主持省卫生健康委科研课题“基于多模态数据的脑卒中风险预测”",
                                        "参与医院信息化项目“临床决策支持系统建设”", "负责科室质量改进项目“降低住院患者跌倒发生率”")))
    local = f"{rng.choice(SURNAME_ROMAN)}{rng.choice(('', '.', '_'))}{rng.randint(10, 9999)}"
    return _Person(
        profile=profile, name=name, gender=gender, birth=birth, phone=vocab.mobile(rng),
        email=f"{local}@{rng.choice(MAIL_DOMAINS)}", education=education, residency=residency,
        residency_span=residency_span, work=work, titles=titles, ladder=ladder if titles else None,
        licences=licences, clinical=clinical, technical=technical, publications=pubs, projects=projects,
        worked_months=worked,
    )


def _shift(value: str | None, years: int) -> str | None:
    if not value:
        return value
    y, _s, m = value.partition("-")
    return f"{int(y) + years:04d}" + (f"-{m}" if m else "")


# --------------------------------------------------------------------------- rendering

_DATE_STYLES = ("dot", "cn", "slash", "dash")


def _fmt_date(value: str | None, style: str) -> str:
    if value is None:
        return "至今"
    y, _s, m = value.partition("-")
    mm = int(m)
    return {"dot": f"{y}.{m}", "cn": f"{y}年{mm}月", "slash": f"{y}/{m}", "dash": f"{y}-{m}"}[style]


def _fmt_range(start: str | None, end: str | None, style: str, rng: random.Random) -> str:
    if end is None and style in ("cn", "dash") and rng.random() < 0.7:
        return f"{_fmt_date(start, style)}至今"
    sep = {"dot": rng.choice(("-", " - ", "—", "～")), "cn": rng.choice(("至", "—", "-")), "slash": " - ", "dash": " 至 "}[style]
    return f"{_fmt_date(start, style)}{sep}{_fmt_date(end, style)}"


def _fmt_phone(phone: str, rng: random.Random) -> str:
    return rng.choice((phone, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}", f"+86 {phone}"))


def _render(p: _Person, rng: random.Random, layout: str) -> list[Block]:
    style = rng.choice(_DATE_STYLES)
    current_title = p.titles[-1] if p.titles else None
    b: list[Block] = []
    head = rng.choice(("个人简历", f"{p.name}的简历", p.name, "求职简历"))
    b.append(Block("title", head))
    birth_s = rng.choice((f"{p.birth.year}年{p.birth.month}月", f"{p.birth.year}.{p.birth.month:02d}", f"{p.birth:%Y-%m-%d}"))
    phone_s = _fmt_phone(p.phone, rng)
    licence_lines = []
    for lic in p.licences:
        if lic.name == "医师执业证书":
            licence_lines.append(f"医师执业证书（执业范围：{lic.scope}）")
        elif lic.name == "大型设备上岗证":
            licence_lines.append(f"大型医用设备上岗证（{lic.scope}）")
        elif lic.name == "规培合格证书":
            licence_lines.append(rng.choice(("住院医师规范化培训合格证书", "规培合格证书")))
        else:
            licence_lines.append(lic.name)
    if layout == "narrative":
        edu_high = max(p.education, key=lambda e: DEGREE_RANK[e.degree or "本科"])
        intro = f"{p.name}，{p.gender}，{birth_s}出生，{edu_high.degree}学历"
        if current_title:
            intro += f"，{current_title}"
        b.append(Block("para", intro + "。"))
        b.append(Block("para", f"联系电话：{phone_s}；电子邮箱：{p.email}"))
        b.append(Block("heading", "教育经历"))
        for e in p.education:
            b.append(Block("para", f"{_fmt_range(e.start, e.end, style, rng)}，就读于{e.school}{e.major}专业，获{e.degree}学历。"))
        if p.residency and p.residency_span:
            (sy, sm), (ey, em) = p.residency_span
            b.append(Block("heading", "规培经历"))
            b.append(Block("para", f"{_fmt_range(_ym(sy, sm), _ym(ey, em), style, rng)}，在{p.residency.base}参加住院医师规范化培训，已结业并取得合格证书。"))
        b.append(Block("heading", "工作经历"))
        for w in p.work:
            b.append(Block("para", f"{_fmt_range(w.start, w.end, style, rng)}，就职于{w.organisation}{w.department}，任{w.position}。"))
    else:
        b.append(Block("heading", rng.choice(("基本信息", "个人信息", "【基本信息】"))))
        if layout == "table":
            b.append(Block("table", rows=(
                (f"姓名：{p.name}", f"性别：{p.gender}", f"出生年月：{birth_s}"),
                (f"手机：{phone_s}", f"邮箱：{p.email}", f"职称：{current_title or '无'}"),
            )))
        else:
            b.append(Block("para", f"姓    名：{p.name}"))
            b.append(Block("para", f"性    别：{p.gender}"))
            b.append(Block("para", f"出生日期：{birth_s}"))
            b.append(Block("para", f"联系电话：{phone_s}"))
            b.append(Block("para", f"电子邮箱：{p.email}"))
            if current_title:
                b.append(Block("para", f"职    称：{current_title}"))
        b.append(Block("heading", rng.choice(("教育背景", "教育经历", "【教育背景】"))))
        if layout == "table":
            rows = [("时间", "学校", "专业", "学历")]
            rows += [(_fmt_range(e.start, e.end, style, rng), e.school or "", e.major or "", e.degree or "") for e in p.education]
            b.append(Block("table", rows=tuple(rows)))
        else:
            for e in p.education:
                b.append(Block("para", f"{_fmt_range(e.start, e.end, style, rng)}  {e.school}  {e.major}  {e.degree}"))
        if p.residency and p.residency_span:
            (sy, sm), (ey, em) = p.residency_span
            b.append(Block("heading", rng.choice(("规培经历", "住院医师规范化培训"))))
            b.append(Block("para", f"{_fmt_range(_ym(sy, sm), _ym(ey, em), style, rng)}  {p.residency.base}  住院医师规范化培训（{p.residency.years}年，已结业）"))
        b.append(Block("heading", rng.choice(("工作经历", "工作经验", "【工作经历】"))))
        if layout == "table":
            rows = [("时间", "单位", "科室", "职务")]
            rows += [(_fmt_range(w.start, w.end, style, rng), w.organisation or "", w.department or "", w.position or "") for w in p.work]
            b.append(Block("table", rows=tuple(rows)))
        else:
            for w in p.work:
                b.append(Block("para", f"{_fmt_range(w.start, w.end, style, rng)}  {w.organisation}  {w.department}  {w.position}"))
                duty = rng.choice(("负责病区日常诊疗及值班工作。", "参与科室质量控制与教学工作。", "负责相关数据整理与流程优化。", "完成岗位职责范围内的各项任务。"))
                b.append(Block("para", duty))
    if licence_lines or len(p.titles) > 1:
        b.append(Block("heading", rng.choice(("证书", "资格证书", "职称与证书"))))
        for line in licence_lines:
            b.append(Block("para", f"· {line}"))
        if len(p.titles) > 1:
            b.append(Block("para", "职称晋升：" + "→".join(p.titles)))
    skills_heading = rng.choice(("专业技能", "技能特长"))
    b.append(Block("heading", skills_heading))
    if p.clinical:
        b.append(Block("para", "临床技能：" + "、".join(p.clinical)))
    if p.technical:
        b.append(Block("para", rng.choice(("技术能力：", "信息技术：", "其他技能：")) + "、".join(p.technical)))
    if p.publications or p.projects:
        b.append(Block("heading", rng.choice(("科研成果", "论文与科研项目", "学术成果"))))
        for i, pub in enumerate(p.publications, 1):
            b.append(Block("para", f"{i}. {pub}"))
        for proj in p.projects:
            b.append(Block("para", proj))
    b.append(Block("heading", "自我评价"))
    b.append(Block("para", rng.choice(("工作认真负责，责任心强，善于沟通，具有良好的团队合作精神。", "热爱医疗卫生事业，能吃苦耐劳，服从科室安排。",
                                      "学习能力强，关注医学与人工智能的交叉应用。"))))
    return b


def generate_resume(seed: int, profile: str | None = None, layout: str | None = None, today: date = REFERENCE_DATE) -> GeneratedResume:
    """One resume; the same seed always gives the same resume."""
    rng = random.Random(seed)
    profile = profile or rng.choices(PROFILES, weights=_PROFILE_WEIGHTS)[0]
    layout = layout or rng.choice(("sections", "table", "narrative"))
    p = _career(rng, profile, today)
    blocks = _render(p, rng, layout)
    edu = tuple(p.education)
    highest = max((e.degree for e in edu if e.degree), key=lambda d: DEGREE_RANK[d])
    truth = ResumeFields(
        name=p.name,
        gender=p.gender,
        birth_year=p.birth.year,
        age=today.year - p.birth.year,
        phone=p.phone,
        email=p.email,
        highest_degree=highest,
        education=edu,
        titles=tuple(p.titles),
        current_title=p.titles[-1] if p.titles else None,
        title_ladder=p.ladder,
        licences=tuple(p.licences),
        residency=p.residency,
        work=tuple(p.work),
        experience_years=round(p.worked_months / 12, 1),
        clinical_skills=tuple(p.clinical),
        technical_skills=tuple(p.technical),
        publications=tuple(p.publications),
        projects=tuple(p.projects),
    )
    return GeneratedResume(seed, profile, layout, tuple(blocks), truth)


def generate_batch(n: int, seed: int = 0, today: date = REFERENCE_DATE) -> list[GeneratedResume]:
    return [generate_resume(seed * 100003 + i, today=today) for i in range(n)]


# --------------------------------------------------------------------------- writers


def write_txt(resume: GeneratedResume, path: Path, encoding: str = "utf-8") -> Path:
    """TXT in ``encoding`` (utf-8, utf-8-sig, gbk, gb18030, utf-16 ...), Windows line ends for GBK."""
    text = resume.text
    if encoding.lower() in ("gbk", "gb18030", "gb2312"):
        text = text.replace("\n", "\r\n")
    Path(path).write_bytes(text.encode(encoding))
    return Path(path)


def write_docx(resume: GeneratedResume, path: Path) -> Path:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Microsoft YaHei"
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Microsoft YaHei")
    for block in resume.blocks:
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind == "heading":
            document.add_heading(block.text, level=1)
        elif block.kind == "table":
            table = document.add_table(rows=len(block.rows), cols=max(len(r) for r in block.rows))
            table.style = "Table Grid"
            for i, row in enumerate(block.rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
        else:
            document.add_paragraph(block.text)
    document.save(str(path))
    return Path(path)


_FONT_NAME = "HRDeskCJK"


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT_NAME, str(paths.resource("fonts", "wqy-microhei.ttc")), subfontIndex=0))
    return _FONT_NAME


def write_pdf(resume: GeneratedResume, path: Path) -> Path:
    """A4 PDF with the bundled CJK font embedded (text layer, not an image)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    heading = ParagraphStyle("h", parent=body, fontSize=12, leading=18, spaceBefore=6)
    title = ParagraphStyle("t", parent=body, fontSize=16, leading=22)
    story: list[object] = []
    for block in resume.blocks:
        if block.kind == "title":
            story.append(Paragraph(_esc(block.text), title))
        elif block.kind == "heading":
            story.append(Paragraph(_esc(block.text), heading))
        elif block.kind == "table":
            data = [[Paragraph(_esc(c), body) for c in row] for row in block.rows]
            t = Table(data)
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(t)
            story.append(Spacer(1, 4))
        else:
            story.append(Paragraph(_esc(block.text), body))
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title="Resume", author="HR Desk generator",
    )
    doc.build(story)
    return Path(path)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Resume text for the demo's candidates, written the way Chinese applicants write them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from app.demo import vocab
from app.demo.hospital import PositionDef
from app.domain.org import TITLE_LADDERS


@dataclass(frozen=True)
class DemoResume:
    name: str
    birth: date
    phone: str
    email: str
    degree: str
    school: str
    major: str
    title: str
    text: str


_SKILLS = {
    "physician": ("心电图判读", "急性心肌梗死溶栓", "中心静脉置管", "胸腔穿刺", "心肺复苏", "气管插管", "病历书写", "临床路径管理"),
    "nursing": ("静脉输液", "PICC维护", "心电监护", "吸痰", "压力性损伤护理", "跌倒风险评估", "急诊分诊", "三查七对"),
    "medtech": ("CT操作", "MRI扫描", "DR摄影", "生化检验", "微生物检验", "处方审核", "质量控制", "危急值报告"),
    "admin": ("Office办公软件", "公文写作", "招聘管理", "薪酬核算", "档案管理", "会议组织"),
    "ai": ("Python", "PyTorch", "深度学习", "卷积神经网络", "DICOM", "PACS", "医学统计学", "数据标注", "ROC曲线分析"),
}


def candidate_resume(rng: random.Random, post: PositionDef, gender: str, today: date) -> DemoResume:
    name = vocab.person_name(rng, gender)
    ladder = TITLE_LADDERS[post.ladder]
    min_idx = ladder.index(post.min_title) if post.min_title in ladder else 0
    title_idx = max(0, min(len(ladder) - 1, min_idx + rng.choice((-1, 0, 0, 1))))
    title = ladder[title_idx]
    age = rng.randint(23 + 3 * title_idx, 30 + 5 * title_idx)
    birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    degree = post.min_degree if rng.random() < 0.7 else rng.choice(("大专", "本科", "硕士", "博士"))
    major = rng.choice(post.majors) if post.majors else "临床医学"
    school_pool = (
        vocab.NURSING_SCHOOLS if post.family == "nursing"
        else vocab.TECH_SCHOOLS if post.ai else vocab.GENERAL_SCHOOLS if post.family == "admin" else vocab.MEDICAL_SCHOOLS
    )
    school = rng.choice(school_pool)
    phone = vocab.mobile(rng)
    email = f"{rng.choice(('hr', 'doc', 'nurse', 'med', 'work'))}{rng.randint(100, 9999)}@{rng.choice(('163.com', 'qq.com', 'foxmail.com', '126.com'))}"
    grad_year = birth.year + (22 if degree in ("本科", "大专") else 25 if degree == "硕士" else 28)
    grad_year = min(grad_year, today.year)
    years = max(0, today.year - grad_year)
    skills = rng.sample(_SKILLS[post.family], 4)
    if post.ai:
        skills = rng.sample(_SKILLS["ai"], 5) + rng.sample(_SKILLS["physician"], 1)
    work_lines = []
    y = grad_year
    while y < today.year and len(work_lines) < 3:
        span = rng.randint(2, 5)
        end = min(today.year, y + span)
        work_lines.append(f"{y}.{rng.randint(7, 9):02d}—{'至今' if end >= today.year else f'{end}.06'}  {rng.choice(vocab.HOSPITALS)}  {post.title.replace('心内科', '').replace('普外科', '')}")
        y = end
    licences = [lic for lic in post.licences if rng.random() < 0.9]
    guipei = post.guipei and rng.random() < 0.8
    lines = [
        f"个人简历",
        f"姓名：{name}    性别：{gender}    出生年月：{birth.year}年{birth.month}月",
        f"联系电话：{phone}    电子邮箱：{email}",
        f"求职意向：{post.title}",
        "",
        "教育背景",
        f"{grad_year - (3 if degree == '大专' else 4)}.09—{grad_year}.06  {school}  {major}  {degree}",
        "",
        "工作经历",
        *(work_lines or ["应届毕业生"]),
        "",
        "资格证书与职称",
        f"专业技术职称：{title}",
        *(f"{lic}（已取得）" for lic in licences),
        *(["住院医师规范化培训合格证书（规培已结业）"] if guipei else []),
        "",
        "专业技能",
        "、".join(skills),
        "",
        "自我评价",
        rng.choice((
            "工作认真负责，具有良好的沟通能力和团队协作精神，能够承受较大工作压力。",
            "热爱医疗事业，责任心强，善于与患者沟通，重视患者隐私与医疗安全。",
            "学习能力强，关注医学与人工智能的交叉应用，乐于参与科室质量改进项目。",
        )),
    ]
    return DemoResume(name, birth, phone, email, degree, school, major, title, "\n".join(lines))

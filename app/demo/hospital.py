"""The demo hospital's structure: departments, posts, shifts and courses (data, not code paths)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeptDef:
    code: str
    name: str
    kind: str
    children: tuple[DeptDef, ...] = ()
    staff: dict[str, int] = field(default_factory=dict)  # job family -> head count of employees
    roster: str = ""  # "" | "ward" (三班倒) | "icu" (12 h) | "duty" (physicians' 24 h 值班)


DEPARTMENTS: tuple[DeptDef, ...] = (
    DeptDef("NK", "内科", "clinical", (
        DeptDef("NK-XN", "心血管内科", "clinical", (
            DeptDef("NK-XN-B1", "心内一病区", "nursing", staff={"nursing": 30}, roster="ward"),
        ), staff={"physician": 20}, roster="duty"),
        DeptDef("NK-HX", "呼吸与危重症医学科", "clinical", staff={"physician": 14, "nursing": 18}, roster="ward"),
    )),
    DeptDef("WK", "外科", "clinical", (
        DeptDef("WK-PW", "普通外科", "clinical", (
            DeptDef("WK-PW-B1", "普外一病区", "nursing", staff={"nursing": 26}, roster="ward"),
        ), staff={"physician": 18}, roster="duty"),
    )),
    DeptDef("JZ", "急诊科", "clinical", staff={"physician": 12, "nursing": 22}, roster="ward"),
    DeptDef("ICU", "重症医学科", "clinical", staff={"physician": 10, "nursing": 28}, roster="icu"),
    DeptDef("HLB", "护理部", "nursing", staff={"nursing": 6}),
    DeptDef("YJ", "医技部", "medtech", (
        DeptDef("YJ-FS", "放射科", "medtech", staff={"physician": 10, "medtech": 14}),
        DeptDef("YJ-JY", "检验科", "medtech", staff={"medtech": 20}),
        DeptDef("YJ-YJ", "药剂科", "medtech", staff={"medtech": 18}),
    )),
    DeptDef("XZ", "行政后勤", "admin", (
        DeptDef("XZ-RS", "人力资源部", "admin", staff={"admin": 9}),
        DeptDef("XZ-XX", "信息中心", "admin", staff={"admin": 12}),
        DeptDef("XZ-BG", "院办公室", "admin", staff={"admin": 10}),
    )),
)


@dataclass(frozen=True)
class PositionDef:
    code: str
    title: str
    dept: str
    family: str
    ladder: str  # TITLE_LADDERS key
    min_title: str
    grade: str
    headcount: int
    min_degree: str
    majors: tuple[str, ...]
    licences: tuple[str, ...]
    years: int
    guipei: bool
    duties: str
    nice: str = ""
    ai: bool = False
    keywords: str = ""


POSITIONS: tuple[PositionDef, ...] = (
    PositionDef("P-XN-ZY", "心内科住院医师", "NK-XN", "physician", "医师", "住院医师", "专业技术十二级", 10, "硕士",
                ("临床医学", "内科学"), ("医师资格证书", "医师执业证书"), 0, True,
                "负责病区患者的日常诊疗、病历书写与查房；参与心内科急危重症抢救；完成上级医师交办的诊疗任务。",
                "熟悉冠心病介入围术期管理者优先", keywords="(心血管 OR 心内科) AND (规培 OR 住院医师规范化培训)"),
    PositionDef("P-XN-ZZ", "心内科主治医师", "NK-XN", "physician", "医师", "主治医师", "专业技术十级", 6, "硕士",
                ("临床医学", "内科学"), ("医师资格证书", "医师执业证书"), 5, True,
                "独立完成心内科常见病、多发病诊治；负责急性心肌梗死溶栓与介入前评估；指导住院医师。",
                "具备冠脉介入资质者优先", keywords="(心肌梗死 OR 冠心病) AND (溶栓 OR 介入)"),
    PositionDef("P-XN-ZR", "心内科主任医师", "NK-XN", "physician", "医师", "副主任医师", "专业技术五级", 4, "博士",
                ("临床医学", "内科学"), ("医师资格证书", "医师执业证书"), 15, True,
                "学科带头人，负责疑难危重病例会诊、学科建设与科研教学。"),
    PositionDef("P-XN-HS", "心内一病区护士", "NK-XN-B1", "nursing", "护理", "护士", "专业技术十三级", 28, "大专",
                ("护理学",), ("护士执业证书",), 0, False,
                "按护理常规完成病区患者的基础护理与专科护理；执行医嘱，观察病情，做好交接班与护理记录。",
                "熟悉心电监护者优先", keywords="护理 AND (心电监护 OR 静脉输液)"),
    PositionDef("P-XN-HSZ", "心内一病区护士长", "NK-XN-B1", "nursing", "护理", "主管护师", "专业技术九级", 1, "本科",
                ("护理学",), ("护士执业证书",), 8, False, "负责病区护理管理、排班、质量控制与护理人员培训。"),
    PositionDef("P-HX-ZY", "呼吸科住院医师", "NK-HX", "physician", "医师", "住院医师", "专业技术十二级", 8, "硕士",
                ("临床医学", "内科学"), ("医师资格证书", "医师执业证书"), 0, True, "负责呼吸科病房患者诊疗、支气管镜检查配合。"),
    PositionDef("P-HX-HS", "呼吸科护士", "NK-HX", "nursing", "护理", "护士", "专业技术十三级", 18, "大专",
                ("护理学",), ("护士执业证书",), 0, False, "完成呼吸科患者护理，熟练掌握吸痰、雾化吸入、无创通气护理。"),
    PositionDef("P-PW-ZY", "普外科住院医师", "WK-PW", "physician", "医师", "住院医师", "专业技术十二级", 10, "硕士",
                ("临床医学", "外科学"), ("医师资格证书", "医师执业证书"), 0, True, "负责普外科患者围手术期管理，参与手术。"),
    PositionDef("P-PW-FZR", "普外科副主任医师", "WK-PW", "physician", "医师", "副主任医师", "专业技术七级", 5, "博士",
                ("临床医学", "外科学"), ("医师资格证书", "医师执业证书"), 10, True, "主持普外科复杂手术，负责医疗质量与带教。"),
    PositionDef("P-PW-HS", "普外一病区护士", "WK-PW-B1", "nursing", "护理", "护士", "专业技术十三级", 26, "大专",
                ("护理学",), ("护士执业证书",), 0, False, "完成普外科围手术期护理、伤口护理与引流管护理。"),
    PositionDef("P-JZ-YS", "急诊科医师", "JZ", "physician", "医师", "住院医师", "专业技术十一级", 12, "本科",
                ("临床医学", "急诊医学"), ("医师资格证书", "医师执业证书"), 2, True,
                "负责急诊患者接诊、急诊分诊复核与抢救；熟练掌握心肺复苏与气管插管。", keywords="急诊 AND (心肺复苏 OR 抢救)"),
    PositionDef("P-JZ-HS", "急诊科护士", "JZ", "nursing", "护理", "护士", "专业技术十三级", 22, "大专",
                ("护理学",), ("护士执业证书",), 1, False, "负责急诊预检分诊、抢救配合与留观患者护理。",
                keywords="(急诊 OR 分诊) AND 护理"),
    PositionDef("P-ICU-YS", "重症医学科医师", "ICU", "physician", "医师", "主治医师", "专业技术十级", 10, "硕士",
                ("临床医学", "重症医学"), ("医师资格证书", "医师执业证书"), 3, True, "负责重症患者监护与器官功能支持治疗。"),
    PositionDef("P-ICU-HS", "ICU护士", "ICU", "nursing", "护理", "护师", "专业技术十二级", 28, "本科",
                ("护理学",), ("护士执业证书",), 2, False, "负责重症患者监护、呼吸机与血流动力学监测护理，12小时轮班。"),
    PositionDef("P-HLB-ZK", "护理质控专员", "HLB", "nursing", "护理", "主管护师", "专业技术九级", 6, "本科",
                ("护理学",), ("护士执业证书",), 8, False, "负责全院护理质量检查、不良事件分析与护理培训。"),
    PositionDef("P-FS-YS", "影像诊断医师", "YJ-FS", "physician", "医师", "住院医师", "专业技术十一级", 10, "硕士",
                ("医学影像学", "临床医学"), ("医师资格证书", "医师执业证书", "大型设备上岗证"), 2, True,
                "负责CT、MRI、DR影像诊断报告书写与审核。", keywords="(医学影像 OR 影像诊断) AND (CT OR MRI)"),
    PositionDef("P-FS-JS", "放射技师", "YJ-FS", "medtech", "技术", "技师", "专业技术十二级", 14, "大专",
                ("医学影像技术",), ("技师资格证", "大型设备上岗证"), 1, False, "负责CT、MRI、DR设备操作与影像质量控制。"),
    PositionDef("P-FS-AI", "医学影像AI工程师", "YJ-FS", "medtech", "技术", "技师", "专业技术十一级", 2, "硕士",
                ("计算机科学与技术", "生物医学工程", "医学影像学"), (), 2, False,
                "负责医学影像AI模型（肺结节、骨折检测）的数据标注规范、训练、验证与临床部署；与放射科医师协作评估模型。",
                "熟悉DICOM与PACS；有医学影像深度学习项目经验", ai=True,
                keywords="(医学影像 OR 影像诊断) AND (PyTorch OR 深度学习)"),
    PositionDef("P-JY-JS", "检验技师", "YJ-JY", "medtech", "技术", "技师", "专业技术十二级", 20, "本科",
                ("医学检验技术",), ("技师资格证",), 1, False, "负责临床生化、免疫、微生物检验与危急值报告。"),
    PositionDef("P-YJ-YS", "临床药师", "YJ-YJ", "medtech", "药学", "药师", "专业技术十二级", 18, "本科",
                ("药学", "临床药学"), ("药师资格证",), 1, False, "负责处方审核、用药咨询与药学查房。"),
    PositionDef("P-XX-SJ", "医疗数据分析师", "XZ-XX", "admin", "技术", "技师", "管理九级", 3, "硕士",
                ("统计学", "计算机科学与技术", "流行病与卫生统计学"), (), 2, False,
                "负责医院临床与运营数据治理、统计分析与AI辅助决策项目，撰写分析报告。",
                "掌握Python与医学统计学；了解电子病历结构", ai=True, keywords="(Python OR 机器学习) AND (医学统计学 OR 电子病历)"),
    PositionDef("P-XX-GC", "临床信息系统工程师", "XZ-XX", "admin", "技术", "技士", "管理九级", 9, "本科",
                ("计算机科学与技术", "软件工程"), (), 1, False, "负责HIS、LIS、PACS系统运维与接口开发。"),
    PositionDef("P-RS-ZY", "人事专员", "XZ-RS", "admin", "行政", "科员", "管理九级", 9, "本科",
                ("人力资源管理", "行政管理"), (), 1, False, "负责招聘、入职、考勤与薪酬核算相关事务。"),
    PositionDef("P-BG-GS", "行政干事", "XZ-BG", "admin", "行政", "科员", "管理九级", 10, "本科",
                ("行政管理", "汉语言文学"), (), 0, False, "负责公文处理、会议组织与院务协调。"),
    PositionDef("P-ICU-HSZ", "ICU护士长", "ICU", "nursing", "护理", "副主任护师", "专业技术七级", 1, "本科",
                ("护理学",), ("护士执业证书",), 12, False, "负责ICU护理管理与专科护士培养。"),
)

# (code, name, start, end, paid minutes, night class, is_night, is_duty, is_rest)
SHIFTS: tuple[tuple[str, str, str | None, str | None, int, str, bool, bool, bool], ...] = (
    ("白", "白班", "08:00", "16:00", 480, "", False, False, False),
    ("小夜", "小夜班", "16:00", "00:00", 480, "小夜", True, False, False),
    ("大夜", "大夜班", "00:00", "08:00", 480, "大夜", True, False, False),
    ("D12", "ICU白班(12h)", "08:00", "20:00", 660, "", False, False, False),
    ("N12", "ICU夜班(12h)", "20:00", "08:00", 660, "长夜班", True, False, False),
    ("值", "24小时值班", "08:00", "08:00", 480, "", False, True, False),
    ("下夜", "下夜休息", None, None, 0, "", False, False, True),
    ("休", "休息", None, None, 0, "", False, False, True),
)
WARD_CYCLE = ("白", "白", "小夜", "大夜", "下夜", "休", "休")
ICU_CYCLE = ("D12", "D12", "N12", "N12", "下夜", "休", "休")

COURSES: tuple[tuple[str, str, str, str, tuple[str, ...], float, float, tuple[str, ...], str], ...] = (
    # code, title, format, level, dimensions, hours, credits, prerequisites, description
    ("C-TJ01", "医学统计学基础", "course", "basic", ("专业知识", "技术能力"), 16, 4, (), "描述性统计、假设检验、回归分析与临床研究设计基础。"),
    ("C-BZ01", "临床数据标注实践", "project", "basic", ("临床场景理解", "技术能力"), 12, 2, ("C-TJ01",), "电子病历与影像数据标注规范、质控流程与隐私保护实操。"),
    ("C-YX01", "医学影像诊断入门", "course", "basic", ("专业知识", "临床场景理解"), 20, 5, (), "X线、CT、MRI基本原理与常见病影像表现。"),
    ("C-PY01", "Python基础", "course", "basic", ("技术能力",), 24, 0, (), "Python语法、数据处理（pandas）与可视化。"),
    ("C-DL01", "深度学习入门", "course", "intermediate", ("技术能力",), 32, 0, ("C-PY01",), "神经网络、卷积网络与模型评估（ROC曲线、AUC）。"),
    ("C-AI01", "AI医疗产品设计", "scenario", "advanced", ("临床场景理解", "团队协作"), 16, 2, ("C-DL01", "C-BZ01"), "从临床需求到AI产品：可解释性、工作流嵌入与监管要求。"),
    ("C-GT01", "患者沟通技巧", "scenario", "basic", ("职业素养", "沟通能力"), 8, 2, (), "共情表达、坏消息告知与医患冲突化解情景演练。"),
    ("C-GT02", "跨部门沟通", "course", "basic", ("团队协作", "沟通能力"), 6, 1, (), "多学科协作与跨部门项目沟通方法。"),
    ("C-CT01", "冲突管理", "scenario", "intermediate", ("职业素养", "团队协作"), 6, 1, ("C-GT01",), "临床团队冲突的识别与处理。"),
    ("C-BM01", "医疗保密制度", "cme", "basic", ("职业素养",), 4, 2, (), "个人信息保护法、医疗保密制度与病历信息安全。"),
    ("C-JJ01", "急救技能复训", "cme", "basic", ("操作技能",), 8, 4, (), "心肺复苏、除颤与气道管理年度复训（考核）。"),
    ("C-HL01", "静脉治疗护理规范", "cme", "basic", ("操作技能", "专业知识"), 6, 3, (), "静脉输液、PICC维护与并发症预防。"),
    ("C-XD01", "心电图判读", "course", "intermediate", ("专业知识",), 10, 3, (), "常见心律失常与急性心肌梗死心电图识别。"),
    ("C-YG01", "院感防控", "cme", "basic", ("操作技能", "职业素养"), 4, 2, (), "手卫生、标准预防与多重耐药菌防控。"),
)


# 事业单位 post grade (岗位等级) by professional title: the row of the pay tables a person is paid on.
POST_GRADE_BY_TITLE: dict[str, str] = {
    "住院医师": "专技十二级", "主治医师": "专技十级", "副主任医师": "专技七级", "主任医师": "专技四级",
    "护士": "专技十三级", "护师": "专技十二级", "主管护师": "专技十级", "副主任护师": "专技七级", "主任护师": "专技四级",
    "药士": "专技十三级", "药师": "专技十二级", "主管药师": "专技十级", "副主任药师": "专技七级", "主任药师": "专技四级",
    "技士": "专技十三级", "技师": "专技十二级", "主管技师": "专技十级", "副主任技师": "专技七级", "主任技师": "专技四级",
    "科员": "管理九级", "主管": "管理八级", "副科长": "管理八级", "科长": "管理七级",
}

# Staff category used by allowance tables (卫生津贴, 护龄津贴, 护士10%).
def staff_category(family: str, ladder: str) -> str:
    if family == "physician":
        return "医师"
    if family == "nursing":
        return "护士"
    if family == "medtech":
        return "药剂" if ladder == "药学" else "医技"
    return "行政"

"""Field extraction: generated resumes through PDF, DOCX and GBK TXT, and hand-written resumes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from app.screening import generate as gen
from app.screening.extract import Education, Licence, Residency, Work, extract_fields
from app.screening.files import read_resume

TODAY = gen.REFERENCE_DATE
SCALAR_FIELDS = ("name", "gender", "birth_year", "phone", "email", "highest_degree", "current_title", "residency")
SET_FIELDS = ("licences", "clinical_skills", "technical_skills")
LIST_FIELDS = ("education", "work")


def _compare(truth, got) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for k in SCALAR_FIELDS:
        out[k] = getattr(truth, k) == getattr(got, k)
    for k in SET_FIELDS:
        out[k] = set(getattr(truth, k)) == set(getattr(got, k))
    for k in LIST_FIELDS:
        out[k] = tuple(getattr(truth, k)) == tuple(getattr(got, k))
    out["experience_years"] = (
        truth.experience_years is not None
        and got.experience_years is not None
        and abs(truth.experience_years - got.experience_years) <= 0.1
    )
    out["publications"] = len(truth.publications) == len(got.publications)
    return out


@pytest.mark.slow
def test_generated_resumes_pdf_docx_gbk_match_truth(tmp_path: Path) -> None:
    resumes = gen.generate_batch(24, seed=42)
    assert {r.profile for r in resumes} >= {"doctor", "nurse", "ai_engineer"}
    assert {r.layout for r in resumes} == {"sections", "table", "narrative"}
    hits: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures: list[str] = []
    for i, r in enumerate(resumes):
        for fmt in ("pdf", "docx", "gbk"):
            if fmt == "pdf":
                path = gen.write_pdf(r, tmp_path / f"{i}.pdf")
            elif fmt == "docx":
                path = gen.write_docx(r, tmp_path / f"{i}.docx")
            else:
                path = gen.write_txt(r, tmp_path / f"{i}.txt", "gbk")
            outcome = read_resume(path)
            assert outcome.ok, (fmt, outcome.reason)
            got = extract_fields(outcome.text, today=TODAY)
            for field, ok in _compare(r.truth, got).items():
                total[f"{fmt}:{field}"] += 1
                hits[f"{fmt}:{field}"] += ok
                if not ok:
                    failures.append(f"{fmt} seed={r.seed} {field}: {getattr(r.truth, field)!r} != {getattr(got, field)!r}")
    accuracy = {k: hits[k] / total[k] for k in sorted(total)}
    print(json.dumps(accuracy, ensure_ascii=False, indent=0))
    worst = min(accuracy.values())
    assert worst >= 0.95, failures[:10]
    overall = sum(hits.values()) / sum(total.values())
    assert overall >= 0.98, failures[:10]


def test_generator_is_reproducible_and_varied() -> None:
    a = gen.generate_resume(123)
    b = gen.generate_resume(123)
    assert a.text == b.text and a.truth == b.truth
    batch = gen.generate_batch(60, seed=1)
    assert len({r.truth.name for r in batch}) >= 50
    assert len({r.profile for r in batch}) >= 6
    texts = {r.text for r in batch}
    assert len(texts) == 60
    assert any(r.truth.residency and r.truth.residency.done for r in batch)
    assert any(r.truth.technical_skills and r.truth.clinical_skills and r.profile == "ai_doctor" for r in batch)
    json.dumps([r.truth.to_dict() for r in batch], ensure_ascii=False)  # JSON-serialisable
    for r in batch:
        r.text.encode("gbk")  # every generated character survives GBK


DOCTOR = """刘晓东  男  32岁
手机：186 0571 2233   邮箱：liuxd_md@163.com
求职意向：心内科主治医师

教育背景
2009.09—2014.06 温州医科大学 临床医学（五年制） 本科/学士
2014.09—2017.06 浙江大学医学院 内科学（心血管方向） 硕士

规培经历
2017.08—2020.07 浙江大学医学院附属第二医院 住院医师规范化培训 已取得合格证

工作经历
2020.08—至今 宁波市第一人民医院 心血管内科 主治医师
主要负责冠心病介入围手术期管理，独立完成冠脉造影300余例。

证书
医师资格证书、医师执业证书（执业类别：临床；执业范围：内科专业）
住院医师规范化培训合格证书
职称：主治医师（2022年取得）

专业技能
熟练掌握心电图判读、冠脉介入、心肺复苏；熟悉SPSS统计分析。
"""


def test_handwritten_doctor_resume() -> None:
    f = extract_fields(DOCTOR, today=date(2025, 6, 1))
    assert f.name == "刘晓东"
    assert f.gender == "男"
    assert f.age == 32 and f.birth_year == 1993
    assert f.phone == "18605712233"
    assert f.email == "liuxd_md@163.com"
    assert f.highest_degree == "硕士"
    assert f.education == (
        Education("本科", "温州医科大学", "临床医学", "2009-09", "2014-06"),
        Education("硕士", "浙江大学医学院", "内科学", "2014-09", "2017-06"),
    )
    assert f.residency == Residency(True, "浙江大学医学院附属第二医院", 3)
    assert f.work == (Work("宁波市第一人民医院", "心血管内科", "主治医师", "2020-08", None, True),)
    assert f.current_title == "主治医师" and f.title_ladder == "doctor"
    assert set(f.licences) == {Licence("医师资格证书"), Licence("医师执业证书", "内科专业"), Licence("规培合格证书")}
    assert f.experience_years == 4.8
    assert set(f.clinical_skills) == {"心电图判读", "冠脉介入", "心肺复苏"}
    assert set(f.technical_skills) == {"SPSS", "统计分析"}


NURSE = """个人简历
姓名：陈静　　性别：女　　民族：汉族
出生年月：1995年3月　　政治面貌：共青团员
联系电话：13967788990
学历：本科　　毕业院校：南京医科大学　　专业：护理学
工作经历：
2017年7月至2021年12月在江苏省人民医院急诊科担任护士；
2022年1月至今于苏州市立医院重症医学科任护师。
持有护士执业证书，熟悉急诊分诊、PICC维护、重症监护。
"""


def test_handwritten_nurse_resume_gbk(tmp_path: Path) -> None:
    p = tmp_path / "陈静.txt"
    p.write_bytes(NURSE.replace("\n", "\r\n").encode("gbk"))
    outcome = read_resume(p)
    assert outcome.ok and outcome.encoding == "gbk"
    f = extract_fields(outcome.text, today=date(2025, 6, 1))
    assert (f.name, f.gender, f.birth_year, f.phone) == ("陈静", "女", 1995, "13967788990")
    assert f.education == (Education("本科", "南京医科大学", "护理学", None, None),)
    assert f.work == (
        Work("江苏省人民医院", "急诊科", "护士", "2017-07", "2021-12", False),
        Work("苏州市立医院", "重症医学科", "护师", "2022-01", None, True),
    )
    assert f.current_title == "护师" and f.title_ladder == "nurse"
    assert f.licences == (Licence("护士执业证书"),)
    assert f.residency is None
    assert f.experience_years == 7.9
    assert set(f.clinical_skills) >= {"急诊分诊", "PICC维护", "重症监护"}


ENGINEER = """王浩然 | 算法工程师 | 6年经验
Tel: 159-1234-5678  Email: wanghr@outlook.com
教育经历
2012/09 - 2016/06  电子科技大学  计算机科学与技术  本科
2016/09 - 2019/06  上海交通大学  模式识别与智能系统  硕士
工作经历
2019/07 - 2022/03  上海云医信息技术有限公司  算法部  算法工程师
负责肺结节CT影像的深度学习检测模型研发（PyTorch），AUC 0.94。
2022/04 - 至今  杭州市第一人民医院  信息中心  高级算法工程师
技能
Python、PyTorch、C++、DICOM、PACS、图像分割、联邦学习
论文
1. 王浩然, 李明. 基于三维卷积网络的肺结节良恶性分类[J]. 中国数字医学, 2021, 16(4): 33-38.
"""


def test_handwritten_ai_engineer_resume() -> None:
    f = extract_fields(ENGINEER, today=date(2025, 6, 1))
    assert f.name == "王浩然" and f.gender is None
    assert f.phone == "15912345678" and f.email == "wanghr@outlook.com"
    assert [e.school for e in f.education] == ["电子科技大学", "上海交通大学"]
    assert [e.major for e in f.education] == ["计算机科学与技术", "模式识别与智能系统"]
    assert f.work[0] == Work("上海云医信息技术有限公司", "算法部", "算法工程师", "2019-07", "2022-03", False)
    assert f.work[1] == Work("杭州市第一人民医院", "信息中心", "高级算法工程师", "2022-04", None, True)
    assert f.current_title is None  # 算法工程师 is a job, not a 职称
    assert f.licences == () and f.residency is None
    assert set(f.technical_skills) == {"Python", "PyTorch", "C++", "DICOM", "PACS", "图像分割", "联邦学习"}
    assert f.clinical_skills == ()
    assert len(f.publications) == 1 and "[J]" in f.publications[0]
    assert f.experience_years == 5.9


def test_title_words_inside_licences_and_training_are_not_titles() -> None:
    text = "姓名：李娜\n电话：13800001111\n持有护士执业证书、医师资格证书，参加住院医师规范化培训。\n教育背景\n2010.09-2014.06 某某大学 护理学 本科"
    f = extract_fields(text, today=date(2025, 1, 1))
    assert f.current_title is None and f.titles == ()


def test_not_done_residency_and_negated_licence() -> None:
    text = "姓名：赵强\n性别：男\n未参加规培。\n暂无医师执业证书，已取得医师资格证书。\n电话：13911112222"
    f = extract_fields(text, today=date(2025, 1, 1))
    assert f.residency == Residency(False)
    assert [lic.name for lic in f.licences] == ["医师资格证书"]


def test_empty_text_gives_empty_fields() -> None:
    f = extract_fields("", today=date(2025, 1, 1))
    assert f.name is None and f.work == () and f.education == () and "no_contact" in f.warnings


def test_pdf_writer_embeds_the_cjk_font(tmp_path: Path) -> None:
    from pypdf import PdfReader

    pdf = gen.write_pdf(gen.generate_resume(3), tmp_path / "r.pdf")
    page = PdfReader(pdf).pages[0]
    fonts = page["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        for desc in font.get("/DescendantFonts", [font]):
            d = desc.get_object().get("/FontDescriptor")
            if d is not None and ("/FontFile2" in d.get_object() or "/FontFile3" in d.get_object()):
                embedded.append(font["/BaseFont"])
    assert embedded, "the CJK font must be embedded"

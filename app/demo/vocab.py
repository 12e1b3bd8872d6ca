"""Word lists for generated people. All names are generated; any likeness to a real person is chance."""

from __future__ import annotations

import random
from datetime import date

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨瑞博文轩睿昊然哲逸航志诚建国海峰"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英华慧巧美琳雪婷颖倩洁玉兰萍红燕梅莉欣悦怡佳雯璐瑶琪晶蕾宁薇彤妍琳菲嘉岚月"

MEDICAL_SCHOOLS = (
    "北京大学医学部", "复旦大学上海医学院", "中山大学中山医学院", "四川大学华西临床医学院", "浙江大学医学院",
    "中南大学湘雅医学院", "华中科技大学同济医学院", "首都医科大学", "南京医科大学", "中国医科大学",
    "重庆医科大学", "天津医科大学", "山东大学齐鲁医学院", "温州医科大学", "安徽医科大学", "河北医科大学",
)
NURSING_SCHOOLS = (
    "南京医科大学护理学院", "中南大学湘雅护理学院", "四川大学华西护理学院", "首都医科大学护理学院",
    "山东第一医科大学", "江苏护理职业学院", "湖南中医药高等专科学校", "重庆医药高等专科学校", "天津医学高等专科学校",
)
TECH_SCHOOLS = (
    "清华大学", "浙江大学", "上海交通大学", "哈尔滨工业大学", "华中科技大学", "电子科技大学", "西安电子科技大学",
    "北京航空航天大学", "东南大学", "武汉大学",
)
GENERAL_SCHOOLS = ("中国人民大学", "南开大学", "厦门大学", "华东师范大学", "西南财经大学", "江西财经大学", "郑州大学")

HOSPITALS = (
    "市第一人民医院", "省人民医院", "市中心医院", "区人民医院", "市中医院", "县人民医院", "医科大学附属第二医院",
    "市妇幼保健院", "省肿瘤医院", "市第三人民医院",
)

AREA_CODES = ("110101", "310104", "440106", "510107", "330106", "430104", "420106", "320102", "500103", "370102")


def person_name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18", "19")) + "".join(str(rng.randrange(10)) for _ in range(9))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of an 18-digit 居民身份证号码."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number(rng: random.Random, birth: date, gender: str) -> str:
    seq = rng.randrange(0, 100) * 10 + (rng.choice((1, 3, 5, 7, 9)) if gender == "男" else rng.choice((0, 2, 4, 6, 8)))
    first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body + digit`` pass the Luhn test (bank card numbers, ISO/IEC 7812)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def bank_account(rng: random.Random) -> str:
    """A 19-digit 6222… card number with a valid Luhn check digit (draws 15 digits, as before)."""
    digits = "6222" + "".join(str(rng.randrange(10)) for _ in range(15))
    return digits[:-1] + luhn_digit(digits[:-1])

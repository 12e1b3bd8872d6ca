from __future__ import annotations

import pytest

from app.speech.hotwords import HotwordCorrector, parse_hotwords, pinyin_key
from app.speech.textnorm import cer, corpus_cer, normalize_for_cer, to_simplified


def test_traditional_output_becomes_simplified() -> None:
    assert to_simplified("由羅馬皇帝欽點的猶地亞王統治期間。") == "由罗马皇帝钦点的犹地亚王统治期间。"
    assert to_simplified("護士長說：請到醫務處報到") == "护士长说：请到医务处报到"


def test_cer_normalisation() -> None:
    assert normalize_for_cer("好了，不管這個！ OK 8號線") == "好了不管这个ok8号线"
    assert cer("换一首歌", "換一首歌。") == 0.0
    assert cer("换一首歌", "换首歌") == pytest.approx(0.25)
    assert cer("八号线", "8号线") == pytest.approx(1 / 3)  # digits are not mapped
    assert corpus_cer([("ab", "ab"), ("cd", "xd")]) == pytest.approx(0.25)


def test_hotwords_fix_homophones_from_real_whisper_output() -> None:
    corrector = HotwordCorrector(parse_hotwords("含氧酸盐，犹地亚王, 大希律王;钦点"))
    fixed, corrections = corrector.correct(to_simplified("比如說只在當時被認為是一種寒氧酸鹽。"))
    assert fixed == "比如说只在当时被认为是一种含氧酸盐。"
    assert [c.original for c in corrections] == ["寒氧酸盐"]
    fixed, _ = corrector.correct(to_simplified("由羅馬皇帝清典的遊帝亞王大師律王統治之間。"))
    assert fixed == "由罗马皇帝钦点的犹地亚王大希律王统治之间。"


def test_hotwords_leave_common_words_and_other_text_alone() -> None:
    corrector = HotwordCorrector(["结核", "心电图", "护士长", "医"])
    assert corrector.correct("我们要理论结合实际")[0] == "我们要理论结合实际"  # 结合 is a word
    assert corrector.correct("他做了新店图检查")[0] == "他做了心电图检查"
    text = "欢迎大家来体验达摩院推出的语音识别模型"
    assert corrector.correct(text) == (text, [])
    # a stretch across word boundaries is never replaced: 罗马|皇帝 does not become 麻黄
    assert HotwordCorrector(["麻黄", "栀子"]).correct("由罗马皇帝统治之间")[0] == "由罗马皇帝统治之间"
    # short terms must match in tones too: 录影 (lù yǐng) is not 露营 (lù yíng)
    assert HotwordCorrector(["露营"]).correct("我们去录影")[0] == "我们去录影"
    assert not HotwordCorrector(["医", "ICU", ""])  # too short or not Chinese: nothing to match


def test_pinyin_key_is_fuzzy_for_common_confusions() -> None:
    assert pinyin_key("四十") == pinyin_key("事实")  # s/sh
    assert pinyin_key("清") == pinyin_key("亲")  # -ng/-n
    assert pinyin_key("男") == pinyin_key("蓝")  # n/l

from __future__ import annotations

from app.analysis import QuestionSpec, Segment, Word, assess_answer


def scenario() -> QuestionSpec:
    return QuestionSpec(
        id="q1", text="患者家属质疑治疗方案时你会如何处理？", type="情景题", dimensions=("职业素养", "沟通能力"),
        key_points=("倾听家属的担心", "解释治疗方案的依据和风险", "请上级医生一起沟通"), clinical_scenario=True,
    )


SEGMENTS = [
    Segment("请你谈谈这个问题。", 0.0, 2.0, "interviewer"),
    Segment("嗯，那个，我理解您的担心。当时有一位家属质疑我们的用药方案。", 3.0, 9.0, "candidate"),
    Segment("我首先耐心倾听，然后解释治疗方案的依据和可能的风险，并请上级医生一起沟通。", 13.0, 23.0, "candidate"),
    Segment("最后家属理解并签署了知情同意书，患者安全出院。", 23.5, 28.0, "candidate"),
]


def test_structure_clinical_factors_and_empathy_with_times():
    a = assess_answer(scenario(), SEGMENTS)
    assert a.structure.parts == ("problem", "action", "result") and a.structure.in_order
    considered = {f.factor for f in a.clinical.factors if f.considered}
    assert {"patient_safety", "privacy", "explainability"} <= considered
    assert a.communication.empathy[0].text.startswith("嗯，那个，我理解您的担心")
    assert a.communication.empathy[0].start == 3.0
    covered = [p for p in a.coverage.points if p.status == "covered"]
    assert len(covered) == 3 and all(p.quote and p.quote.start is not None and p.quote.start >= 3.0 for p in covered)
    # the interviewer's own words are never analysed
    assert all("请你谈谈" not in s.text for p in a.coverage.points if p.quote for s in [p.quote])


def test_speech_rate_pauses_and_fillers():
    a = assess_answer(scenario(), SEGMENTS)
    c = a.communication
    assert c.speaking_seconds == 6.0 + 10.0 + 4.5
    assert c.rate_chars_per_min is not None and 150 < c.rate_chars_per_min < 250
    assert [p.start for p in c.long_pauses] == [9.0]
    assert dict(c.fillers) == {"嗯": 1, "那个": 1}


def test_word_times_give_pauses_inside_a_segment():
    words = tuple(Word(ch, 0.3 * i + (4.0 if i >= 4 else 0.0), 0.3 * i + 0.25 + (4.0 if i >= 4 else 0.0))
                  for i, ch in enumerate("首先评估然后处理"))
    seg = Segment("首先评估然后处理", 0.0, 6.4, "candidate", words)
    a = assess_answer(QuestionSpec(id="w", text="如何处理"), [seg])
    assert len(a.communication.long_pauses) == 1
    assert a.communication.long_pauses[0].end == words[4].start
    assert a.communication.speaking_seconds == 8 * 0.25


def test_rambling_answer_scores_lower_on_communication():
    q = scenario()
    clean = assess_answer(q, [Segment("我理解您的担心，我会先倾听，再解释治疗方案的依据和风险。", 0, 12, "candidate")])
    messy = assess_answer(q, [Segment("嗯嗯，那个，就是，就是那个，呃，我会，我会，我会，嗯，解释，解释，解释一下。", 0, 30, "candidate")])
    assert messy.communication.value < clean.communication.value
    assert messy.communication.fillers_per_100 > clean.communication.fillers_per_100

"""Risky statements (disclosing patient information, falsifying records, skipping allergy checks,
bypassing consent, concealing errors ...) from the maintained ``risk_patterns.toml``.

Each rule's regular expressions run on every sentence of the candidate's speech. A match is a
risk flag with the sentence as evidence unless it is negated (see
:func:`app.analysis.textutil.is_negated` and the file's header): 不会泄露, 绝不篡改, 避免泄露,
"如果有人让我改病历，我会拒绝". Negated matches are kept as ``negated mentions``
so a reviewer can see what was discounted. Only the candidate's words are examined:
non-verbal observations and interviewer notes never raise a risk flag.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.analysis.config import Settings
from app.analysis.model import Evidence, RiskFlag, Sentence
from app.analysis.textutil import is_negated
from app.i18n import _


def find_risks(
    sentences: Sequence[Sentence], settings: Settings
) -> tuple[tuple[RiskFlag, ...], tuple[Evidence, ...]]:
    flags: list[RiskFlag] = []
    negated: list[Evidence] = []
    for s in sentences:
        for rule in settings.risk_rules:
            hit = False
            for pattern in rule.patterns:
                for m in pattern.finditer(s.text):
                    cue = is_negated(
                        s.text, m.start(), m.end(), settings.negation_before, settings.negation_after,
                        settings.negation_window,
                    )
                    if cue:
                        negated.append(
                            Evidence(
                                "quote", s.text, s.start, s.end, f"risk.{rule.id}.negated",
                                f"{m.group(0)} / {cue}",
                            )
                        )
                        continue
                    flags.append(
                        RiskFlag(
                            id=rule.id,
                            category=rule.category,
                            severity=rule.severity,
                            message=_(rule.message),
                            quote=Evidence("quote", s.text, s.start, s.end, f"risk.{rule.id}", m.group(0)),
                        )
                    )
                    hit = True
                    break
                if hit:
                    break  # one flag per rule per sentence
    return tuple(flags), tuple(negated)

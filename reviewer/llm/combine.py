"""How the judge's answer changes the verdict's risk. Pure; the LLM can only raise it.

* ``final = max(deterministic risk, model risk)``;
* a *clear* mismatch between stated intent and observed effect that cites at least one
  finding code, path or resource address present in the input raises the risk to at least
  ``high`` (a mismatch that cites nothing from the input does not: the model may have
  invented it, and the report shows it as unverified);
* nothing the model says can lower the deterministic risk, so text in the change that
  talks the model into "low" changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from reviewer.llm.schemas import JudgeAnswer, Mismatch
from reviewer.models import RiskLevel

__all__ = ["CombinedRisk", "combine", "grounded_cites"]

#: The least risk a clear, grounded intent mismatch leads to.
MISMATCH_FLOOR = RiskLevel.HIGH


@dataclass(frozen=True, slots=True)
class CombinedRisk:
    """The combined risk and, when the judge raised it, why."""

    risk: RiskLevel
    #: One sentence for the verdict's escalations; None when the risk was not raised.
    raised_reason: str | None


def _cites(cite: str, known: Collection[str]) -> bool:
    text = cite.strip().strip("`'\"")
    if not text:
        return False
    if text in known:
        return True
    return any(len(ref) >= 3 and ref in text for ref in known)


def grounded_cites(mismatch: Mismatch, known: Collection[str]) -> list[str]:
    """The mismatch's citations that name something present in the input."""
    return [c for c in mismatch.cites if _cites(c, known)]


def _clear_grounded(mismatches: Iterable[Mismatch], known: Collection[str]) -> list[Mismatch]:
    return [m for m in mismatches if m.certainty == "clear" and grounded_cites(m, known)]


def _sentence(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def combine(deterministic: RiskLevel, answer: JudgeAnswer,
            known_refs: Collection[str]) -> CombinedRisk:
    """Combine the deterministic risk with the judge's answer (never below the former)."""
    clear = _clear_grounded(answer.mismatches, known_refs)
    floor = MISMATCH_FLOOR if clear else RiskLevel.LOW
    final = max(deterministic, answer.risk, floor)
    if final <= deterministic:
        return CombinedRisk(deterministic, None)
    if clear:
        first = clear[0]
        why = (f"the change does not match its stated intent ({_sentence(first.description)}; "
               f"cites {', '.join(grounded_cites(first, known_refs))})")
        if answer.risk < final:
            return CombinedRisk(final, f"LLM judge: {why}, so the risk is at least "
                                       f"{final.value}")
        return CombinedRisk(final, f"LLM judge rated the risk {final.value}; {why}")
    return CombinedRisk(final, f"LLM judge rated the risk {final.value}: "
                               f"{_sentence(answer.rationale)}")

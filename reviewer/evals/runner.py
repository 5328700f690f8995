"""Run eval cases through exactly the pipeline ``reviewer review`` uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from reviewer.errors import InputError
from reviewer.evals.cases import EvalCase
from reviewer.evals.llm_only import judge_alone, model_configured
from reviewer.llm.judge import JudgeSettings
from reviewer.models import Intent, RiskLevel
from reviewer.parsers.reading import read_artifact
from reviewer.service import ReviewRequest, review


class CaseResult(BaseModel):
    """The verdict of one case against its expectation."""

    id: str
    kind: str
    category: str
    title: str
    expected: str
    risk: RiskLevel
    score: int
    decision: str
    passed: bool
    codes: list[str] = Field(default_factory=list)
    reason: str = ""
    coverage_errors: int = 0
    #: The case's bounds (incident: at least ``min_risk``; benign: at most ``max_risk``).
    min_risk: RiskLevel | None = None
    max_risk: RiskLevel | None = None
    #: The LLM-only baseline's risk (the judge alone, no findings); None when not run.
    llm_only_risk: RiskLevel | None = None
    #: ``used``, or why the LLM-only judge gave no answer; empty when it did not run.
    llm_only_status: str = ""


def _expected(case: EvalCase) -> str:
    bound = (f"≥ {case.expect.min_risk.value}" if case.expect.min_risk is not None
             else f"≤ {case.expect.max_risk.value}" if case.expect.max_risk is not None else "")
    if case.expect.detectors:
        bound += f" with {'|'.join(case.expect.detectors)}"
    return bound


def run_case(case: EvalCase, llm: JudgeSettings | None = None) -> CaseResult:
    """Review one case and judge the verdict against the case's bound.

    ``llm`` is the judge's settings (None or mode ``off``: deterministic only).
    """
    request = ReviewRequest(title=case.change.title, description=case.change.description,
                            ai_assisted=case.change.ai_assisted, raise_on_input_error=False,
                            llm_reason="evaluation run with --llm off", llm=llm)
    for path in case.artifact_paths():
        try:
            request.artifacts.append(read_artifact(str(path)))
        except InputError as exc:
            request.input_errors.append(exc)
    verdict = review(request)
    llm_only_risk, llm_only_status = None, ""
    if llm is not None and model_configured(llm):
        intent = Intent(title=case.change.title, description=case.change.description,
                        ai_assisted=case.change.ai_assisted)
        llm_only_risk, llm_only_status = judge_alone(intent, request.artifacts, llm)
    codes = sorted({f.code for f in verdict.findings})
    reasons: list[str] = []
    if case.expect.min_risk is not None and verdict.risk < case.expect.min_risk:
        reasons.append(f"risk {verdict.risk.value} below {case.expect.min_risk.value}")
    if case.expect.max_risk is not None and verdict.risk > case.expect.max_risk:
        reasons.append(f"risk {verdict.risk.value} above {case.expect.max_risk.value}")
    if case.expect.detectors and not set(case.expect.detectors) & set(codes):
        reasons.append(f"none of {', '.join(case.expect.detectors)} fired")
    return CaseResult(
        id=case.id, kind=case.kind, category=case.category, title=case.title,
        expected=_expected(case), risk=verdict.risk, score=verdict.score,
        decision=verdict.decision.value, passed=not reasons, codes=codes,
        reason="; ".join(reasons), coverage_errors=len(verdict.coverage.errors),
        min_risk=case.expect.min_risk, max_risk=case.expect.max_risk,
        llm_only_risk=llm_only_risk, llm_only_status=llm_only_status,
    )


def run_cases(cases: Sequence[EvalCase],
              progress: Callable[[int, int, str], None] | None = None,
              llm: JudgeSettings | None = None) -> list[CaseResult]:
    """Run every case in order, reporting progress as (done, total, case id)."""
    results: list[CaseResult] = []
    for index, case in enumerate(cases, start=1):
        if progress is not None:
            progress(index - 1, len(cases), case.id)
        results.append(run_case(case, llm))
    if progress is not None:
        progress(len(cases), len(cases), "")
    return results

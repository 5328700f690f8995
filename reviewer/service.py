"""The review workflow: parse → detect → (judge) → verdict. Every surface calls this.

The CLI, the Slack app, the CI gate and the eval harness all build a
:class:`ReviewRequest` and call :func:`review`; none of them runs detectors on its own.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reviewer import __version__
from reviewer.config.model import ReviewerConfig
from reviewer.detectors.base import Detector
from reviewer.detectors.change import ChangeDocument
from reviewer.detectors.engine import run_detectors
from reviewer.detectors.registry import select
from reviewer.environments import ordered
from reviewer.errors import InputError
from reviewer.llm.client import LLMClient
from reviewer.llm.judge import JudgeInput, JudgeSettings, judge
from reviewer.models import Finding, InputKind, Intent
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact, Document, Problem, ProblemLevel
from reviewer.parsers.sources import FileContents
from reviewer.render._common import marker_place
from reviewer.verdict.acknowledge import acknowledge
from reviewer.verdict.blast_radius import compute_blast_radius
from reviewer.verdict.configured import (
    apply_ai_policy,
    approval_required,
    configured_environments,
    detector_selectors,
    ignore_paths,
    override_severities,
    with_guards,
)
from reviewer.verdict.intent import complete_intent
from reviewer.verdict.model import (
    BlastRadius,
    Coverage,
    CoverageError,
    CoverageItem,
    LLMReport,
    SkippedItem,
    Verdict,
)
from reviewer.verdict.policy import PolicyResult, decide, raise_risk
from reviewer.verdict.protected import protected_findings
from reviewer.verdict.summary import summarize
from reviewer.verdict.suppressions import apply_suppressions, collect_suppressions

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReviewRequest:
    """Everything a review needs: the artifacts and what the author says about them."""

    artifacts: list[Artifact] = field(default_factory=list)
    title: str = ""
    description: str = ""
    ai_assisted: bool = False
    contents: FileContents | None = None
    #: Documents parsed by the caller (e.g. a diff built from ``--git`` with its commits).
    documents: list[Document] = field(default_factory=list)
    #: Input errors found before parsing (unreadable files) to record instead of raising.
    input_errors: list[InputError] = field(default_factory=list)
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    strict: bool = False
    #: With False, an artifact that cannot be parsed becomes a coverage error, not an exception.
    raise_on_input_error: bool = True
    llm_reason: str = "no LLM is configured; deterministic review only"
    #: The LLM judge's settings; None keeps the review deterministic (``llm_reason`` says why).
    llm: JudgeSettings | None = None
    #: A client to use instead of the one the settings would build (fakes, replays).
    llm_client: LLMClient | None = None
    #: The project's settings (``.reviewer.toml``; the base branch's in CI). None: defaults.
    config: ReviewerConfig | None = None
    #: Pull-request labels (AI-assistance labels are read from them).
    labels: Sequence[str] = ()
    #: Terraform/OpenTofu workspace the plan is for (mapped by ``[environments] workspaces``).
    workspace: str | None = None


def _record(problem: Problem, coverage: dict[str, list[Any]]) -> None:
    if problem.level is ProblemLevel.ERROR:
        coverage["errors"].append(CoverageError(
            path=problem.path, stage="parse", message=problem.message, line=problem.line))
    elif problem.level is ProblemLevel.SKIPPED:
        coverage["skipped"].append(SkippedItem(path=problem.path, reason=problem.message))
    else:
        coverage["notes"].append(f"{problem.path}: {problem.message}")


def _parse_all(request: ReviewRequest, cov: dict[str, list[Any]],
               config: ReviewerConfig) -> list[Document]:
    documents: list[Document] = list(request.documents)
    for doc in request.documents:
        for problem in doc.problems:
            _record(problem, cov)
    for error in request.input_errors:
        cov["errors"].append(CoverageError(path=error.path, stage="read", message=error.reason))
    for artifact in request.artifacts:
        try:
            outcome = parse_artifact(artifact, contents=request.contents)
        except InputError as exc:
            if request.raise_on_input_error:
                raise
            cov["errors"].append(CoverageError(path=exc.path, stage="parse", message=exc.reason))
            continue
        documents.extend(outcome.documents)
        for problem in outcome.problems:
            _record(problem, cov)
    documents, ignored = ignore_paths(documents, config.paths.ignore)
    cov["skipped"].extend(ignored)
    return documents + _derived(documents, request.contents, cov)


def _derived(documents: list[Document], contents: FileContents | None,
             cov: dict[str, list[Any]]) -> list[Document]:
    """Whole-file documents for the files each diff changes (SQL, shell, HCL, YAML…)."""
    diffs = [d for d in documents if d.kind is InputKind.DIFF]
    if not diffs:
        return []
    from reviewer.parsers.derive import derive_documents
    from reviewer.parsers.diff import DiffDocument

    derived: list[Document] = []
    for diff in diffs:
        if not isinstance(diff, DiffDocument):
            continue
        docs, problems = derive_documents(diff, contents)
        derived.extend(docs)
        for problem in problems:
            _record(problem, cov)
    return derived


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a review builds its (acyclic) documents.

    A 10,000-resource plan is millions of small objects; generation-2 collections over them
    would otherwise cost more than parsing the JSON. Nothing here creates reference cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _detail(doc: Document) -> str:
    origin = getattr(doc, "origin", None)
    return f"{doc.describe()}, changed in {origin}" if origin else doc.describe()


def review(request: ReviewRequest) -> Verdict:
    """Review one change and return its verdict.

    Raises:
        InputError: an artifact cannot be read and ``raise_on_input_error`` is set.
        DetectorError: a detector crashed and ``strict`` is set.
    """
    with _gc_paused():
        return _review(request)


def _review(request: ReviewRequest) -> Verdict:
    cov: dict[str, list[Any]] = {"errors": [], "skipped": [], "notes": []}
    config = request.config or ReviewerConfig()
    include, exclude = detector_selectors(config, request.include, request.exclude)
    documents = _parse_all(request, cov, config)
    detectors: tuple[type[Detector[Any]], ...] = with_guards(
        select(include, exclude), request.include, request.exclude)
    intent = complete_intent(request.title, request.description, request.ai_assisted, documents,
                             labels=request.labels, agents=config.ai_assisted.agents)
    intent, ai_notes = apply_ai_policy(intent, config)
    cov["notes"].extend(ai_notes)
    result = run_detectors(detectors, documents, strict=request.strict)
    change = ChangeDocument(intent=intent, documents=tuple(documents),
                            findings=tuple(result.findings))
    second = run_detectors(detectors, [change], strict=request.strict)
    result.findings.extend(second.findings)
    result.crashes.extend(second.crashes)
    result.detectors_run |= second.detectors_run
    for code, ms in second.timings_ms.items():
        result.timings_ms[code] = result.timings_ms.get(code, 0.0) + ms
    for crash in result.crashes:
        cov["errors"].append(CoverageError(
            path=crash.path, stage="detector", detector=crash.code,
            message=f"detector {crash.code} crashed ({crash.error}); reviewed without it"))
    if not documents and not cov["errors"]:
        cov["errors"].append(CoverageError(path="-", stage="read",
                                           message="no input was given to review"))
    coverage = Coverage(
        analysed=[CoverageItem(path=d.path, kind=d.kind.value, detail=_detail(d))
                  for d in documents],
        skipped=cov["skipped"],
        errors=cov["errors"],
        notes=cov["notes"],
        detectors_run=sorted(result.detectors_run),
        detector_timings_ms={k: round(v, 3) for k, v in sorted(result.timings_ms.items())},
    )
    overridden, severity_notes = override_severities(result.findings, config)
    marks = apply_suppressions(overridden, collect_suppressions(documents))
    marks.findings.extend(protected_findings(documents, config.protected.resources))
    if severity_notes or marks.rejected:
        coverage = coverage.model_copy(update={"notes": [
            *coverage.notes, *severity_notes,
            *(f"suppression rejected: {marker_place(s)} allow[{s.code}]: {s.problem}"
              for s in marks.rejected)]})
    findings = sorted(marks.findings, key=lambda f: (-f.severity.rank, f.code,
                                                     f.location.path, f.location.line or 0,
                                                     f.location.address or ""))
    findings, acknowledged = acknowledge(findings, intent)
    blast = _with_environments(compute_blast_radius(documents), documents, request, config)
    outcome = approval_required(decide(findings, blast, coverage, intent,
                                       frozenset(acknowledged)), config)
    llm_report = LLMReport(status="skipped", reason=request.llm_reason)
    if request.llm is not None:
        outcome, llm_report, coverage = _judged(request, intent, findings, blast, documents,
                                                outcome, coverage)
        outcome = approval_required(outcome, config)
    return Verdict(
        risk=outcome.risk,
        score=outcome.score,
        decision=outcome.decision,
        summary=summarize(outcome.risk, intent, findings, blast, coverage),
        intent=intent,
        findings=findings,
        blast_radius=blast,
        coverage=coverage,
        llm=llm_report,
        escalations=outcome.escalations,
        requires_senior_approval=outcome.requires_senior_approval,
        suppressed=marks.suppressed,
        unused_suppressions=marks.unused,
        rejected_suppressions=marks.rejected,
        reviewer_version=__version__,
    )


def _with_environments(blast: BlastRadius, documents: list[Document], request: ReviewRequest,
                       config: ReviewerConfig) -> BlastRadius:
    """The blast radius with the environments the config maps the change to."""
    found, _ = configured_environments(documents, config.environments, request.workspace)
    if not found - set(blast.environments):
        return blast
    return blast.model_copy(update={"environments": ordered({*blast.environments, *found})})


def _judged(request: ReviewRequest, intent: Intent, findings: list[Finding],
            blast: BlastRadius, documents: list[Document], outcome: PolicyResult,
            coverage: Coverage) -> tuple[PolicyResult, LLMReport, Coverage]:
    """Ask the LLM judge; it may raise the risk, never lower it (see reviewer.llm.combine)."""
    assert request.llm is not None  # noqa: S101 - checked by the caller
    judged = judge(JudgeInput(intent=intent, findings=findings,
                              deterministic_risk=outcome.risk,
                              blast_radius=blast.model_dump(mode="json"),
                              documents=documents), request.llm, request.llm_client)
    report = LLMReport(status=judged.status, reason=judged.reason, **judged.report)
    if judged.omitted:
        skipped = [*coverage.skipped, *(SkippedItem(path="llm-context", reason=item)
                                        for item in judged.omitted)]
        coverage = coverage.model_copy(update={"skipped": skipped})
    if judged.final_risk > outcome.risk:
        outcome = raise_risk(outcome, judged.final_risk,
                             judged.raised_reason or "the LLM judge raised the risk", intent)
    return outcome, report, coverage

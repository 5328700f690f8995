"""The LLM-only baseline: the judge's own risk for a case, without any detector finding.

It answers "how far would a model alone get?" on the same cases: the judge reads the
stated intent and the parsed change exactly as in a review, but is told of no findings and
a deterministic risk of ``low``, and its answer's ``risk`` is kept as is (not combined). It
runs only when a model is configured (``--llm openai``, or ``--llm replay`` from
recordings); its exchanges are recorded and replayed like the main run's.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewer.errors import ReviewerError
from reviewer.llm.judge import JudgeInput, JudgeSettings, judge
from reviewer.models import Intent, RiskLevel
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact, Document
from reviewer.parsers.derive import derive_documents
from reviewer.parsers.diff import DiffDocument
from reviewer.verdict.model import BlastRadius

#: Shown in reports when no model is configured.
NOT_RUN = "not run (no model configured)"


def model_configured(settings: JudgeSettings | None) -> bool:
    """True when the settings let the judge ask a model (live or from recordings)."""
    if settings is None or settings.mode == "off":
        return False
    if settings.mode == "auto":
        return bool(settings.api_key or settings.base_url)
    return True


def _documents(artifacts: Sequence[Artifact]) -> list[Document]:
    documents: list[Document] = []
    for artifact in artifacts:
        try:
            documents.extend(parse_artifact(artifact).documents)
        except ReviewerError:
            continue
    for doc in list(documents):
        if isinstance(doc, DiffDocument):
            derived, _ = derive_documents(doc, None)
            documents.extend(derived)
    return documents


def judge_alone(intent: Intent, artifacts: Sequence[Artifact],
                settings: JudgeSettings) -> tuple[RiskLevel | None, str]:
    """The model's risk for the change with no findings given, and a status line.

    Returns ``(None, reason)`` when the judge could not answer (unavailable, skipped).
    """
    outcome = judge(JudgeInput(intent=intent, findings=(), deterministic_risk=RiskLevel.LOW,
                               blast_radius=BlastRadius().model_dump(mode="json"),
                               documents=_documents(artifacts)), settings)
    risk = outcome.report.get("risk") if outcome.status == "used" else None
    if risk is None:
        return None, f"{outcome.status}: {outcome.reason}"
    return RiskLevel(risk), "used"

"""The verdict model (pydantic v2). Its JSON form is the reviewer's public output.

Field names are a contract: renderers, the Slack app, CI outputs and the eval harness all
read this model, and ``reviewer schema`` prints its JSON schema.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reviewer.models import Decision, Environment, Finding, Intent, RiskLevel

SCHEMA_VERSION = "1.0"


class BlastRadius(BaseModel):
    """How much of the world the change touches."""

    model_config = ConfigDict(frozen=True)

    resources_deleted: int = Field(0, description="Infrastructure objects destroyed outright.")
    resources_replaced: int = Field(0, description="Objects destroyed and created again.")
    resources_changed: int = Field(0, description="Objects updated in place.")
    resources_created: int = Field(0, description="Objects created.")
    resources_forgotten: int = Field(0, description="Objects removed from state but kept.")
    files_deleted: int = 0
    files_changed: int = 0
    files_added: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    stateful_touched: list[str] = Field(
        default_factory=list,
        description="Addresses of data-holding resources deleted, replaced or changed.",
    )
    stateful_destroyed: list[str] = Field(
        default_factory=list, description="Addresses of data-holding resources destroyed."
    )
    environments: list[Environment] = Field(
        default_factory=list, description="Environments inferred from names, tags and paths."
    )


class CoverageItem(BaseModel):
    """One artifact that was analysed."""

    model_config = ConfigDict(frozen=True)

    path: str
    kind: str
    detail: str = ""


class SkippedItem(BaseModel):
    """Something deliberately not analysed, and why."""

    model_config = ConfigDict(frozen=True)

    path: str
    reason: str


class CoverageError(BaseModel):
    """Something that should have been analysed and could not be: the review is incomplete."""

    model_config = ConfigDict(frozen=True)

    path: str
    stage: Literal["read", "parse", "detector", "llm", "policy"]
    message: str
    detector: str | None = None
    line: int | None = None


class Coverage(BaseModel):
    """What the review covered, what it skipped and what went wrong."""

    model_config = ConfigDict(frozen=True)

    analysed: list[CoverageItem] = Field(default_factory=list)
    skipped: list[SkippedItem] = Field(default_factory=list)
    errors: list[CoverageError] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    detectors_run: list[str] = Field(default_factory=list)
    detector_timings_ms: dict[str, float] = Field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when nothing that should have been analysed failed."""
        return not self.errors


class LLMReport(BaseModel):
    """What the LLM judge did. Filled by the LLM step; ``skipped`` when it did not run."""

    model_config = ConfigDict(frozen=True, extra="allow")

    status: Literal["used", "skipped", "unavailable"] = "skipped"
    reason: str = ""


class Suppression(BaseModel):
    """A ``reviewer: allow[CODE] <reason>`` marker found in the change."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="The detector code it allows, e.g. TF001.")
    reason: str = Field("", description="Why the author allows it (empty: rejected).")
    path: str = Field(description="File (or plan) the marker is in.")
    line: int | None = Field(None, description="New-side line of a marker in a diff.")
    address: str | None = Field(None, description="Resource whose tags/annotations carry it.")
    source: Literal["diff", "tags", "description", "annotation"] = "diff"
    problem: str = Field("", description="Why the suppression was rejected or unused.")


class SuppressedFinding(BaseModel):
    """A finding an in-change suppression allowed: visible, but not counted in the risk."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    reason: str
    suppression: Suppression


class Verdict(BaseModel):
    """The reviewer's answer about one change."""

    model_config = ConfigDict(frozen=True)

    schema_version: str = SCHEMA_VERSION
    risk: RiskLevel
    score: int = Field(ge=0, le=100, description="0 (harmless) to 100 (certain disaster).")
    decision: Decision
    summary: str = Field(description="One or two sentences a human reads first.")
    intent: Intent
    findings: list[Finding] = Field(default_factory=list)
    blast_radius: BlastRadius = Field(default_factory=BlastRadius)
    coverage: Coverage = Field(default_factory=Coverage)
    llm: LLMReport = Field(default_factory=LLMReport)
    escalations: list[str] = Field(
        default_factory=list,
        description="Why the risk is above the highest finding severity (policy reasons).",
    )
    requires_senior_approval: bool = Field(
        False, description="An AI-assisted change at high risk or above."
    )
    suppressed: list[SuppressedFinding] = Field(
        default_factory=list,
        description="Findings allowed by a 'reviewer: allow[CODE] <reason>' marker.",
    )
    unused_suppressions: list[Suppression] = Field(
        default_factory=list, description="Suppression markers that matched no finding."
    )
    rejected_suppressions: list[Suppression] = Field(
        default_factory=list,
        description="Suppression markers refused (no reason, or a finding that cannot be "
        "suppressed); they suppress nothing.",
    )
    reviewer_version: str = ""

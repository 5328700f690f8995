"""The one- or two-sentence summary a human reads first."""

from __future__ import annotations

from collections.abc import Sequence

from reviewer.models import Finding, Intent, RiskLevel
from reviewer.verdict.model import BlastRadius, Coverage

_MAX_FINDING = 180


def _effect(blast: BlastRadius) -> str:
    parts: list[str] = []
    destroyed = blast.resources_deleted + blast.resources_replaced
    if destroyed:
        text = f"destroys {destroyed} resource(s)"
        if blast.resources_replaced:
            text += f" ({blast.resources_replaced} of them recreated by replacement)"
        if blast.stateful_destroyed:
            text += (f", {len(blast.stateful_destroyed)} holding data such as "
                     f"{blast.stateful_destroyed[0]}")
        parts.append(text)
    if blast.resources_changed:
        parts.append(f"updates {blast.resources_changed}")
    if blast.resources_created:
        parts.append(f"creates {blast.resources_created}")
    files = blast.files_added + blast.files_changed + blast.files_deleted
    if files:
        parts.append(f"touches {files} file(s) (+{blast.lines_added} −{blast.lines_removed} lines)")
    if not parts:
        return "makes no change the reviewer could see"
    text = ", ".join(parts)
    if blast.environments:
        text += f", in {'/'.join(e.value for e in blast.environments)}"
    return text


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_FINDING else text[: _MAX_FINDING - 1].rstrip() + "…"


def summarize(
    risk: RiskLevel,
    intent: Intent,
    findings: Sequence[Finding],
    blast: BlastRadius,
    coverage: Coverage,
) -> str:
    """Say what the change does and how risky it is, in at most two sentences."""
    stated = f"“{intent.title}”: " if intent.title else ""
    first = f"{risk.value.capitalize()} risk. {stated}the change {_effect(blast)}."
    second = ""
    if findings:
        top = findings[0]
        second = f" Worst: {top.code} {_clip(top.message)}."
    elif coverage.errors:
        second = f" The review is incomplete: {_clip(coverage.errors[0].message)}."
    return (first + second).strip()

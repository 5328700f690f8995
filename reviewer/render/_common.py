"""Wording shared by the text renderers."""

from __future__ import annotations

from reviewer.verdict.model import BlastRadius, Suppression, Verdict

RISK_ICONS = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}


def blast_lines(blast: BlastRadius) -> list[str]:
    """Blast radius as short "label: value" lines, leaving out zeros."""
    lines: list[str] = []
    pairs = (
        ("resources deleted", blast.resources_deleted),
        ("resources replaced", blast.resources_replaced),
        ("resources updated", blast.resources_changed),
        ("resources created", blast.resources_created),
        ("resources forgotten", blast.resources_forgotten),
        ("files deleted", blast.files_deleted),
        ("files changed", blast.files_changed),
        ("files added", blast.files_added),
    )
    lines.extend(f"{label}: {value}" for label, value in pairs if value)
    if blast.lines_added or blast.lines_removed:
        lines.append(f"lines: +{blast.lines_added} −{blast.lines_removed}")
    if blast.stateful_destroyed:
        lines.append(f"data-holding resources destroyed: {len(blast.stateful_destroyed)}")
    elif blast.stateful_touched:
        lines.append(f"data-holding resources touched: {len(blast.stateful_touched)}")
    if blast.environments:
        lines.append("environments: " + ", ".join(e.value for e in blast.environments))
    return lines


def llm_line(verdict: Verdict) -> str:
    """One line about the LLM step."""
    status = verdict.llm.status
    if status == "used":
        return "LLM judge: used"
    return f"LLM judge: {status}" + (f" ({verdict.llm.reason})" if verdict.llm.reason else "")


def marker_place(suppression: Suppression) -> str:
    """Where a suppression marker is: ``path:line`` or ``path (address) tags``."""
    if suppression.address:
        return f"{suppression.path} ({suppression.address}) {suppression.source}"
    if suppression.line is not None:
        return f"{suppression.path}:{suppression.line}"
    return suppression.path

"""The verdict as Markdown (PR comments, job summaries, the Slack "full report" file)."""

from __future__ import annotations

from reviewer.render._common import RISK_ICONS, blast_lines, llm_line, marker_place
from reviewer.verdict.model import Verdict


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _suppressions(verdict: Verdict) -> list[str]:
    out: list[str] = []
    if verdict.suppressed:
        out += [f"### Suppressed findings ({len(verdict.suppressed)})", "",
                "Not counted in the risk: the change allows them with a reason.", "",
                "| Severity | Code | Where | Finding | Reason (marker) |", "|---|---|---|---|---|"]
        for item in verdict.suppressed:
            f = item.finding
            out.append(f"| {f.severity.value} | `{f.code}` {f.name} | `{_cell(str(f.location))}` "
                       f"| {_cell(f.message)} | {_cell(item.reason)} "
                       f"(`{_cell(marker_place(item.suppression))}`) |")
        out.append("")
    for title, items in (("Rejected suppressions", verdict.rejected_suppressions),
                         ("Unused suppressions", verdict.unused_suppressions)):
        if items:
            out += [f"### {title} ({len(items)})", ""]
            out += [f"- `allow[{_cell(s.code)}]` at `{_cell(marker_place(s))}`: {_cell(s.problem)}"
                    for s in items]
            out.append("")
    return out


def render_markdown(verdict: Verdict) -> str:
    """A complete Markdown report."""
    icon = RISK_ICONS[verdict.risk.value]
    out: list[str] = [
        f"## {icon} Change risk: **{verdict.risk.value.upper()}** "
        f"(score {verdict.score}/100, decision: {verdict.decision.value})",
        "",
        verdict.summary,
        "",
    ]
    intent = verdict.intent
    if intent.title or intent.description:
        out += ["### Stated intent", ""]
        if intent.title:
            out.append(f"**{intent.title}**")
        if intent.description:
            out += ["", *(f"> {line}" for line in intent.description.splitlines())]
        out.append("")
    if intent.ai_assisted:
        out += [f"AI-assisted: yes ({'; '.join(intent.ai_assisted_reasons)})", ""]
    if verdict.requires_senior_approval:
        out += ["**Requires senior approval**: AI-assisted change at high risk or above.", ""]
    if verdict.escalations:
        out += ["### Why the risk is raised", "", *(f"- {e}" for e in verdict.escalations), ""]
    if verdict.findings:
        out += [
            f"### Findings ({len(verdict.findings)})",
            "",
            "| Severity | Code | Where | Finding |",
            "|---|---|---|---|",
        ]
        for f in verdict.findings:
            out.append(f"| {f.severity.value} | `{f.code}` {f.name} | `{_cell(str(f.location))}` "
                       f"| {_cell(f.message)} |")
        out.append("")
        details = [f for f in verdict.findings if f.evidence or f.remediation]
        if details:
            out += ["<details><summary>Evidence and remediation</summary>", ""]
            for f in details:
                out.append(f"- **{f.code}** `{_cell(str(f.location))}`")
                if f.evidence:
                    out.append(f"  - evidence: `{_cell(f.evidence)}`")
                if f.remediation:
                    out.append(f"  - remediation: {_cell(f.remediation)}")
            out += ["", "</details>", ""]
    else:
        out += ["No findings.", ""]
    out += _suppressions(verdict)
    blast = blast_lines(verdict.blast_radius)
    if blast:
        out += ["### Blast radius", "", *(f"- {line}" for line in blast), ""]
    cov = verdict.coverage
    out += ["### Coverage", ""]
    out += [f"- analysed `{_cell(a.path)}`: {_cell(a.detail or a.kind)}" for a in cov.analysed]
    out += [f"- skipped `{_cell(s.path)}`: {_cell(s.reason)}" for s in cov.skipped]
    out += [f"- **error** ({e.stage}) `{_cell(e.path)}`: {_cell(e.message)}" for e in cov.errors]
    out += [f"- detectors run: {', '.join(cov.detectors_run) or 'none'}", f"- {llm_line(verdict)}"]
    return "\n".join(out).rstrip() + "\n"

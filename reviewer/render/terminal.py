"""The verdict for a terminal: readable at 80 columns, coloured when the output is a TTY."""

from __future__ import annotations

import textwrap

from reviewer.render._common import blast_lines, llm_line, marker_place
from reviewer.verdict.model import Verdict

_COLOURS = {"low": "32", "medium": "33", "high": "38;5;208", "critical": "1;31",
            "info": "2", "bold": "1", "dim": "2"}


def _paint(text: str, style: str, colour: bool) -> str:
    return f"\033[{_COLOURS[style]}m{text}\033[0m" if colour else text


def _wrap(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=indent if first is None else first,
        subsequent_indent=indent, break_long_words=True, break_on_hyphens=False,
    ) or [indent]


def _suppressions(verdict: Verdict, colour: bool, width: int) -> list[str]:
    out: list[str] = []
    if verdict.suppressed:
        out += ["", _paint(f"Suppressed, not counted ({len(verdict.suppressed)})", "bold", colour)]
        for item in verdict.suppressed:
            f = item.finding
            out.append(f"  {f.severity.value.upper():8} {f.code} {f.name}")
            out += _wrap(f"{f.location}: {f.message}", width, "           ")
            out += _wrap(f"allowed: {item.reason} ({marker_place(item.suppression)})", width,
                         "           ")
    for title, items in (("Rejected suppressions", verdict.rejected_suppressions),
                         ("Unused suppressions", verdict.unused_suppressions)):
        if items:
            out += ["", _paint(f"{title} ({len(items)})", "bold", colour)]
            for s in items:
                out += _wrap(f"allow[{s.code}] at {marker_place(s)}: {s.problem}", width,
                             "    ", first="  - ")
    return out


def render_terminal(verdict: Verdict, *, colour: bool = False, width: int = 80) -> str:
    """Render for people at a terminal."""
    risk = verdict.risk.value
    out: list[str] = []
    head = f"{risk.upper()} RISK  score {verdict.score}/100  decision: {verdict.decision.value}"
    out.append(_paint(head, risk, colour))
    out += _wrap(verdict.summary, width)
    if verdict.intent.ai_assisted:
        out += _wrap("AI-assisted: " + "; ".join(verdict.intent.ai_assisted_reasons), width)
    if verdict.requires_senior_approval:
        out.append(_paint("Requires senior approval (AI-assisted, high risk or above).",
                          "bold", colour))
    for reason in verdict.escalations:
        out += _wrap(reason, width, "    ", first="  ↑ ")
    out.append("")
    if verdict.findings:
        out.append(_paint(f"Findings ({len(verdict.findings)})", "bold", colour))
        for f in verdict.findings:
            tag = _paint(f"{f.severity.value.upper():8}", f.severity.value, colour)
            out.append(f"  {tag} {f.code} {f.name}")
            out += _wrap(str(f.location), width, "           ")
            out += _wrap(f.message, width, "           ")
            if f.evidence:
                out += _wrap(f"evidence: {f.evidence}", width, "           ")
            if f.remediation:
                out += _wrap(f"fix: {f.remediation}", width, "           ")
    else:
        out.append("No findings.")
    out += _suppressions(verdict, colour, width)
    blast = blast_lines(verdict.blast_radius)
    if blast:
        out.append("")
        out.append(_paint("Blast radius", "bold", colour))
        out += [f"  {line}" for line in blast]
    cov = verdict.coverage
    out.append("")
    out.append(_paint("Coverage", "bold", colour))
    for a in cov.analysed:
        out += _wrap(f"{a.path}: {a.detail or a.kind}", width, "    ", first="  ✓ ")
    for s in cov.skipped:
        out += _wrap(f"{s.path}: {s.reason}", width, "    ", first="  - ")
    for e in cov.errors:
        out += _wrap(f"{e.path}: {e.message}", width, "    ", first=_paint("  ✗ ", "high", colour))
    out += _wrap(f"detectors run: {', '.join(cov.detectors_run) or 'none'}", width, "    ",
                 first="  ")
    out += _wrap(llm_line(verdict), width, "    ", first="  ")
    return "\n".join(out) + "\n"

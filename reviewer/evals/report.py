"""The eval run as a terminal table, a Markdown report and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reviewer.evals.baselines import BaselineResult, llm_only_baseline, with_llm_only
from reviewer.evals.cases import CaseLoadError
from reviewer.evals.metrics import Summary
from reviewer.evals.runner import CaseResult


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def render_text(results: Sequence[CaseResult], summary: Summary,
                errors: Sequence[CaseLoadError]) -> str:
    """A table per case and a summary, for a terminal."""
    lines = [f"{'case':34} {'kind':8} {'category':16} {'expected':22} {'got':14} result",
             "-" * 106]
    for r in results:
        got = f"{r.risk.value} ({r.score})"
        verdict = "pass" if r.passed else f"FAIL: {r.reason}"
        lines.append(f"{r.id[:34]:34} {r.kind:8} {r.category:16} {r.expected[:22]:22} "
                     f"{got:14} {verdict}")
        if r.codes:
            lines.append(f"{'':34} fired: {', '.join(r.codes)}")
    for e in errors:
        lines.append(f"ERROR {e.path}: {e.message}")
    lines += [
        "",
        f"cases: {summary.cases_passed}/{summary.cases_total} passed"
        + (f", {summary.case_errors} failed to load" if summary.case_errors else ""),
        f"incident catch rate: {summary.incident_catch_rate:.1%} "
        f"({summary.incidents} incidents; must be ≥ {summary.min_incident_catch_rate:.0%})",
        f"benign false-alarm rate: {summary.benign_false_alarm_rate:.1%} "
        f"({summary.benign} benign; must be ≤ {summary.max_benign_false_alarm_rate:.0%})",
    ]
    if summary.gate_curve:
        lines.append("gate curve: " + ", ".join(
            f"{p.gated_share:.0%} gated → {p.incidents_caught_share:.0%} of incidents"
            for p in summary.gate_curve))
    llm_only = llm_only_baseline(results)
    lines.append("LLM-only baseline: " + (
        llm_only.note if not llm_only.installed else
        f"incident catch rate {_pct(llm_only.incident_catch_rate)}, benign false-alarm rate "
        f"{_pct(llm_only.benign_false_alarm_rate)} over {llm_only.cases_run} cases"
        + (f" ({llm_only.note})" if llm_only.note else "")))
    lines.append("thresholds: " + ("met" if summary.thresholds_met else "NOT MET"))
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[CaseResult], summary: Summary,
                errors: Sequence[CaseLoadError],
                baselines: Sequence[BaselineResult] = ()) -> str:
    """``{summary, cases[], errors[], baselines[]}`` as JSON (the LLM-only baseline included)."""
    baselines = with_llm_only(baselines, results)
    doc = {
        "summary": summary.model_dump(mode="json"),
        "cases": [r.model_dump(mode="json") for r in results],
        "errors": [e.model_dump(mode="json") for e in errors],
        "baselines": [b.model_dump(mode="json") for b in baselines],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_markdown(results: Sequence[CaseResult], summary: Summary,
                    errors: Sequence[CaseLoadError], baselines: Sequence[BaselineResult],
                    chart: str | None) -> str:
    """The full report written by ``--out``."""
    baselines = with_llm_only(baselines, results)
    out = [
        "# Eval report",
        "",
        f"- cases: **{summary.cases_passed}/{summary.cases_total}** passed"
        + (f", {summary.case_errors} failed to load" if summary.case_errors else ""),
        f"- incident catch rate: **{summary.incident_catch_rate:.1%}** of {summary.incidents} "
        f"(threshold ≥ {summary.min_incident_catch_rate:.0%})",
        f"- benign false-alarm rate: **{summary.benign_false_alarm_rate:.1%}** of "
        f"{summary.benign} (threshold ≤ {summary.max_benign_false_alarm_rate:.0%})",
        f"- thresholds: **{'met' if summary.thresholds_met else 'NOT MET'}**",
        "",
    ]
    if chart:
        out += [f"![rates per category and gate curve]({chart})", ""]
    out += ["## Per category", "", "| category | incidents caught | benign flagged |",
            "|---|---|---|"]
    for c in summary.categories:
        out.append(f"| {c.category} | {c.incidents_caught}/{c.incidents} "
                   f"({_pct(c.incident_catch_rate)}) | {c.benign_flagged}/{c.benign} "
                   f"({_pct(c.benign_false_alarm_rate)}) |")
    if summary.gate_curve:
        out += ["", "## Gate curve", "",
                "Share of incidents caught when the riskiest share of all cases (by score) "
                "is gated, as in Meta's Diff Risk Score evaluation.", "",
                "| cases gated | incidents caught |", "|---|---|"]
        out += [f"| {p.gated_share:.0%} | {p.incidents_caught_share:.0%} |"
                for p in summary.gate_curve]
    out += ["", "## Baselines", ""]
    if baselines:
        out += ["| baseline | cases it can read | incidents caught | benign flagged | note |",
                "|---|---|---|---|---|"]
        for b in baselines:
            out.append(f"| {b.name} | {b.cases_run} | {_pct(b.incident_catch_rate)} | "
                       f"{_pct(b.benign_false_alarm_rate)} | {b.note} |")
        out += ["", "checkov and squawk count a case as flagged when they report any failed "
                "check; the LLM-only baseline is the judge's own risk with no detector "
                "findings, held to each case's bound."]
    else:
        out.append("No baseline ran.")
    out += ["", "## Cases", "", "| case | kind | category | expected | got | result | fired |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        result = "pass" if r.passed else f"**FAIL** ({r.reason})"
        out.append(f"| {r.id} | {r.kind} | {r.category} | {r.expected} | "
                   f"{r.risk.value} ({r.score}) | {result} | {', '.join(r.codes)} |")
    if errors:
        out += ["", "## Cases that failed to load", ""]
        out += [f"- `{e.path}`: {e.message}" for e in errors]
    return "\n".join(out) + "\n"

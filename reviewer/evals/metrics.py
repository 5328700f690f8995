"""Catch and false-alarm rates, per category, and the gate curve.

The gate curve follows Meta's Diff Risk Score evaluation: gate the riskiest k % of all
changes (highest score first) and report the share of incidents caught among them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, Field

from reviewer.evals.runner import CaseResult
from reviewer.evals.thresholds import (
    GATE_SHARES,
    MAX_BENIGN_FALSE_ALARM_RATE,
    MIN_INCIDENT_CATCH_RATE,
)


class CategoryRates(BaseModel):
    """Rates of one category."""

    category: str
    incidents: int
    incidents_caught: int
    benign: int
    benign_flagged: int
    incident_catch_rate: float | None
    benign_false_alarm_rate: float | None


class GatePoint(BaseModel):
    """Share of incidents caught when the top ``gated_share`` of cases by score is gated."""

    gated_share: float
    incidents_caught_share: float


class Summary(BaseModel):
    """The eval run in figures."""

    cases_total: int
    cases_passed: int
    case_errors: int
    incidents: int
    benign: int
    incident_catch_rate: float
    benign_false_alarm_rate: float
    min_incident_catch_rate: float = MIN_INCIDENT_CATCH_RATE
    max_benign_false_alarm_rate: float = MAX_BENIGN_FALSE_ALARM_RATE
    thresholds_met: bool
    categories: list[CategoryRates] = Field(default_factory=list)
    gate_curve: list[GatePoint] = Field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def gate_curve(results: Sequence[CaseResult],
               shares: Sequence[float] = GATE_SHARES) -> list[GatePoint]:
    """Incidents caught when gating the top share of cases by score (ties by risk)."""
    incidents = sum(1 for r in results if r.kind == "incident")
    if not results or not incidents:
        return []
    ranked = sorted(results, key=lambda r: (-r.score, -r.risk.rank, r.id))
    points: list[GatePoint] = []
    for share in shares:
        top = ranked[: max(1, math.ceil(share * len(ranked)))]
        caught = sum(1 for r in top if r.kind == "incident")
        points.append(GatePoint(gated_share=share, incidents_caught_share=caught / incidents))
    return points


def full_curve(results: Sequence[CaseResult]) -> list[tuple[float, float]]:
    """Every point of the gate curve: (share of cases gated, share of incidents caught)."""
    incidents = sum(1 for r in results if r.kind == "incident")
    ranked = sorted(results, key=lambda r: (-r.score, -r.risk.rank, r.id))
    points = [(0.0, 0.0)]
    caught = 0
    for i, r in enumerate(ranked, start=1):
        caught += r.kind == "incident"
        points.append((i / len(ranked), caught / incidents if incidents else 0.0))
    return points


def summarize(results: Sequence[CaseResult], case_errors: int = 0) -> Summary:
    """Overall and per-category rates, and whether the thresholds hold."""
    incidents = [r for r in results if r.kind == "incident"]
    benign = [r for r in results if r.kind == "benign"]
    caught = sum(r.passed for r in incidents)
    flagged = sum(not r.passed for r in benign)
    catch = caught / len(incidents) if incidents else 0.0
    false_alarm = flagged / len(benign) if benign else 0.0
    categories = []
    for category in sorted({r.category for r in results}):
        inc = [r for r in incidents if r.category == category]
        ben = [r for r in benign if r.category == category]
        inc_caught = sum(r.passed for r in inc)
        ben_flagged = sum(not r.passed for r in ben)
        categories.append(CategoryRates(
            category=category, incidents=len(inc), incidents_caught=inc_caught,
            benign=len(ben), benign_flagged=ben_flagged,
            incident_catch_rate=_rate(inc_caught, len(inc)),
            benign_false_alarm_rate=_rate(ben_flagged, len(ben))))
    met = (catch >= MIN_INCIDENT_CATCH_RATE and false_alarm <= MAX_BENIGN_FALSE_ALARM_RATE
           and case_errors == 0)
    return Summary(
        cases_total=len(results), cases_passed=sum(r.passed for r in results),
        case_errors=case_errors, incidents=len(incidents), benign=len(benign),
        incident_catch_rate=catch, benign_false_alarm_rate=false_alarm,
        thresholds_met=met, categories=categories, gate_curve=gate_curve(results),
    )

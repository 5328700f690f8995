"""Deterministic policy: findings, blast radius and coverage → risk, score and decision.

Rules, in order:
1. The risk is the highest finding severity (info and low count as low).
2. Destruction the intent states for a non-production object is capped at medium and
   left out of the escalations below (see ``acknowledge.py``).
3. Blast radius escalates it: any data-holding resource destroyed → at least high (a floor
   that holds whatever detectors ran); three or more destroyed → critical;
   a high-risk change that destroys something in an inferred production environment →
   critical; 25 or more objects destroyed → at least high.
4. Fail closed: any coverage error (unreadable input, unknown plan action, crashed
   detector) → at least medium, whatever else was found. Never low.
5. Decision: low → pass, medium and high → review, critical → block.
6. AI-assisted and high or above → senior approval required.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reviewer.models import Decision, Environment, Finding, Intent, RiskLevel, Severity
from reviewer.verdict.model import BlastRadius, Coverage

STATEFUL_DESTROY_CRITICAL = 3
MASS_DESTROY_HIGH = 25

_BANDS: dict[RiskLevel, tuple[int, int]] = {
    RiskLevel.LOW: (0, 24),
    RiskLevel.MEDIUM: (25, 49),
    RiskLevel.HIGH: (50, 74),
    RiskLevel.CRITICAL: (75, 100),
}

_DECISIONS: dict[RiskLevel, Decision] = {
    RiskLevel.LOW: Decision.PASS,
    RiskLevel.MEDIUM: Decision.REVIEW,
    RiskLevel.HIGH: Decision.REVIEW,
    RiskLevel.CRITICAL: Decision.BLOCK,
}


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Risk, score and decision with the reasons for any escalation."""

    risk: RiskLevel
    score: int
    decision: Decision
    escalations: list[str] = field(default_factory=list)
    requires_senior_approval: bool = False


def _raise(current: RiskLevel, floor: RiskLevel) -> RiskLevel:
    return floor if floor > current else current


def _score(risk: RiskLevel, findings: Sequence[Finding], blast: BlastRadius,
           coverage: Coverage) -> int:
    low, high = _BANDS[risk]
    at_level = sum(1 for f in findings if RiskLevel.from_severity(f.severity) == risk)
    weight = (
        4 * at_level
        + 3 * len(blast.stateful_destroyed)
        + (blast.resources_deleted + blast.resources_replaced) // 5
        + 2 * len(coverage.errors)
        + (4 if Environment.PROD in blast.environments else 0)
    )
    return min(high, low + weight)


def decide(
    findings: Sequence[Finding],
    blast: BlastRadius,
    coverage: Coverage,
    intent: Intent,
    acknowledged: frozenset[str] = frozenset(),
) -> PolicyResult:
    """Apply the policy rules (see the module docstring).

    ``acknowledged`` holds addresses whose destruction the intent states for a
    non-production environment (see :mod:`reviewer.verdict.acknowledge`); they do not count
    towards the blast-radius escalations.
    """
    active = [f for f in findings if f.severity > Severity.INFO]
    risk = max((RiskLevel.from_severity(f.severity) for f in active), default=RiskLevel.LOW)
    escalations: list[str] = []

    destroyed = blast.resources_deleted + blast.resources_replaced
    stateful = [a for a in blast.stateful_destroyed if a not in acknowledged]
    if stateful and risk < RiskLevel.HIGH:
        risk = RiskLevel.HIGH
        escalations.append(f"data-holding {stateful[0]} is destroyed")
    if len(stateful) >= STATEFUL_DESTROY_CRITICAL and risk < RiskLevel.CRITICAL:
        risk = RiskLevel.CRITICAL
        escalations.append(f"{len(stateful)} data-holding resources are destroyed")
    if (risk == RiskLevel.HIGH and destroyed and Environment.PROD in blast.environments):
        risk = RiskLevel.CRITICAL
        escalations.append("a high-risk change destroys resources in a production environment")
    if destroyed >= MASS_DESTROY_HIGH and risk < RiskLevel.HIGH:
        risk = RiskLevel.HIGH
        escalations.append(f"{destroyed} resources are destroyed")
    if coverage.errors and risk < RiskLevel.MEDIUM:
        risk = _raise(risk, RiskLevel.MEDIUM)
        escalations.append(
            f"the review is incomplete ({len(coverage.errors)} coverage error(s)); "
            "a human must look at what could not be analysed"
        )
    senior = intent.ai_assisted and risk >= RiskLevel.HIGH
    return PolicyResult(
        risk=risk,
        score=_score(risk, active, blast, coverage),
        decision=_DECISIONS[risk],
        escalations=escalations,
        requires_senior_approval=senior,
    )


def raise_risk(result: PolicyResult, risk: RiskLevel, reason: str, intent: Intent) -> PolicyResult:
    """The result at a higher risk (the LLM judge's), with the reason; never lower."""
    if risk <= result.risk:
        return result
    low, _ = _BANDS[risk]
    return PolicyResult(
        risk=risk,
        score=max(low, result.score),
        decision=_DECISIONS[risk],
        escalations=[*result.escalations, reason],
        requires_senior_approval=intent.ai_assisted and risk >= RiskLevel.HIGH,
    )

"""The deterministic policy: severity → risk, blast-radius escalation, fail closed."""

from __future__ import annotations

from itertools import pairwise

from reviewer.models import (
    Confidence,
    Decision,
    Environment,
    Finding,
    Intent,
    Location,
    RiskLevel,
    Severity,
)
from reviewer.verdict.model import BlastRadius, Coverage, CoverageError
from reviewer.verdict.policy import decide


def _finding(severity: Severity, code: str = "TF001") -> Finding:
    return Finding(code=code, name="x", severity=severity, confidence=Confidence.HIGH,
                   message="m", location=Location(path="plan.json", address="a.b"))


def test_no_findings_is_low_and_passes() -> None:
    result = decide([], BlastRadius(), Coverage(), Intent())
    assert (result.risk, result.decision, result.escalations) == (RiskLevel.LOW, Decision.PASS, [])
    assert 0 <= result.score <= 24


def test_risk_is_highest_severity() -> None:
    result = decide([_finding(Severity.MEDIUM), _finding(Severity.HIGH)], BlastRadius(),
                    Coverage(), Intent())
    assert result.risk is RiskLevel.HIGH
    assert result.decision is Decision.REVIEW
    assert 50 <= result.score <= 74


def test_info_and_low_findings_stay_low() -> None:
    result = decide([_finding(Severity.INFO), _finding(Severity.LOW)], BlastRadius(), Coverage(),
                    Intent())
    assert result.risk is RiskLevel.LOW


def test_three_stateful_destroys_escalate_to_critical() -> None:
    blast = BlastRadius(resources_deleted=3, stateful_destroyed=["a.x", "a.y", "a.z"])
    result = decide([_finding(Severity.HIGH)], blast, Coverage(), Intent())
    assert result.risk is RiskLevel.CRITICAL
    assert result.decision is Decision.BLOCK
    assert any("3 data-holding" in e for e in result.escalations)


def test_high_risk_destroy_in_prod_escalates() -> None:
    blast = BlastRadius(resources_deleted=1, environments=[Environment.PROD])
    result = decide([_finding(Severity.HIGH)], blast, Coverage(), Intent())
    assert result.risk is RiskLevel.CRITICAL
    assert any("production" in e for e in result.escalations)


def test_high_risk_in_dev_is_not_escalated() -> None:
    blast = BlastRadius(resources_deleted=1, environments=[Environment.DEV])
    assert decide([_finding(Severity.HIGH)], blast, Coverage(), Intent()).risk is RiskLevel.HIGH


def test_mass_destroy_without_findings_is_at_least_high() -> None:
    blast = BlastRadius(resources_deleted=30)
    assert decide([], blast, Coverage(), Intent()).risk is RiskLevel.HIGH


def test_fail_closed_coverage_error_is_never_low() -> None:
    cov = Coverage(errors=[CoverageError(path="plan.json", stage="parse", message="unknown")])
    result = decide([], BlastRadius(), cov, Intent())
    assert result.risk is RiskLevel.MEDIUM
    assert result.decision is Decision.REVIEW
    assert "incomplete" in result.escalations[0]


def test_coverage_error_does_not_lower_critical() -> None:
    cov = Coverage(errors=[CoverageError(path="p", stage="detector", message="crash")])
    result = decide([_finding(Severity.CRITICAL)], BlastRadius(), cov, Intent())
    assert result.risk is RiskLevel.CRITICAL


def test_ai_assisted_high_requires_senior_approval() -> None:
    ai = Intent(ai_assisted=True, ai_assisted_reasons=("flag",))
    assert decide([_finding(Severity.HIGH)], BlastRadius(), Coverage(), ai).requires_senior_approval
    assert not decide([_finding(Severity.MEDIUM)], BlastRadius(), Coverage(),
                      ai).requires_senior_approval
    assert not decide([_finding(Severity.HIGH)], BlastRadius(), Coverage(),
                      Intent()).requires_senior_approval


def test_score_grows_with_more_findings_within_band() -> None:
    one = decide([_finding(Severity.HIGH)], BlastRadius(), Coverage(), Intent()).score
    three = decide([_finding(Severity.HIGH)] * 3, BlastRadius(), Coverage(), Intent()).score
    assert 50 <= one < three <= 74


def test_any_stateful_destroy_is_at_least_high_without_findings() -> None:
    blast = BlastRadius(resources_deleted=1, stateful_destroyed=["OrdersDB (AWS::RDS::DBInstance)"])
    result = decide([], blast, Coverage(), Intent())
    assert result.risk is RiskLevel.HIGH
    assert result.escalations == ["data-holding OrdersDB (AWS::RDS::DBInstance) is destroyed"]


def test_low_findings_count_towards_the_score_and_info_does_not() -> None:
    none = decide([], BlastRadius(), Coverage(), Intent()).score
    info = decide([_finding(Severity.INFO)], BlastRadius(), Coverage(), Intent()).score
    low = decide([_finding(Severity.LOW)], BlastRadius(), Coverage(), Intent()).score
    assert none == info < low <= 24


def test_each_scale_is_ordered_on_its_own() -> None:
    """Members equal their string values across enums (Severity.HIGH == RiskLevel.HIGH), so
    ranks must be kept per enum: one shared table once tied Severity.INFO with LOW."""
    for scale in (Severity, Confidence, RiskLevel):
        members = list(scale)
        assert [m.rank for m in members] == list(range(len(members)))
        assert all(a < b and b > a and not b <= a for a, b in pairwise(members))
    assert RiskLevel.from_severity(Severity.INFO) is RiskLevel.LOW
    assert RiskLevel.from_severity(Severity.CRITICAL) is RiskLevel.CRITICAL

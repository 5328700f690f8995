"""Exit codes: --fail-on, --soft-fail, --on-error, and outputs written before the exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.ci.approval import ApprovalStatus
from reviewer.ci.gate import decide_gate
from reviewer.models import Decision, Intent, RiskLevel
from reviewer.verdict.model import Verdict
from tests.ci.conftest import Repo, load_json, run_ci


def _verdict(risk: str, *, senior: bool = False) -> Verdict:
    return Verdict(risk=RiskLevel(risk), score=50, decision=Decision.REVIEW, summary="s",
                   intent=Intent(), requires_senior_approval=senior)


@pytest.mark.parametrize(("risk", "fail_on", "soft", "expected", "outcome"), [
    ("low", "high", False, 0, "passed"),
    ("high", "high", False, 1, "failed"),
    ("critical", "high", False, 1, "failed"),
    ("medium", "high", False, 0, "passed"),
    ("medium", "low", False, 1, "failed"),
    ("critical", "never", False, 0, "passed"),
    ("critical", "critical", True, 0, "soft-failed"),
])
def test_threshold_matrix(risk: str, fail_on: str, soft: bool, expected: int,
                          outcome: str) -> None:
    gate = decide_gate(_verdict(risk), None, fail_on=fail_on, soft_fail=soft, on_error="fail")
    assert (gate.exit_code, gate.outcome) == (expected, outcome)


def test_errors_fail_closed_unless_told_to_pass() -> None:
    failed = decide_gate(None, "git exploded", fail_on="high", soft_fail=True, on_error="fail")
    assert (failed.exit_code, failed.outcome) == (2, "error")
    assert "git exploded" in failed.reason
    passed = decide_gate(None, "git exploded", fail_on="high", soft_fail=False,
                         on_error="pass")
    assert (passed.exit_code, passed.outcome) == (0, "error-passed")


def test_missing_senior_approval_trips_even_below_threshold() -> None:
    needed = ApprovalStatus(required=True)
    gate = decide_gate(_verdict("high", senior=True), None, fail_on="critical",
                       soft_fail=False, on_error="fail", approval=needed)
    assert gate.exit_code == 1
    assert "senior approval" in gate.reason
    approved = ApprovalStatus(required=True, approved=True, approvers=("github:alice",))
    gate = decide_gate(_verdict("high", senior=True), None, fail_on="high",
                       soft_fail=False, on_error="fail", approval=approved)
    assert gate.exit_code == 0
    assert "github:alice" in gate.reason


def test_cli_exit_codes_on_a_real_repository(risky_repo: Repo, tmp_path: Path) -> None:
    args = ("--repo", str(risky_repo.path), "--base", "main", "--head", "feature")
    assert run_ci(*args)[0] == 1
    assert run_ci(*args, "--fail-on", "never")[0] == 0
    code, _, err = run_ci(*args, "--soft-fail")
    assert code == 0
    assert "soft-fail" in err


def test_harmless_change_passes(harmless_repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    code, _, _ = run_ci("--repo", str(harmless_repo.path), "--base", "main", "--head",
                        "feature", "--json", str(out))
    assert code == 0
    assert load_json(out)["risk"] == "low"


def test_review_error_still_writes_every_output(risky_repo: Repo, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sarif, verdict, quality = tmp_path / "r.sarif", tmp_path / "v.json", tmp_path / "cq.json"
    summary = tmp_path / "summary.md"
    summary.write_text("", encoding="utf-8")
    args = ("--repo", str(risky_repo.path), "--base", "no-such-branch", "--head", "feature",
            "--sarif", str(sarif), "--json", str(verdict), "--code-quality", str(quality),
            "--summary")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, err = run_ci(*args)
    passed = run_ci(*args, "--on-error", "pass")[0]
    assert code == 2
    assert passed == 0
    assert "no-such-branch" in err
    log = load_json(sarif)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "no-such-branch" in json.dumps(log["runs"][0]["invocations"][0])
    assert "error" in load_json(verdict)
    assert load_json(quality)[0]["check_name"] == "review-failed"
    assert "The review failed" in summary.read_text(encoding="utf-8")
    assert "could not review" in summary.read_text(encoding="utf-8")


def test_unwritable_output_is_a_tool_error(harmless_repo: Repo, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run_ci("--repo", str(harmless_repo.path), "--base", "main", "--head",
                          "feature", "--sarif", str(blocker / "out.sarif"))
    assert code == 2
    assert "cannot write the SARIF report" in err


def test_no_base_anywhere_is_a_clear_error(harmless_repo: Repo) -> None:
    code, _, err = run_ci("--repo", str(harmless_repo.path))
    assert code == 2
    assert "no base revision" in err
    assert "Traceback" not in err

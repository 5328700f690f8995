"""The eval harness: case loading, judging, rates, reports, the CLI command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.evals.cases import load_cases
from reviewer.evals.metrics import gate_curve, summarize
from reviewer.evals.runner import CaseResult, run_case
from reviewer.models import RiskLevel
from tests.evals.conftest import SEED


def _result(kind: str, score: int, passed: bool, category: str = "iac-destroy") -> CaseResult:
    return CaseResult(id=f"{kind}-{score}", kind=kind, category=category, title="t",
                      expected="", risk=RiskLevel.HIGH if score >= 50 else RiskLevel.LOW,
                      score=score, decision="review", passed=passed)


def test_seed_cases_load_and_pass(cases_dir: Path) -> None:
    cases, errors = load_cases([cases_dir])
    assert errors == []
    results = {c.id: run_case(c) for c in cases}
    incident = results["cost-env-recreate"]
    assert incident.passed, incident.reason
    assert incident.risk is RiskLevel.CRITICAL
    assert {"TF001", "INT001"} <= set(incident.codes)
    benign = results["benign-delete-empty-dev-bucket"]
    assert benign.passed, benign.reason
    assert benign.risk <= RiskLevel.MEDIUM


@pytest.mark.parametrize(("toml", "needle"), [
    ("id = 'x'", "title: Field required"),
    ("not toml [", "invalid TOML"),
])
def test_broken_case_is_an_error_naming_the_file(cases_dir: Path, toml: str,
                                                 needle: str) -> None:
    bad = cases_dir / "broken"
    bad.mkdir()
    (bad / "case.toml").write_text(toml)
    cases, errors = load_cases([cases_dir])
    assert [c.id for c in cases] == sorted(SEED)
    assert errors[0].path.endswith("broken/case.toml")
    assert needle in errors[0].message


def test_case_id_must_match_folder_and_files_must_exist(cases_dir: Path) -> None:
    src = (cases_dir / "cost-env-recreate" / "case.toml").read_text()
    (cases_dir / "renamed").mkdir()
    (cases_dir / "renamed" / "case.toml").write_text(src)
    (cases_dir / "cost-env-recreate" / "plan.json").unlink()
    _, errors = load_cases([cases_dir])
    messages = {Path(e.path).parent.name: e.message for e in errors}
    assert "does not equal the folder name 'renamed'" in messages["renamed"]
    assert "artifact file(s) not found: plan.json" in messages["cost-env-recreate"]


def test_incident_failing_its_bound_and_detectors(cases_dir: Path) -> None:
    toml = cases_dir / "benign-delete-empty-dev-bucket" / "case.toml"
    text = toml.read_text().replace('kind = "benign"', 'kind = "incident"').replace(
        'max_risk = "medium"', 'min_risk = "critical"\ndetectors = ["SQL002"]')
    toml.write_text(text)
    cases, _ = load_cases([cases_dir])
    result = run_case(next(c for c in cases if c.id == "benign-delete-empty-dev-bucket"))
    assert not result.passed
    assert "below critical" in result.reason
    assert "none of SQL002 fired" in result.reason


def test_rates_and_gate_curve() -> None:
    results = [_result("incident", 90, True), _result("incident", 60, True),
               _result("incident", 10, False), _result("benign", 70, False),
               _result("benign", 5, True, "script")]
    summary = summarize(results)
    assert summary.incident_catch_rate == pytest.approx(2 / 3)
    assert summary.benign_false_alarm_rate == pytest.approx(1 / 2)
    assert not summary.thresholds_met
    curve = {p.gated_share: p.incidents_caught_share for p in gate_curve(results)}
    assert curve[0.2] == pytest.approx(1 / 3)   # top 1 of 5 cases
    assert curve[0.5] == pytest.approx(2 / 3)   # top 3: 90, 70 (benign), 60
    by_cat = {c.category: c for c in summary.categories}
    assert by_cat["script"].benign_false_alarm_rate == 0.0
    assert by_cat["iac-destroy"].incidents_caught == 2


def test_eval_command_json_and_out(cases_dir: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    report = tmp_path / "report"
    code = main(["eval", "--cases", str(cases_dir), "--format", "json", "--out", str(report),
                 "--check"], stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert code == 0, err.getvalue()
    summary = data["summary"]
    assert summary["cases_total"] == 2
    assert summary["cases_passed"] == 2
    assert summary["incident_catch_rate"] == 1.0
    assert summary["benign_false_alarm_rate"] == 0.0
    case = next(c for c in data["cases"] if c["id"] == "cost-env-recreate")
    assert {"id", "kind", "category", "risk", "score", "passed", "codes"} <= set(case)
    assert (report / "report.md").read_text().startswith("# Eval report")
    assert json.loads((report / "results.json").read_text())["summary"]["cases_total"] == 2
    assert (report / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    names = {b["name"]: b for b in data["baselines"]}
    assert set(names) == {"checkov", "squawk", "llm-only"}
    assert names["llm-only"]["note"] == "not run (no model configured)"
    assert not names["llm-only"]["installed"]


def test_eval_text_output_and_check_failure(cases_dir: Path) -> None:
    bad = cases_dir / "broken"
    bad.mkdir()
    (bad / "case.toml").write_text("id = 'broken'")
    out, err = io.StringIO(), io.StringIO()
    code = main(["eval", "--cases", str(cases_dir), "--check"], stdout=out, stderr=err)
    text = out.getvalue()
    assert code == 1  # a case that fails to load fails the check
    assert "ERROR " in text
    assert "broken/case.toml" in text
    assert "cases: 2/2 passed, 1 failed to load" in text

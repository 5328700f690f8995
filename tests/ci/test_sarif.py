"""SARIF: valid against the official OASIS 2.1.0 schema, on diff lines, stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from reviewer.ci.gitdiff import DiffIndex, load_change
from reviewer.ci.locate import Locator
from reviewer.ci.sarif import build_sarif
from reviewer.models import Confidence, Decision, Finding, Intent, Location, RiskLevel, Severity
from reviewer.verdict.model import Verdict
from tests.ci.conftest import BASE_FILES, DROP_TABLE, Repo, load_json, make_repo, run_ci

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


def _validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(log: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(log)]


def test_vendored_schema_is_the_official_one() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert "result" in schema["definitions"]
    assert "reportingDescriptor" in schema["definitions"]
    # the validator really checks: a wrong version and a result without a message fail
    assert _errors({"version": "2.0.0", "runs": []})
    assert _errors({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                                   "results": [{"ruleId": "A"}]}]})


def test_sarif_of_a_real_pull_request_is_valid(risky_repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    run_ci("--repo", str(risky_repo.path), "--base", "main", "--head", "feature",
           "--sarif", str(out))
    log = load_json(out)
    assert _errors(log) == []
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "SQL002" in rules
    rule = rules["SQL002"]
    assert rule["name"] == "table-dropped-or-truncated"
    assert rule["help"]["text"]
    assert rule["fullDescription"]["text"]
    assert rule["properties"]["security-severity"] == "9.5"
    result = next(r for r in run["results"] if r["ruleId"] == "SQL002")
    assert result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "SQL002"
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "migrations.sql"
    assert where["region"]["startLine"] == 2  # the added DROP TABLE line
    assert set(result["partialFingerprints"]) == {"changeRiskFinding/v1",
                                                  "primaryLocationLineHash"}
    assert run["invocations"][0]["executionSuccessful"] is True


def test_fingerprints_survive_lines_moving(tmp_path: Path) -> None:
    first = make_repo(tmp_path / "a", BASE_FILES, DROP_TABLE)
    moved = {"migrations.sql": "SELECT 1;\n-- a comment\n-- another\nDROP TABLE users;\n"}
    second = make_repo(tmp_path / "b", BASE_FILES, moved)
    prints = []
    for repo in (first, second):
        out = tmp_path / f"{repo.path.name}.sarif"
        run_ci("--repo", str(repo.path), "--base", "main", "--head", "feature",
               "--sarif", str(out))
        result = next(r for r in load_json(out)["runs"][0]["results"]
                      if r["ruleId"] == "SQL002")
        prints.append((result["partialFingerprints"],
                       result["locations"][0]["physicalLocation"]["region"]["startLine"]))
    assert prints[0][1] != prints[1][1]
    assert prints[0][0] == prints[1][0]


def _plan(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": [{
        "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
        "name": "main", "change": {"actions": ["delete"], "before": {"engine": "postgres"},
                                   "after": None}}]}), encoding="utf-8")
    return path


def test_plan_findings_land_on_the_declaring_tf_file(tmp_path: Path) -> None:
    base = {"main.tf": 'resource "aws_db_instance" "main" {\n  engine = "postgres"\n}\n'}
    repo = make_repo(tmp_path / "repo", base, {"main.tf": "# the database is gone\n"})
    plan = _plan(tmp_path / "plan.json")
    out = tmp_path / "r.sarif"
    run_ci("--repo", str(repo.path), "--base", "main", "--head", "feature",
           "--plan", str(plan), "--sarif", str(out))
    log = load_json(out)
    assert _errors(log) == []
    results = [r for r in log["runs"][0]["results"]
               if r["properties"].get("address") == "aws_db_instance.main"]
    assert results
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"main.tf"}


def test_plan_findings_without_a_tf_file_go_on_the_plan_line_one(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", BASE_FILES, {"README.md": "# changed\n"})
    plan = _plan(repo.path / "plans" / "prod.json")
    out = tmp_path / "r.sarif"
    run_ci("--repo", str(repo.path), "--base", "main", "--head", "feature",
           "--plan", str(repo.path / "plans" / "*.json"), "--sarif", str(out))
    log = load_json(out)
    assert _errors(log) == []
    result = next(r for r in log["runs"][0]["results"]
                  if r["properties"].get("address") == "aws_db_instance.main")
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "plans/prod.json"
    assert where["region"]["startLine"] == 1
    assert plan.exists()


def test_a_missing_literal_plan_is_an_error(harmless_repo: Repo, tmp_path: Path) -> None:
    code, _, err = run_ci("--repo", str(harmless_repo.path), "--base", "main", "--head",
                          "feature", "--plan", str(tmp_path / "nope.json"))
    assert code == 2
    assert "nope.json: plan file not found" in err


@pytest.mark.parametrize("path", ["weird name,with:colons.sql", "dir with space/x%y.sql"])
def test_odd_file_names_give_valid_uris(tmp_path: Path, path: str) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"}, {path: "DROP TABLE users;\n"})
    change = load_change(str(repo.path), "main", "feature")
    locator = Locator(DiffIndex.from_change(change.document(), change.contents.new),
                      str(repo.path))
    finding = Finding(code="SQL002", name="table-dropped-or-truncated",
                      severity=Severity.CRITICAL, confidence=Confidence.HIGH,
                      message="drops users", location=Location(path=path, line=1))
    verdict = Verdict(risk=RiskLevel.CRITICAL, score=90, decision=Decision.BLOCK, summary="s",
                      intent=Intent(), findings=[finding])
    log = build_sarif(verdict, locator, version="0.1.0")
    assert _errors(log) == []
    assert locator.place(finding).path == path

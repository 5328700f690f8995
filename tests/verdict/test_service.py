"""The review service end to end on plans: verdict fields, fail closed, crash isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from reviewer.detectors.base import Detector
from reviewer.detectors.engine import run_detectors
from reviewer.errors import DetectorError, InputError
from reviewer.models import Finding, InputKind, RiskLevel, Severity
from reviewer.parsers.base import Artifact
from reviewer.parsers.terraform_plan import TerraformPlan, parse_terraform_plan
from reviewer.service import ReviewRequest, review


def _plan(*changes: dict[str, Any], **top: Any) -> str:
    doc: dict[str, Any] = {"format_version": "1.2", "terraform_version": "1.9.8",
                           "resource_changes": list(changes), **top}
    return json.dumps(doc)


def _rc(address: str, rtype: str, actions: list[str], **extra: Any) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "type": rtype,
            "name": address.rsplit(".", 1)[-1],
            "change": {"actions": actions, "before": extra.pop("before", {}),
                       "after": extra.pop("after", None)}, **extra}


def test_verdict_has_contract_fields() -> None:
    text = _plan(_rc("aws_db_instance.main", "aws_db_instance", ["delete"],
                     before={"skip_final_snapshot": True}))
    verdict = review(ReviewRequest(artifacts=[Artifact("plan.json", text)], title="Fix typo"))
    data = json.loads(verdict.model_dump_json())
    for key in ("risk", "score", "decision", "summary", "intent", "findings", "blast_radius",
                "coverage", "llm"):
        assert key in data
    assert data["risk"] == "critical"
    assert data["decision"] == "block"
    assert data["intent"] == {"title": "Fix typo", "description": "", "ai_assisted": False,
                              "ai_assisted_reasons": []}
    finding = data["findings"][0]
    assert set(finding) >= {"code", "name", "severity", "confidence", "message", "location",
                            "evidence", "remediation"}
    assert finding["location"] == {"path": "plan.json", "line": None,
                                   "address": "aws_db_instance.main"}
    assert data["blast_radius"]["resources_deleted"] == 1
    assert data["blast_radius"]["stateful_destroyed"] == ["aws_db_instance.main"]
    assert data["llm"]["status"] == "skipped"
    assert data["coverage"]["analysed"][0]["kind"] == "terraform-plan"


def test_harmless_plan_is_low() -> None:
    text = _plan(_rc("aws_instance.web", "aws_instance", ["update"],
                     before={"tags": {"a": "1"}}, after={"tags": {"a": "2"}}))
    verdict = review(ReviewRequest(artifacts=[Artifact("plan.json", text)]))
    assert verdict.risk is RiskLevel.LOW
    assert verdict.findings == []
    assert verdict.blast_radius.resources_changed == 1


def test_unknown_action_fails_closed() -> None:
    text = _plan(_rc("aws_instance.web", "aws_instance", ["obliterate"]))
    verdict = review(ReviewRequest(artifacts=[Artifact("plan.json", text)]))
    assert verdict.risk >= RiskLevel.MEDIUM
    assert verdict.coverage.errors[0].stage == "parse"
    assert "obliterate" in verdict.coverage.errors[0].message


def test_unknown_keys_are_ignored_and_newer_minor_accepted() -> None:
    text = _plan(_rc("aws_instance.web", "aws_instance", ["no-op"]), format_version="1.9",
                 shiny_new_key={"x": 1})
    verdict = review(ReviewRequest(artifacts=[Artifact("plan.json", text)]))
    assert verdict.risk is RiskLevel.LOW
    assert verdict.coverage.errors == []


def test_unsupported_major_version_is_input_error() -> None:
    text = _plan(format_version="2.0")
    with pytest.raises(InputError, match=r"plan\.json: unsupported plan format_version '2.0'"):
        review(ReviewRequest(artifacts=[Artifact("plan.json", text)]))


def test_unreadable_artifact_recorded_when_not_raising() -> None:
    verdict = review(ReviewRequest(artifacts=[Artifact("x.json", '{"foo": 1}')],
                                   raise_on_input_error=False))
    assert verdict.risk is RiskLevel.MEDIUM
    assert verdict.coverage.errors[0].path == "x.json"
    assert "unknown shape" in verdict.coverage.errors[0].message


def test_nothing_to_review_is_not_low() -> None:
    verdict = review(ReviewRequest())
    assert verdict.risk is RiskLevel.MEDIUM


class _Crashing(Detector[TerraformPlan]):
    """Crashes on purpose.

    ## What it detects
    Nothing.

    ## Why is this risky?
    It is a test double.

    ## Example
    ```json
    {}
    ```

    ## Safer alternative
    ```json
    {}
    ```

    ## References
    - none
    """

    code = "TST999"
    name = "always-crashes"
    family = "test"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.LOW
    remediation = "n/a"

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        if doc.path:
            raise RuntimeError("boom")
        yield from ()


def test_crashing_detector_is_recorded_and_review_goes_on() -> None:
    from reviewer.detectors import ALL_DETECTORS

    plan = parse_terraform_plan(_plan(_rc("aws_db_instance.m", "aws_db_instance", ["delete"])),
                                "plan.json")
    result = run_detectors([*ALL_DETECTORS, _Crashing], [plan])
    assert [c.code for c in result.crashes] == ["TST999"]
    assert "RuntimeError: boom" in result.crashes[0].error
    assert any(f.code == "TF001" for f in result.findings)
    assert "TST999" in result.timings_ms


def test_crashing_detector_reraises_in_strict_mode() -> None:
    plan = parse_terraform_plan(_plan(), "plan.json")
    with pytest.raises(DetectorError, match=r"TST999 crashed on plan\.json"):
        run_detectors([_Crashing], [plan], strict=True)


def test_service_turns_crash_into_coverage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import reviewer.service as service

    monkeypatch.setattr(service, "select", lambda include, exclude: (_Crashing,))
    verdict = review(ReviewRequest(artifacts=[Artifact("plan.json", _plan())]))
    assert verdict.risk is RiskLevel.MEDIUM
    assert verdict.coverage.errors[0].detector == "TST999"

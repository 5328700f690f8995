"""Protected resources (``[protected] resources``): destroying one is critical (POL001)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.config import ReviewerConfig, load_config_text
from reviewer.models import Decision, RiskLevel
from reviewer.parsers.base import Artifact
from reviewer.service import ReviewRequest, review
from reviewer.verdict.model import Verdict
from tests.detectors.case_tables import plan_text

ROOT = Path(__file__).resolve().parents[2]
SUB = "module.core.aws_sns_topic_subscription.orders"


def _config(*patterns: str) -> ReviewerConfig:
    listed = ", ".join(f'"{p}"' for p in patterns)
    return load_config_text(f"[protected]\nresources = [{listed}]\n", "test.toml")


def _plan(address: str, rtype: str, actions: list[str]) -> str:
    return plan_text({"resource_changes": [{"address": address, "type": rtype,
                                            "change": {"actions": actions}}]})


def _review(text: str, path: str, config: ReviewerConfig | None) -> Verdict:
    return review(ReviewRequest(artifacts=[Artifact(path, text)], config=config))


def _pol(verdict: Verdict) -> list[str]:
    return [f.location.address or "" for f in verdict.findings if f.code == "POL001"]


@pytest.mark.parametrize(("actions", "word"), [
    (["delete"], "destroyed"),
    (["delete", "create"], "replaced"),
    (["create", "delete"], "replaced"),
])
def test_terraform_protected_destroy_or_replace_is_critical(actions: list[str],
                                                            word: str) -> None:
    # A subscription holds no data: without protection its loss is not critical.
    text = _plan(SUB, "aws_sns_topic_subscription", actions)
    plain = _review(text, "plan.json", None)
    assert plain.risk < RiskLevel.CRITICAL
    assert _pol(plain) == []
    verdict = _review(text, "plan.json", _config("module.core.*"))
    assert _pol(verdict) == [SUB]
    [finding] = [f for f in verdict.findings if f.code == "POL001"]
    assert finding.severity.value == "critical"
    assert word in finding.message
    assert "module.core.*" in finding.message
    assert verdict.risk is RiskLevel.CRITICAL
    assert verdict.decision is Decision.BLOCK


@pytest.mark.parametrize("actions", [["update"], ["create"], ["forget"], ["no-op"]])
def test_terraform_protected_kept_resource_is_not_flagged(actions: list[str]) -> None:
    text = _plan(SUB, "aws_sns_topic_subscription", actions)
    assert _pol(_review(text, "plan.json", _config("module.core.*"))) == []


def test_terraform_unmatched_address_is_not_flagged() -> None:
    text = _plan("aws_sqs_queue.scratch", "aws_sqs_queue", ["delete"])
    assert _pol(_review(text, "plan.json", _config("aws_db_instance.billing*",
                                                    "module.core.*"))) == []


def test_cloudformation_logical_id() -> None:
    path = "fixtures/inputs/cloudformation/changeset_remove_rds.json"
    text = (ROOT / path).read_text(encoding="utf-8")
    verdict = _review(text, path, _config("Orders*"))
    assert sorted(_pol(verdict)) == ["OrdersDB"]  # LegacyOrdersDB does not match Orders*
    verdict = _review(text, path, _config("*OrdersDB"))
    assert sorted(_pol(verdict)) == ["LegacyOrdersDB", "OrdersDB"]


def test_pulumi_name_or_urn() -> None:
    path = "fixtures/inputs/pulumi/preview_replace_rds.json"
    text = (ROOT / path).read_text(encoding="utf-8")
    by_name = _pol(_review(text, path, _config("orders-db")))
    assert by_name == ["urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db"]
    by_urn = _pol(_review(text, path, _config("urn:pulumi:prod::shop::aws:rds*")))
    assert by_urn == by_name


def test_kubernetes_object_removed_from_manifests() -> None:
    path = "fixtures/inputs/kubernetes/payments_release.diff"
    text = (ROOT / path).read_text(encoding="utf-8")
    verdict = _review(text, path, _config("Namespace/payments"))
    assert _pol(verdict) == ["Namespace/payments"]
    assert _pol(_review(text, path, _config("Namespace/billing"))) == []


def test_protected_finding_survives_suppression_markers() -> None:
    text = plan_text({"resource_changes": [{
        "address": "aws_sqs_queue.orders", "type": "aws_sqs_queue",
        "change": {"actions": ["delete"],
                   "before": {"tags": {"reviewer": "allow[POL001] we really mean it"}}}}]})
    verdict = _review(text, "plan.json", _config("aws_sqs_queue.*"))
    assert _pol(verdict) == ["aws_sqs_queue.orders"]
    assert verdict.suppressed == []
    assert verdict.risk is RiskLevel.CRITICAL

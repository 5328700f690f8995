"""Extra checks for the access-control detectors (ACL…): robustness, masking, scale."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.detectors.access import DETECTORS
from reviewer.detectors.engine import run_detectors
from reviewer.models import InputKind
from reviewer.parsers.terraform_plan import plan_from_json
from tests.detectors.case_tables import documents_for, plan_text, run_text

_PLAN_DETECTORS = [c for c in DETECTORS if InputKind.TERRAFORM_PLAN in c.kinds]

#: Values a plan may hold where a policy, a list or a block is expected.
_ODD_VALUES: list[Any] = [
    None, "", "not json", "{", "[]", "{\"Statement\": 5}", "{\"Statement\": [1, \"x\"]}",
    "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"*\", 3], \"Resource\": {}}}",
    "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": [{}]}, "
    "\"Condition\": {\"StringEquals\": 7}}]}",
    7, True, [], [None, 3, {"cidr_blocks": None}], {"nested": {"deep": []}},
]

_TYPES = [
    "aws_iam_policy", "aws_iam_role", "aws_iam_role_policy_attachment", "aws_kms_key",
    "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
    "google_compute_firewall", "azurerm_network_security_group", "aws_s3_bucket_policy",
    "aws_s3_bucket_acl", "aws_s3_bucket_public_access_block", "google_project_iam_policy",
    "google_project_iam_binding", "azurerm_role_assignment", "aws_iam_policy_attachment",
    "github_branch_protection", "github_repository_ruleset", "aws_eks_cluster",
    "google_sql_database_instance", "aws_iam_role_policy_attachments_exclusive",
]
_ATTRS = [
    "policy", "assume_role_policy", "inline_policy", "policy_arn", "managed_policy_arns",
    "ingress", "cidr_blocks", "from_port", "protocol", "allow", "source_ranges",
    "security_rule", "acl", "grant", "access_control_policy", "block_public_policy",
    "policy_data", "members", "role", "scope", "roles", "enforce_admins", "bypass_actors",
    "rules", "required_pull_request_reviews", "vpc_config", "settings", "policy_arns",
]


@pytest.mark.parametrize("rtype", _TYPES)
def test_odd_plan_values_never_crash(rtype: str) -> None:
    changes = []
    for n, action in enumerate([["create"], ["update"], ["delete"], ["delete", "create"]]):
        for i, value in enumerate(_ODD_VALUES):
            before = dict.fromkeys(_ATTRS, value)
            after = dict.fromkeys(_ATTRS, _ODD_VALUES[-1 - i])
            changes.append({"address": f"{rtype}.r{n}_{i}", "type": rtype,
                            "change": {"actions": action, "before": before, "after": after}})
    text = plan_text({"resource_changes": changes})
    run_detectors(_PLAN_DETECTORS, documents_for(text, "plan.json"), strict=True)


def test_unknown_policy_is_not_reported_as_a_grant() -> None:
    text = plan_text({"resource_changes": [
        {"address": "aws_iam_role.ci", "type": "aws_iam_role",
         "change": {"actions": ["create"], "after": {"name": "ci"},
                    "after_unknown": {"assume_role_policy": True, "inline_policy": True}}}]})
    result = run_detectors(_PLAN_DETECTORS, documents_for(text, "plan.json"), strict=True)
    assert result.findings == []


def test_external_id_is_masked_in_evidence() -> None:
    cls = next(c for c in DETECTORS if c.code == "ACL002")
    policy = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*",
                             "Condition": {"StringEquals": {"sts:ExternalId": "s3cr3t-42"}}}]}
    text = plan_text({"resource_changes": [
        {"address": "aws_iam_role.vendor", "type": "aws_iam_role",
         "change": {"actions": ["create"],
                    "after": {"name": "vendor", "assume_role_policy": json.dumps(policy)}}}]})
    findings = run_text(cls, text, "plan.json")
    assert findings
    for finding in findings:
        assert "s3cr3t-42" not in finding.evidence
        assert "s3cr3t-42" not in finding.message


def test_partial_manifest_diff_is_skipped_not_crashed() -> None:
    """A hunk that cuts a manifest in half cannot be parsed; the detectors must not crash."""
    diff = (
        "diff --git a/k8s/rbac.yaml b/k8s/rbac.yaml\n"
        "--- a/k8s/rbac.yaml\n+++ b/k8s/rbac.yaml\n"
        "@@ -20,3 +20,3 @@ rules:\n"
        "     resources: [\"deployments\"]\n"
        "-    verbs: [\"get\"]\n"
        "+    verbs: [\"*\"]\n"
    )
    kube = [c for c in DETECTORS if InputKind.KUBERNETES in c.kinds]
    run_detectors(kube, documents_for(diff, "change.diff"), strict=True)


def test_large_plan_is_fast() -> None:
    """10,000 resource changes, most irrelevant or unchanged: every ACL detector stays fast."""
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                        "Resource": "arn:aws:s3:::b/*"}]})
    changes: list[dict[str, Any]] = []
    attrs: dict[str, Any]
    for i in range(10_000):
        kind = i % 4
        if kind == 0:
            rtype, attrs = "aws_iam_policy", {"name": f"p{i}", "policy": policy}
        elif kind == 1:
            rtype, attrs = "aws_security_group", {"ingress": [
                {"protocol": "tcp", "from_port": 443, "to_port": 443,
                 "cidr_blocks": ["0.0.0.0/0"]}]}
        elif kind == 2:
            rtype, attrs = "aws_s3_bucket_policy", {"bucket": f"b{i}", "policy": policy}
        else:
            rtype, attrs = "aws_instance", {"ami": "ami-1"}
        changes.append({"address": f"{rtype}.r{i}", "type": rtype, "name": f"r{i}",
                        "change": {"actions": ["update"], "before": attrs,
                                   "after": {**attrs, "tags": {"v": "2"}}}})
    plan = plan_from_json({"format_version": "1.2", "resource_changes": changes}, "plan.json")
    result = run_detectors(_PLAN_DETECTORS, [plan], strict=True)  # speed: see benchmarks/
    assert result.findings == []

"""Terraform family: benign look-alikes stay below high, secrets masked, big plans fast."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.detectors.engine import run_detectors
from reviewer.detectors.terraform import DETECTORS
from reviewer.models import Severity
from reviewer.parsers.terraform_plan import parse_terraform_plan
from tests.detectors.case_tables import documents_for, plan_text

NEW_CODES = ("TF005", "TF006", "TF008", "TF009", "TF010", "TF011", "TF012", "TF013", "TF016")
NEW = [cls for cls in DETECTORS if cls.code in NEW_CODES]


def _family_findings(text: str, path: str) -> list[Any]:
    return run_detectors(list(DETECTORS), documents_for(text, path), strict=True).findings


MOVED_PLAN = {"resource_changes": [
    {"address": "module.db.aws_db_instance.main", "module_address": "module.db",
     "previous_address": "aws_db_instance.main", "type": "aws_db_instance",
     "change": {"actions": ["no-op"], "before": {"identifier": "orders"},
                "after": {"identifier": "orders"}}},
    {"address": "module.dns.aws_route53_record.mx", "module_address": "module.dns",
     "previous_address": "aws_route53_record.mx", "type": "aws_route53_record",
     "change": {"actions": ["no-op"], "before": {"name": "example.com", "type": "MX"},
                "after": {"name": "example.com", "type": "MX"}}},
]}
FORGET_PLAN = {"resource_changes": [
    {"address": "aws_db_instance.billing", "type": "aws_db_instance",
     "change": {"actions": ["forget"], "before": {"identifier": "billing-prod"}}},
    {"address": "aws_kms_key.data", "type": "aws_kms_key",
     "change": {"actions": ["forget"], "before": {"description": "data"}}},
    {"address": "aws_vpc.main", "type": "aws_vpc",
     "change": {"actions": ["forget"], "before": {"cidr_block": "10.0.0.0/16"}}},
]}
CBD_STATELESS_PLAN = {"resource_changes": [
    {"address": "aws_launch_template.web", "type": "aws_launch_template",
     "change": {"actions": ["create", "delete"], "replace_paths": [["name"]],
                "before": {"name": "web-1"}, "after": {"name": "web-2"}}},
    {"address": "aws_route53_record.api", "type": "aws_route53_record",
     "change": {"actions": ["create", "delete"], "replace_paths": [["set_identifier"]],
                "before": {"name": "api.example.com", "type": "A", "set_identifier": "blue"},
                "after": {"name": "api.example.com", "type": "A", "set_identifier": "green"}}},
    {"address": "aws_nat_gateway.main", "type": "aws_nat_gateway",
     "change": {"actions": ["create", "delete"], "replace_paths": [["allocation_id"]],
                "before": {"allocation_id": "eipalloc-1"},
                "after": {"allocation_id": "eipalloc-2"}}},
    {"address": "aws_acm_certificate.api", "type": "aws_acm_certificate",
     "change": {"actions": ["create", "delete"], "replace_paths": [["domain_name"]],
                "before": {"domain_name": "api.example.com"},
                "after": {"domain_name": "api2.example.com"}}},
    *({"address": f"aws_instance.web[{i}]", "type": "aws_instance",
       "change": {"actions": ["no-op"]}} for i in range(6)),
]}
MOVED_DIFF = """\
diff --git a/infra/db.tf b/infra/db.tf
index 1111111..2222222 100644
--- a/infra/db.tf
+++ b/infra/db.tf
@@ -1,6 +1,11 @@
-resource "aws_db_instance" "billing" {
+resource "aws_db_instance" "billing_primary" {
   identifier = "billing-prod"
   lifecycle {
     prevent_destroy = true
   }
 }
+
+moved {
+  from = aws_db_instance.billing
+  to   = aws_db_instance.billing_primary
+}
"""
REMOVED_DIFF = """\
diff --git a/infra/db.tf b/infra/db.tf
index 1111111..2222222 100644
--- a/infra/db.tf
+++ b/infra/db.tf
@@ -1,6 +1,6 @@
-resource "aws_db_instance" "billing" {
-  identifier = "billing-prod"
+removed {
+  from = aws_db_instance.billing
   lifecycle {
-    prevent_destroy = true
+    destroy = false
   }
 }
"""


@pytest.mark.parametrize(("text", "path"), [
    pytest.param(plan_text(MOVED_PLAN), "plan.json", id="moved-blocks-plan"),
    pytest.param(plan_text(FORGET_PLAN), "plan.json", id="removed-destroy-false-plan"),
    pytest.param(plan_text(CBD_STATELESS_PLAN), "plan.json", id="create-before-destroy"),
    pytest.param(MOVED_DIFF, "change.diff", id="moved-block-diff"),
    pytest.param(REMOVED_DIFF, "change.diff", id="removed-block-diff"),
])
def test_benign_look_alikes_stay_below_high(text: str, path: str) -> None:
    findings = _family_findings(text, path)
    assert all(f.severity < Severity.HIGH for f in findings), [
        (f.code, f.severity.value, f.message) for f in findings]


def test_forget_reports_only_tf013_medium() -> None:
    findings = _family_findings(plan_text(FORGET_PLAN), "plan.json")
    assert {(f.code, f.severity) for f in findings} == {("TF013", Severity.MEDIUM)}


@pytest.mark.parametrize(("before", "expected"), [
    (True, ["TF007 medium deletion_protection: true → (known after apply)"]),
    ("ACTIVE", ['TF007 medium deletion_protection: "ACTIVE" → (known after apply)']),
    (False, []),  # already off: an unknown new value switches nothing off
    ("INACTIVE", []),
])
def test_unknown_protection_is_reported_once(before: object, expected: list[str]) -> None:
    """deletion_protection has two unsafe values (false; Cognito's "INACTIVE"): one finding."""
    spec = {"resource_changes": [{
        "address": "aws_db_instance.main", "type": "aws_db_instance", "change": {
            "actions": ["update"], "before": {"deletion_protection": before},
            "after": {"deletion_protection": None},
            "after_unknown": {"deletion_protection": True}}}]}
    findings = _family_findings(plan_text(spec), "plan.json")
    assert [f"{f.code} {f.severity.value} {f.evidence}" for f in findings
            if f.code == "TF007"] == expected


def test_reverted_secret_is_masked() -> None:
    spec = {
        "resource_drift": [{
            "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
            "name": "main", "change": {
                "actions": ["update"],
                "before": {"identifier": "db", "password": "old-Pa55word"},
                "after": {"identifier": "db", "password": "hotfix-Pa55word"}}}],
        "resource_changes": [{
            "address": "aws_db_instance.main", "type": "aws_db_instance", "change": {
                "actions": ["update"],
                "before": {"identifier": "db", "password": "hotfix-Pa55word"},
                "after": {"identifier": "db", "password": "old-Pa55word"}}}],
    }
    findings = _family_findings(plan_text(spec), "plan.json")
    tf012 = [f for f in findings if f.code == "TF012"]
    assert tf012
    for f in tf012:
        assert "Pa55word" not in f.message + f.evidence


def _big_plan(n: int) -> str:
    """A plan with many deletes, creates, updates and drift, of few types."""
    changes: list[dict[str, Any]] = []
    drift: list[dict[str, Any]] = []
    for i in range(n // 4):
        changes.append({"address": f"aws_instance.old[{i}]", "type": "aws_instance", "index": i,
                        "action_reason": "delete_because_count_index",
                        "change": {"actions": ["delete"],
                                   "before": {"ami": f"ami-{i}", "instance_type": "t3.small",
                                              "subnet_id": f"subnet-{i % 7}",
                                              "tags": {"Name": f"old-{i}"}}}})
        changes.append({"address": f"aws_instance.new_{i}", "type": "aws_instance",
                        "change": {"actions": ["create"],
                                   "after": {"ami": f"ami-x{i}", "instance_type": "m5.large",
                                             "subnet_id": f"subnet-{i % 5}",
                                             "key_name": f"k{i}"}}})
        changes.append({"address": f"aws_route53_record.r{i}", "type": "aws_route53_record",
                        "change": {"actions": ["update"],
                                   "before": {"name": f"h{i}.example.com", "type": "A",
                                              "ttl": 300},
                                   "after": {"name": f"h{i}.example.com", "type": "A",
                                             "ttl": 300}}})
        changes.append({"address": f"aws_s3_bucket.b{i}", "type": "aws_s3_bucket",
                        "change": {"actions": ["no-op"], "before": {"bucket": f"b{i}"},
                                   "after": {"bucket": f"b{i}"}}})
        drift.append({"address": f"aws_route53_record.r{i}", "mode": "managed",
                      "type": "aws_route53_record", "name": f"r{i}",
                      "change": {"actions": ["update"], "before": {"ttl": 60},
                                 "after": {"ttl": 300}}})
    return plan_text({"resource_changes": changes, "resource_drift": drift})


def test_ten_thousand_resource_plan_runs_every_detector() -> None:
    # Speed is measured in benchmarks/; this checks every detector copes with the size.
    plan = parse_terraform_plan(_big_plan(10_000), "plan.json")
    for cls in NEW:
        if cls.code == "TF016":
            continue
        findings = list(cls().detect(plan))
        assert all(f.code == cls.code for f in findings)


def test_rename_pairs_many_identical_objects_once() -> None:
    changes: list[dict[str, Any]] = []
    for i in range(300):
        before = {"name": f"q{i}", "visibility_timeout_seconds": 30, "delay_seconds": 5}
        changes.append({"address": f"aws_sqs_queue.q{i}", "type": "aws_sqs_queue",
                        "change": {"actions": ["delete"], "before": before}})
        changes.append({"address": f"module.m.aws_sqs_queue.q{i}", "module_address": "module.m",
                        "type": "aws_sqs_queue",
                        "change": {"actions": ["create"], "after": dict(before)}})
    findings = [f for f in _family_findings(plan_text({"resource_changes": changes}),
                                            "plan.json") if f.code == "TF006"]
    assert len(findings) == 300
    assert all(f.location.address == f"aws_sqs_queue.q{i}" for i, f in enumerate(findings))
    assert all(f"module.m.aws_sqs_queue.q{i}" in f.message for i, f in enumerate(findings))


def test_plan_json_shape_roundtrip() -> None:
    # The compact plan helper keeps resource_drift entries as given.
    text = plan_text({"resource_drift": [], "resource_changes": []})
    assert json.loads(text)["resource_drift"] == []

"""Regenerate the bundled demo plan (reviewer/demo/cost-env-recreate.plan.json).

The story: a change titled as a rounding fix also renames the ``cost_env`` module to
``cost_environment`` without a ``moved`` block, so Terraform destroys the whole production
environment, database included (no final snapshot), and creates an empty one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "reviewer" / "demo" / "cost-env-recreate.plan.json"
TAGS = {"Environment": "production", "Service": "cost-calculator", "Team": "billing"}

RESOURCES: list[tuple[str, str, dict[str, Any]]] = [
    ("aws_db_instance", "ledger", {
        "identifier": "cost-ledger-prod", "engine": "postgres", "engine_version": "15.7",
        "instance_class": "db.r6g.xlarge", "allocated_storage": 500, "multi_az": True,
        "deletion_protection": False, "skip_final_snapshot": True,
        "final_snapshot_identifier": None, "backup_retention_period": 7,
        "delete_automated_backups": True, "username": "ledger", "password": "s3cr3t-ledger-pw",
    }),
    ("aws_s3_bucket", "reports", {"bucket": "cost-reports-prod", "force_destroy": True}),
    ("aws_sqs_queue", "jobs", {"name": "cost-jobs-prod", "message_retention_seconds": 1209600}),
    ("aws_elasticache_replication_group", "cache", {
        "replication_group_id": "cost-cache-prod", "node_type": "cache.r6g.large",
        "snapshot_retention_limit": 0, "final_snapshot_identifier": None}),
    ("aws_ecs_cluster", "main", {"name": "cost-prod"}),
    ("aws_ecs_service", "calculator", {"name": "cost-calculator", "desired_count": 6}),
    ("aws_lb", "api", {"name": "cost-api-prod", "internal": False,
                       "enable_deletion_protection": False}),
    ("aws_lb_listener", "https", {"port": 443, "protocol": "HTTPS"}),
    ("aws_acm_certificate", "api", {"domain_name": "cost-api.example.com"}),
    ("aws_route53_record", "api", {"name": "cost-api.example.com", "type": "A"}),
    ("aws_security_group", "db", {"name": "cost-db-prod"}),
    ("aws_cloudwatch_log_group", "app", {"name": "/ecs/cost-calculator", "retention_in_days": 90}),
]


def _sensitive(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"password": True} if "password" in attrs else {}


def _unknown(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"id": True, "arn": True, **({"endpoint": True} if "identifier" in attrs else {})}


def main() -> None:
    """Write the demo plan."""
    changes: list[dict[str, Any]] = []
    for rtype, name, attrs in RESOURCES:
        before = {**attrs, "id": f"{name}-0a1b2c", "arn": f"arn:aws:{rtype}:{name}", "tags": TAGS,
                  "tags_all": TAGS}
        changes.append({
            "address": f"module.cost_env.{rtype}.{name}",
            "module_address": "module.cost_env",
            "mode": "managed", "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["delete"], "before": before, "after": None, "after_unknown": {},
                "before_sensitive": {**_sensitive(attrs), "tags": {}, "tags_all": {}},
                "after_sensitive": False,
            },
            "action_reason": "delete_because_no_module",
        })
    for rtype, name, attrs in RESOURCES:
        after = {**attrs, "tags": TAGS, "tags_all": TAGS}
        changes.append({
            "address": f"module.cost_environment.{rtype}.{name}",
            "module_address": "module.cost_environment",
            "mode": "managed", "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["create"], "before": None, "after": after,
                "after_unknown": _unknown(attrs), "before_sensitive": False,
                "after_sensitive": {**_sensitive(attrs), "tags": {}, "tags_all": {}},
            },
        })
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "variables": {"environment": {"value": "production"}, "region": {"value": "eu-west-1"}},
        "planned_values": {"root_module": {"child_modules": []}},
        "resource_changes": changes,
        "configuration": {"root_module": {"module_calls": {"cost_environment": {
            "source": "./modules/cost-env"}}}},
        "timestamp": "2025-12-03T09:14:27Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

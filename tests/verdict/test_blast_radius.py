"""Blast radius across plans, change sets and previews."""

from __future__ import annotations

from pathlib import Path

from reviewer.models import Environment
from reviewer.parsers import parse_artifact
from reviewer.parsers.reading import decode
from reviewer.verdict.blast_radius import compute_blast_radius

ROOT = Path(__file__).resolve().parents[2]


def _blast(rel: str):  # type: ignore[no-untyped-def]
    path = ROOT / rel
    docs = parse_artifact(decode(path.read_bytes(), path.name)).documents
    return compute_blast_radius(docs)


def test_demo_plan_blast_radius() -> None:
    blast = _blast("reviewer/demo/cost-env-recreate.plan.json")
    counts = (blast.resources_deleted, blast.resources_created, blast.resources_replaced)
    assert counts == (12, 12, 0)
    assert blast.stateful_destroyed[0] == "module.cost_env.aws_db_instance.ledger"
    assert "module.cost_env.aws_s3_bucket.reports" in blast.stateful_destroyed
    assert blast.environments == [Environment.PROD]


def test_change_set_blast_radius() -> None:
    blast = _blast("fixtures/inputs/cloudformation/changeset_remove_rds.json")
    assert blast.resources_deleted == 1
    assert "LegacyOrdersDB (AWS::RDS::DBInstance)" in blast.stateful_destroyed
    assert Environment.PROD in blast.environments


def test_pulumi_blast_radius() -> None:
    blast = _blast("fixtures/inputs/pulumi/preview_replace_rds.json")
    assert blast.resources_deleted == 1
    assert blast.stateful_destroyed == ["aws:s3/bucketV2:BucketV2::static-assets"]

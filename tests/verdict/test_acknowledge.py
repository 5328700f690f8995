"""Stated, non-production destruction stays below high; anything else does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewer.models import RiskLevel, Severity
from reviewer.parsers.base import Artifact
from reviewer.service import ReviewRequest, review


def _bucket_plan(bucket: str, env: str | None) -> str:
    tags: dict[str, Any] = {"Environment": env} if env else {}
    change = {"address": f"aws_s3_bucket.{bucket}", "mode": "managed", "type": "aws_s3_bucket",
              "name": bucket, "change": {"actions": ["delete"], "after": None,
                                         "before": {"bucket": bucket.replace("_", "-"),
                                                    "force_destroy": False, "tags": tags}}}
    return json.dumps({"format_version": "1.2", "resource_changes": [change]})


def _review(plan: str, title: str) -> Any:
    return review(ReviewRequest(artifacts=[Artifact("plan.json", plan)], title=title))


def test_stated_deletion_of_empty_dev_bucket_stays_medium() -> None:
    verdict = _review(_bucket_plan("tmp_exports_dev", "dev"),
                      "Remove the unused tmp_exports_dev bucket")
    assert verdict.risk is RiskLevel.MEDIUM
    tf001 = next(f for f in verdict.findings if f.code == "TF001")
    assert tf001.severity is Severity.MEDIUM
    assert tf001.message.endswith("[acknowledged: stated in the intent, non-production]")
    assert all(f.code != "INT001" for f in verdict.findings)


def test_same_deletion_in_prod_is_not_acknowledged() -> None:
    verdict = _review(_bucket_plan("tmp_exports", "production"),
                      "Remove the unused tmp_exports bucket")
    assert verdict.risk is RiskLevel.CRITICAL


@pytest.mark.parametrize("title", [
    "Remove the unused tmp_exports bucket",      # environment unknown: fail closed
    "Fix a typo in the README",                  # deletion not stated
    "Remove the unused invoices bucket",         # names another object
])
def test_unacknowledged_deletions_stay_high(title: str) -> None:
    env = None if "tmp_exports bucket" in title else "dev"
    verdict = _review(_bucket_plan("tmp_exports" if env is None else "tmp_exports_dev", env),
                      title)
    assert verdict.risk >= RiskLevel.HIGH

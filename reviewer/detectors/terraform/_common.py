"""Helpers shared by the Terraform detectors (formatting, protections, environments)."""

from __future__ import annotations

import json
from typing import Any

from reviewer.environments import environments_in_tags, environments_in_text, ordered
from reviewer.models import Location
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.resources import PROTECTION_ATTRIBUTES, SKIP_DESTROY_ATTRIBUTES

#: Shown instead of any value marked sensitive in the plan.
MASK = "(sensitive)"


def location(plan: TerraformPlan, rc: ResourceChange) -> Location:
    """Where a resource change is: the plan file and the resource address."""
    return Location(path=plan.path, address=rc.address)


def environment_label(rc: ResourceChange) -> str:
    """``" (prod)"`` when the address or tags name an environment, else ``""``."""
    envs = environments_in_text(rc.address)
    for side in (rc.before, rc.after):
        if isinstance(side, dict):
            envs |= environments_in_tags(side.get("tags"))
    names = [e.value for e in ordered(envs)]
    return f" ({', '.join(names)})" if names else ""


def is_sensitive(rc: ResourceChange, attr: str, side: str = "before") -> bool:
    """True when the plan marks the top-level attribute sensitive on that side."""
    marks: Any = rc.before_sensitive if side == "before" else rc.after_sensitive
    if marks is True:
        return True
    return isinstance(marks, dict) and bool(marks.get(attr))


def fmt(value: Any) -> str:
    """A short, JSON-like rendering of a plan value."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def skip_destroy(rc: ResourceChange) -> bool:
    """True when the resource's own attributes make a delete only forget it."""
    return any(rc.value(a, side="before") is True for a in SKIP_DESTROY_ATTRIBUTES)


_FINAL_SNAPSHOT_BY_ID = frozenset({
    "aws_db_instance", "aws_rds_cluster", "aws_redshift_cluster", "aws_docdb_cluster",
    "aws_neptune_cluster", "aws_elasticache_replication_group", "aws_elasticache_cluster",
})


def missing_recovery(rc: ResourceChange) -> list[str]:
    """Protections the object lacked when it is destroyed (from its before-state)."""
    gaps: list[str] = []
    for attr, unsafe in PROTECTION_ATTRIBUTES:
        if "." in attr:
            continue
        value = rc.value(attr, side="before")
        if value is not None and value == unsafe:
            gaps.append(f"{attr} = {fmt(value)}")
    before = rc.before if isinstance(rc.before, dict) else {}
    if before.get("backup_retention_period") == 0:
        gaps.append("backup_retention_period = 0")
    if before.get("snapshot_retention_limit") == 0:
        gaps.append("snapshot_retention_limit = 0")
    if rc.type in _FINAL_SNAPSHOT_BY_ID and "final_snapshot_identifier" in before \
            and not before.get("final_snapshot_identifier") \
            and before.get("skip_final_snapshot") is not True:
        gaps.append("final_snapshot_identifier = null (no final snapshot)")
    if rc.type == "aws_ebs_volume" and before.get("final_snapshot") is False:
        gaps.append("final_snapshot = false")
    return gaps


#: Why a delete happens, from the plan's ``action_reason``, in words.
DELETE_REASONS: dict[str, str] = {
    "delete_because_no_resource_config": "its resource block is no longer in the configuration",
    "delete_because_no_module": "its module call is no longer in the configuration",
    "delete_because_no_move_target": "a `moved` block points it at an address that does not exist",
    "delete_because_count_index": "its count index is out of range of the new count",
    "delete_because_each_key": "its key is no longer in for_each",
    "delete_because_wrong_repetition": "count/for_each changed its instance key type",
}


def delete_reason(rc: ResourceChange) -> str:
    """Why Terraform deletes the object, in words ("" when the plan gives no reason)."""
    return DELETE_REASONS.get(rc.action_reason or "", "")


def replace_reason(rc: ResourceChange) -> str:
    """Why Terraform replaces the object: the attributes that force it, and their values."""
    parts: list[str] = []
    for path in rc.replace_paths:
        top = str(path[0]) if path else ""
        if not top:
            continue
        dotted = ".".join(str(p) for p in path)
        if is_sensitive(rc, top, "before") or is_sensitive(rc, top, "after"):
            parts.append(f"{dotted}: {MASK}")
            continue
        before = rc.value(top, side="before")
        after = "(known after apply)" if rc.is_unknown(top) else fmt(rc.value(top, side="after"))
        parts.append(f"{dotted}: {fmt(before)} → {after}")
    reason = {
        "replace_because_tainted": "the object is tainted",
        "replace_by_request": "replacement was requested with -replace",
        "replace_by_triggers": "replace_triggered_by fired",
    }.get(rc.action_reason or "")
    if reason:
        parts.append(reason)
    return "; ".join(parts)

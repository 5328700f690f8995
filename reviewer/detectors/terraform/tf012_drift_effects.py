"""TF012: the plan acts on drift: recreates a deleted data store empty, or reverts a hotfix."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    VOLATILE_ATTRIBUTES,
    environment_label,
    location,
    shown,
    side,
    unknown_keys,
)
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.resources import is_stateful_terraform

#: Drifted attributes that providers and platforms change on their own (not hotfixes).
_NOISY = VOLATILE_ATTRIBUTES | frozenset({
    "last_updated", "status", "state", "latest_revision", "revision", "etag", "checksum",
    "source_code_hash", "last_modified_date", "metadata_fingerprint", "label_fingerprint",
})
_SHOW = 4


def _reverted(drift: ResourceChange, plan: ResourceChange) -> list[str]:
    """Attributes the drift changed and the plan sets back to their earlier value."""
    old, real = side(drift, "before"), side(drift, "after")
    planned_from, planned_to = side(plan, "before"), side(plan, "after")
    unknown = unknown_keys(plan)
    found: list[str] = []
    for key, was in old.items():
        if key in _NOISY or key in unknown or was is None:
            continue
        now = real.get(key)
        if now is None or now == was:
            continue
        if planned_to.get(key) == was and planned_from.get(key, now) == now:
            found.append(key)
    return found


class DriftEffects(Detector[TerraformPlan]):
    """The plan recreates a data store deleted outside Terraform, or reverts a manual hotfix.

    ## What it detects
    Two effects of drift (`resource_drift`, what changed outside Terraform since the last
    apply):
    - a stateful resource (database, bucket, volume…) that drift shows as deleted and that
      the plan creates again: `high`, because the new one starts empty (and a stateful
      resource deleted outside Terraform that the plan does not recreate is `medium`);
    - an in-place update that sets attributes back to the values they had before someone
      changed them outside Terraform (a console hotfix, an autoscaling change):
      `medium`. Tags, fingerprints, statuses and values known only after apply are ignored.

    ## Why is this risky?
    A plan built on drift looks routine: "create a database" reads like a new feature,
    not like "your data is gone and this replaces it with an empty one". Reverting a hotfix
    silently reintroduces the incident it fixed.

    ## Example
    ```json
    {"format_version": "1.2",
     "resource_drift": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["delete"],
       "before": {"identifier": "orders-prod"}, "after": null}}],
     "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["create"], "before": null,
       "after": {"identifier": "orders-prod"}}}]}
    ```

    ## Safer alternative
    Restore the database from a snapshot and import it (`import` block), so the plan
    adopts the restored data instead of creating an empty database:
    ```json
    {"format_version": "1.2",
     "resource_drift": [],
     "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["no-op"],
       "importing": {"id": "orders-prod"},
       "before": {"identifier": "orders-prod"}, "after": {"identifier": "orders-prod"}}}]}
    ```

    ## References
    - Spacelift example policy `require-human-review-for-drift-detection-reconciliation.rego`
    - Terraform JSON output format: `resource_drift`; tf-gatekeeper "apply reverts manual
      hotfix"
    """

    code = "TF012"
    name = "drift-effects"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Find out who changed the resource outside Terraform and why: restore deleted data "
        "from backups and import it, or write the hotfix into the configuration before "
        "applying."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        if not doc.resource_drift:
            return
        planned = {rc.address: rc for rc in doc.resource_changes if rc.managed and not rc.deposed}
        for drift in doc.resource_drift:
            if not drift.managed or drift.deposed:
                continue
            plan = planned.get(drift.address)
            if drift.is_delete and not drift.is_create:
                if is_stateful_terraform(drift.type):
                    yield self._deleted(doc, drift, plan)
            elif drift.is_update and plan is not None and plan.is_update:
                yield from self._reverts(doc, drift, plan)

    def _deleted(self, doc: TerraformPlan, drift: ResourceChange,
                 plan: ResourceChange | None) -> Finding:
        label = environment_label(drift)
        if plan is not None and plan.is_create:
            return self.finding(
                f"{drift.address}{label} ({drift.type}) was deleted outside Terraform and the "
                "plan creates it again, empty: its data is not restored",
                location(doc, drift),
                evidence=f"resource_drift: {list(drift.actions)}; "
                         f"resource_changes: {list(plan.actions)}")
        return self.finding(
            f"{drift.address}{label} ({drift.type}) was deleted outside Terraform",
            location(doc, drift), evidence=f"resource_drift: {list(drift.actions)}",
            severity=Severity.MEDIUM)

    def _reverts(self, doc: TerraformPlan, drift: ResourceChange,
                 plan: ResourceChange) -> Iterator[Finding]:
        attrs = _reverted(drift, plan)
        if not attrs:
            return
        parts = [f"{a}: {shown(plan, a, side(plan, 'before').get(a))} → "
                 f"{shown(plan, a, side(plan, 'after').get(a), 'after')}" for a in attrs[:_SHOW]]
        more = f" and {len(attrs) - _SHOW} more" if len(attrs) > _SHOW else ""
        yield self.finding(
            f"{plan.address}{environment_label(plan)}: the plan reverts a change made outside "
            f"Terraform (a hotfix?) to {', '.join(attrs[:_SHOW])}{more}",
            location(doc, plan), evidence="; ".join(parts), severity=Severity.MEDIUM)

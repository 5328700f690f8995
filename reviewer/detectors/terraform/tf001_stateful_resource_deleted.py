"""TF001: a resource that holds data is destroyed."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    delete_reason,
    environment_label,
    location,
    missing_recovery,
    skip_destroy,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import TerraformPlan
from reviewer.resources import TERRAFORM_STATEFUL_SECONDARY, is_stateful_terraform


class StatefulResourceDeleted(Detector[TerraformPlan]):
    """A stateful resource (database, bucket, volume, key…) is destroyed by the plan.

    ## What it detects
    A managed resource whose type holds data (`aws_db_instance`, `aws_s3_bucket`,
    `aws_dynamodb_table`, `google_sql_database_instance`, `azurerm_storage_account`…) with
    plan action `delete` and nothing created in its place. The finding names the protections
    the object lacked (`skip_final_snapshot = true`, `deletion_protection = false`…).
    Deletes of deposed objects (leftovers of a failed replace) and of secondary stores (log
    groups, queues, image registries) are reported at `high`.

    ## Why is this risky?
    Destroying a database, bucket or volume destroys its data. Without a final snapshot
    or backups there is nothing to restore from, and the outage lasts as long as the rebuild.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.billing", "mode": "managed", "type": "aws_db_instance",
       "name": "billing", "change": {"actions": ["delete"],
       "before": {"identifier": "billing-prod", "skip_final_snapshot": true}, "after": null}}]}
    ```

    ## Safer alternative
    Keep the resource, or stop managing it without destroying it (`removed` block with
    `lifecycle { destroy = false }`, which plans a `forget`):
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.billing", "mode": "managed", "type": "aws_db_instance",
       "name": "billing", "change": {"actions": ["forget"],
       "before": {"identifier": "billing-prod"}, "after": null}}]}
    ```

    ## References
    - Spacelift example policy `do-not-delete-stateful-resources.rego`
    - Terraform JSON output format: "scan the list for `delete`"
    """

    code = "TF001"
    name = "stateful-resource-deleted"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.CRITICAL
    remediation = (
        "Take a snapshot or backup first and confirm the deletion is intended; to stop managing "
        "the resource without destroying it, use a `removed` block with "
        "`lifecycle { destroy = false }`."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        for rc in doc.of_types(is_stateful_terraform):
            if not rc.managed or not rc.is_pure_delete:
                continue
            if skip_destroy(rc):
                continue
            gaps = missing_recovery(rc)
            message = f"{rc.address}{environment_label(rc)} ({rc.type}) will be destroyed"
            why = delete_reason(rc)
            if why:
                message += f" because {why}"
            if gaps:
                message += f"; no recovery path: {', '.join(gaps)}"
            if rc.deposed:
                yield self.finding(
                    f"{message} (deposed object {rc.deposed}, left by an earlier failed replace)",
                    location(doc, rc), evidence=f"actions: {list(rc.actions)}",
                    severity=Severity.HIGH, confidence=Confidence.MEDIUM,
                )
                continue
            evidence = f"actions: {list(rc.actions)}"
            if rc.action_reason:
                evidence += f"; action_reason: {rc.action_reason}"
            if gaps:
                evidence += f"; {'; '.join(gaps)}"
            secondary = rc.type in TERRAFORM_STATEFUL_SECONDARY
            yield self.finding(message, location(doc, rc), evidence=evidence,
                               severity=Severity.HIGH if secondary else None)

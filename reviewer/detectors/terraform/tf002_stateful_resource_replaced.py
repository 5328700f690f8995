"""TF002: a resource that holds data is destroyed and created again."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    environment_label,
    location,
    missing_recovery,
    replace_reason,
)
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import TerraformPlan
from reviewer.resources import is_stateful_terraform


class StatefulResourceReplaced(Detector[TerraformPlan]):
    """A stateful resource is replaced: the old object and its data are destroyed.

    ## What it detects
    A managed stateful resource with plan actions `["delete", "create"]` (destroy first,
    `critical`) or `["create", "delete"]` (`create_before_destroy`, `high`). The finding
    shows the attributes that force the replacement (`replace_paths`) with their before and
    after values. A replacement requested with `-replace` is one level lower.

    ## Why is this risky?
    A replacement is a delete: the new database or bucket starts empty. An attribute that
    "cannot be updated in place" (engine, identifier, availability zone, key schema) turns a
    small edit into data loss.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "action_reason": "replace_because_cannot_update",
       "change": {"actions": ["delete", "create"], "replace_paths": [["engine"]],
       "before": {"engine": "mysql"}, "after": {"engine": "postgres"}}}]}
    ```

    ## Safer alternative
    Change the attribute in a way the provider can apply in place, or migrate the data to a
    new resource first:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["update"],
       "before": {"engine_version": "15.4"}, "after": {"engine_version": "15.7"}}}]}
    ```

    ## References
    - tfplan-checker "Deny Changes: [delete create]"; cfn-lint I3011 (replacement of stateful)
    - Terraform `replace_paths` and `action_reason` in the JSON output format
    """

    code = "TF002"
    name = "stateful-resource-replaced"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.CRITICAL
    remediation = (
        "Find the attribute that forces replacement (shown in the evidence) and avoid changing "
        "it, or migrate the data to a new resource and switch over before removing the old one."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        for rc in doc.of_types(is_stateful_terraform):
            if not rc.managed or not rc.is_replace:
                continue
            severity = Severity.CRITICAL if rc.delete_first else Severity.HIGH
            if rc.action_reason == "replace_by_request" and severity is Severity.CRITICAL:
                severity = Severity.HIGH
            elif rc.action_reason == "replace_by_request":
                severity = Severity.MEDIUM
            order = "destroyed before its replacement is created" if rc.delete_first else \
                "replaced (new object created first, then the old one destroyed)"
            reason = replace_reason(rc)
            gaps = missing_recovery(rc)
            message = f"{rc.address}{environment_label(rc)} ({rc.type}) will be {order}"
            if reason:
                message += f" because {reason}"
            evidence = f"actions: {list(rc.actions)}"
            if rc.action_reason:
                evidence += f"; action_reason: {rc.action_reason}"
            if gaps:
                evidence += f"; {'; '.join(gaps)}"
            yield self.finding(message, location(doc, rc), evidence=evidence, severity=severity)

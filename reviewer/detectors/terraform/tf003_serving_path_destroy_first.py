"""TF003: a resource on the serving path is destroyed before its replacement exists."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import environment_label, location, replace_reason
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import TerraformPlan
from reviewer.resources import is_serving_path_terraform, is_stateful_terraform


class ServingPathDestroyFirst(Detector[TerraformPlan]):
    """A DNS record, certificate, load balancer or instance is destroyed before it is recreated.

    ## What it detects
    A replacement with plan actions `["delete", "create"]` (the default order) on a resource
    that serves traffic: DNS records, TLS certificates, load balancers and listeners,
    security groups, instances, autoscaling groups, Kubernetes clusters and node pools.

    ## Why is this risky?
    Between the destroy and the create nothing answers: names stop resolving, TLS handshakes
    fail, targets drop out of the load balancer. If the create then fails, the window lasts
    until someone fixes it by hand.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_acm_certificate.api", "mode": "managed", "type": "aws_acm_certificate",
       "name": "api", "change": {"actions": ["delete", "create"],
       "replace_paths": [["domain_name"]],
       "before": {"domain_name": "api.example.com"},
       "after": {"domain_name": "api2.example.com"}}}]}
    ```

    ## Safer alternative
    Add `lifecycle { create_before_destroy = true }` so the plan creates first:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_acm_certificate.api", "mode": "managed", "type": "aws_acm_certificate",
       "name": "api", "change": {"actions": ["create", "delete"],
       "replace_paths": [["domain_name"]],
       "before": {"domain_name": "api.example.com"},
       "after": {"domain_name": "api2.example.com"}}}]}
    ```

    ## References
    - Spacelift example policy `ensure-resource-creation-before-deletion.rego`
    - Terraform `lifecycle.create_before_destroy`
    """

    code = "TF003"
    name = "serving-path-destroy-before-create"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Add `lifecycle { create_before_destroy = true }` (with a name that can coexist, e.g. "
        "`name_prefix`), or cut traffic over to a new resource before removing the old one."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        for rc in doc.of_types(is_serving_path_terraform):
            if not rc.managed or not rc.delete_first or is_stateful_terraform(rc.type):
                continue
            reason = replace_reason(rc)
            message = (f"{rc.address}{environment_label(rc)} ({rc.type}) will be destroyed "
                       "before its replacement is created, leaving a window with no "
                       f"{rc.type.split('_', 1)[-1].replace('_', ' ')}")
            if reason:
                message += f" (forced by {reason})"
            yield self.finding(message, location(doc, rc), evidence=f"actions: {list(rc.actions)}")

"""TF004: resources are destroyed because their block or module left the configuration."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import delete_reason, environment_label, location
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.resources import is_stateful_terraform

_ORPHAN_REASONS = frozenset({"delete_because_no_resource_config",
                             "delete_because_no_move_target"})


class RemovedFromConfig(Detector[TerraformPlan]):
    """Resources are destroyed because their block or module disappeared from the configuration.

    ## What it detects
    Deletes whose `action_reason` is `delete_because_no_resource_config`,
    `delete_because_no_module` or `delete_because_no_move_target`: the code that declared the
    resources was deleted, renamed or moved without a `moved` block. Resources of one removed
    module are reported together, at the module's address. `critical` when a data-holding
    resource is among them, `high` otherwise. (Each data-holding resource is also reported
    on its own by TF001.)

    ## Why is this risky?
    Renaming a module or resource looks like a refactor in the code review, but Terraform
    sees an old object to destroy and a new one to create. Nobody typed "destroy".

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "module.app.aws_lb.web", "module_address": "module.app",
       "mode": "managed", "type": "aws_lb", "name": "web",
       "action_reason": "delete_because_no_module",
       "change": {"actions": ["delete"], "before": {"name": "web"}, "after": null}}]}
    ```

    ## Safer alternative
    Declare the rename with a `moved` block, so the plan moves the object instead:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "module.web.aws_lb.web", "previous_address": "module.app.aws_lb.web",
       "module_address": "module.web", "mode": "managed", "type": "aws_lb", "name": "web",
       "change": {"actions": ["no-op"], "before": {"name": "web"}, "after": {"name": "web"}}}]}
    ```

    ## References
    - Terraform `action_reason` values (`delete_because_no_resource_config`, `…_no_module`)
    - Terraform `moved` block documentation
    """

    code = "TF004"
    name = "resource-removed-from-config"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "If this is a rename or a move, add `moved { from = OLD to = NEW }`; if the resource "
        "should survive outside Terraform, use `removed { lifecycle { destroy = false } }`."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        by_module: dict[str, list[ResourceChange]] = defaultdict(list)
        for rc in doc.destroyed:
            if not rc.managed or not rc.is_delete:
                continue
            if rc.action_reason == "delete_because_no_module":
                by_module[rc.module_address or rc.address.rsplit(".", 2)[0]].append(rc)
                continue
            if rc.action_reason not in _ORPHAN_REASONS:
                continue
            yield self.finding(
                f"{rc.address}{environment_label(rc)} will be destroyed because "
                f"{delete_reason(rc)}",
                location(doc, rc),
                evidence=f"action_reason: {rc.action_reason}; actions: {list(rc.actions)}",
                severity=Severity.CRITICAL if is_stateful_terraform(rc.type) else Severity.HIGH,
            )
        for module, changes in by_module.items():
            stateful = [rc.address for rc in changes if is_stateful_terraform(rc.type)]
            shown = ", ".join(rc.address.removeprefix(f"{module}.") for rc in changes[:6])
            more = f" and {len(changes) - 6} more" if len(changes) > 6 else ""
            message = (f"{module}{environment_label(changes[0])}: all {len(changes)} resource(s) "
                       f"of the module will be destroyed because its module call is no longer in "
                       f"the configuration ({shown}{more})")
            if stateful:
                message += f"; {len(stateful)} of them hold data"
            yield self.finding(
                message,
                Location(path=doc.path, address=module),
                evidence="action_reason: delete_because_no_module",
                severity=Severity.CRITICAL if stateful else Severity.HIGH,
            )

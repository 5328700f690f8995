"""TF015: the plan destroys many resources at once."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.terraform_plan import TerraformPlan

#: Destroyed objects (deletes and replaces) at or above which a plan is a mass destroy.
MASS_DESTROY_COUNT = 10
#: Share of the plan's managed resources destroyed at or above which it is a mass destroy.
MASS_DESTROY_SHARE = 0.5
#: A share-based mass destroy needs at least this many destroyed objects.
MASS_DESTROY_MIN_FOR_SHARE = 4


class MassDestroy(Detector[TerraformPlan]):
    """The plan destroys many resources, or most of what it touches.

    ## What it detects
    Plans whose destroyed objects (deletes plus replacements) number at least 10, or at
    least half of the managed resources in the plan when that is 4 or more. The finding lists
    the first destroyed addresses.

    ## Why is this risky?
    A change that tears down a whole environment is rarely what a bug fix or refactor is
    meant to do, and its blast radius is everything in it.

    ## Example
    ```json
{"format_version": "1.2", "resource_changes": [
      {"address": "aws_instance.a", "mode": "managed", "type": "aws_instance", "name": "a",
       "change": {"actions": ["delete"]}},
      {"address": "aws_instance.b", "mode": "managed", "type": "aws_instance", "name": "b",
       "change": {"actions": ["delete"]}},
      {"address": "aws_eip.a", "mode": "managed", "type": "aws_eip", "name": "a",
       "change": {"actions": ["delete"]}},
      {"address": "aws_eip.b", "mode": "managed", "type": "aws_eip", "name": "b",
       "change": {"actions": ["delete"]}},
      {"address": "aws_lb.main", "mode": "managed", "type": "aws_lb", "name": "main",
       "change": {"actions": ["no-op"]}}]}
```

    ## Safer alternative
    Split the work so that each change destroys only what it must:
    ```json
{"format_version": "1.2", "resource_changes": [
      {"address": "aws_instance.a", "mode": "managed", "type": "aws_instance", "name": "a",
       "change": {"actions": ["delete"]}},
      {"address": "aws_instance.b", "mode": "managed", "type": "aws_instance", "name": "b",
       "change": {"actions": ["no-op"]}},
      {"address": "aws_eip.a", "mode": "managed", "type": "aws_eip", "name": "a",
       "change": {"actions": ["no-op"]}},
      {"address": "aws_eip.b", "mode": "managed", "type": "aws_eip", "name": "b",
       "change": {"actions": ["no-op"]}},
      {"address": "aws_lb.main", "mode": "managed", "type": "aws_lb", "name": "main",
       "change": {"actions": ["no-op"]}}]}
```

    ## References
    - Spacelift example policy `check-blast-radius.rego`; OPA Terraform tutorial `blast_radius`
    """

    code = "TF015"
    name = "mass-destroy"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Check that destroying this much is intended; split the change, or target the one "
        "resource that needs to change."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        managed = [rc for rc in doc.resource_changes if rc.managed]
        destroyed = [rc for rc in managed if rc.is_delete]
        if not destroyed:
            return
        share = len(destroyed) / len(managed)
        if len(destroyed) < MASS_DESTROY_COUNT and not (
            share >= MASS_DESTROY_SHARE and len(destroyed) >= MASS_DESTROY_MIN_FOR_SHARE
        ):
            return
        shown = ", ".join(rc.address for rc in destroyed[:5])
        more = f" and {len(destroyed) - 5} more" if len(destroyed) > 5 else ""
        yield self.finding(
            f"Plan destroys {len(destroyed)} of {len(managed)} managed resources "
            f"({share:.0%}): {shown}{more}",
            Location(path=doc.path),
            evidence=f"{len(destroyed)} destroyed, {len(managed)} managed in plan",
        )

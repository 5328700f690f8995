"""TF014: the plan itself is errored, partial or incomplete."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.terraform_plan import TerraformPlan


class UntrustworthyPlan(Detector[TerraformPlan]):
    """The plan errored, is incomplete, cannot be applied, or defers changes.

    ## What it detects
    Plan JSON with `errored: true`, `complete: false`, `applyable: false` or a non-empty
    `deferred_changes` list.

    ## Why is this risky?
    What such a plan shows is not everything the apply will do. A review of it can say
    "nothing dangerous" about changes that are simply missing.

    ## Example
    ```json
    {"format_version": "1.2", "errored": true, "resource_changes": []}
    ```

    ## Safer alternative
    Fix the errors and review a complete plan:
    ```json
    {"format_version": "1.2", "errored": false, "complete": true, "resource_changes": []}
    ```

    ## References
    - Terraform JSON output format: `errored`, `complete`, `applyable`, `deferred_changes`
    """

    code = "TF014"
    name = "untrustworthy-plan"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.MEDIUM
    remediation = "Fix the plan errors or unknowns and review the complete plan again."

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        reasons: list[str] = []
        if doc.errored:
            reasons.append("the plan errored")
        if doc.complete is False:
            reasons.append("the plan is incomplete (complete: false)")
        if doc.applyable is False and not doc.errored:
            reasons.append("the plan cannot be applied (applyable: false)")
        if doc.deferred_changes:
            reasons.append(f"{doc.deferred_changes} change(s) are deferred to a later plan")
        if reasons:
            yield self.finding(
                f"Plan is not trustworthy: {'; '.join(reasons)}; what it shows may not be all "
                "the apply will do",
                Location(path=doc.path),
                evidence=", ".join(reasons),
            )

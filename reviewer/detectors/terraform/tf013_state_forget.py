"""TF013: Terraform stops managing an object (forget / `removed` with `destroy = false`)."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import environment_label, location, side
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.hcl import Block, HclFile, lifecycle, literal_value
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan


def _identity(rc: ResourceChange, which: str) -> tuple[str, str] | None:
    value = side(rc, which).get("id")
    return (rc.type, value) if isinstance(value, str) and value else None


def _forgets(block: Block) -> bool:
    """A `removed` block whose lifecycle says `destroy = false`."""
    value = lifecycle(block).get("destroy")
    return value is not None and literal_value(value, None) is False


class StateForget(Detector[TerraformPlan | HclFile]):
    """Terraform forgets an object: it keeps running but is no longer managed.

    ## What it detects
    Plan actions containing `forget`: `["forget"]` (a `removed` block with
    `lifecycle { destroy = false }`) and `["create", "forget"]` (a replacement whose old
    object is left behind instead of destroyed). In `.tf` files, a `removed` block with
    `lifecycle { destroy = false }` that the change adds. `medium`: nothing is destroyed,
    but the object leaves Terraform's control. A forget paired with an import of the same
    object elsewhere in the plan (a hand-over) is `low`.

    ## Why is this risky?
    A forgotten object keeps running and costing money, keeps its permissions and network
    openings, and drifts from any policy applied through Terraform. After
    `["create", "forget"]` two copies exist, and the orphan still answers on its old
    address.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_instance.legacy", "mode": "managed", "type": "aws_instance",
       "name": "legacy", "change": {"actions": ["forget"], "after": null,
       "before": {"id": "i-0abc", "instance_type": "m5.large"}}}]}
    ```

    ## Safer alternative
    Keep the resource managed, or destroy it deliberately once it is unused:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_instance.legacy", "mode": "managed", "type": "aws_instance",
       "name": "legacy", "change": {"actions": ["no-op"],
       "before": {"id": "i-0abc"}, "after": {"id": "i-0abc"}}}]}
    ```

    ## References
    - Terraform `removed` block documentation (`lifecycle { destroy = false }`)
    - DCG `infrastructure.terraform:state-rm`; OpenTofu `lifecycle.destroy`
    """

    code = "TF013"
    name = "state-forget"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN, InputKind.HCL)
    severity = Severity.MEDIUM
    remediation = (
        "Make sure another stack imports the object, or that someone owns it outside "
        "Terraform; otherwise destroy it deliberately instead of leaving an orphan."
    )

    def detect(self, doc: TerraformPlan | HclFile) -> Iterator[Finding]:
        if isinstance(doc, HclFile):
            yield from self._hcl(doc)
            return
        forgotten = [rc for rc in doc.resource_changes if rc.managed and rc.is_forget]
        if not forgotten:
            return
        imported = {ident for rc in doc.resource_changes if rc.importing
                    for ident in (_identity(rc, "after"), _identity(rc, "before")) if ident}
        for rc in forgotten:
            label = environment_label(rc)
            evidence = f"actions: {list(rc.actions)}"
            ident = _identity(rc, "before")
            if ident is not None and ident in imported:
                yield self.finding(
                    f"{rc.address}{label} is forgotten here and imported elsewhere in the plan "
                    f"(id {ident[1]}): a hand-over", location(doc, rc), evidence=evidence,
                    severity=Severity.LOW)
            elif rc.is_create:
                yield self.finding(
                    f"{rc.address}{label} ({rc.type}) will be replaced and the old object "
                    "forgotten, not destroyed: it keeps running unmanaged next to the new one",
                    location(doc, rc), evidence=evidence)
            else:
                yield self.finding(
                    f"{rc.address}{label} ({rc.type}) will be removed from Terraform state; the "
                    "real object keeps existing, unmanaged", location(doc, rc),
                    evidence=evidence)

    def _hcl(self, doc: HclFile) -> Iterator[Finding]:
        for block in doc.by_type("removed"):
            if not doc.touches(block.line, block.end_line) or not _forgets(block):
                continue
            target = block.attributes.get("from", "").strip() or "a resource"
            yield self.finding(
                f"`removed` block stops managing {target} without destroying it: the object "
                "keeps existing, unmanaged",
                Location(path=doc.path, line=block.line, address=target if target !=
                         "a resource" else None),
                evidence=f"removed {{ from = {target} lifecycle {{ destroy = false }} }}")

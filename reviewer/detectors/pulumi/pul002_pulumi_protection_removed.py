"""PUL002: a Pulumi resource loses `protect`, `retainOnDelete` or a deletion guard."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.pulumi._common import (
    clip,
    location,
    show,
    subject,
    weakened_inputs,
)
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.pulumi import PulumiPreview, Step


def _removed_options(step: Step) -> list[str]:
    """Resource options switched from true to false between the old and new state."""
    old, new = step.old_state, step.new_state
    if old is None or new is None:
        return []
    removed: list[str] = []
    if old.protect and not new.protect:
        removed.append("protect")
    if old.retain_on_delete and not new.retain_on_delete:
        removed.append("retainOnDelete")
    return removed


class PulumiProtectionRemoved(Detector[PulumiPreview]):
    """A Pulumi resource loses `protect` or `retainOnDelete`, or a deletion guard input.

    ## What it detects
    Steps of `pulumi preview --json` whose old state has `protect: true` or
    `retainOnDelete: true` and whose new state does not. Also reported in the same finding:
    inputs of bridged providers that guard against data loss switched off
    (`deletionProtection` → false, `skipFinalSnapshot` → true, `forceDestroy` → true…, the
    camelCase forms of the attributes TF007 reads). Only custom resources are judged: a
    component's options are inherited by its children, which carry their own flags, so
    moving `protect` to a parent raises nothing.

    ## Why is this risky?
    `protect` makes Pulumi refuse to delete a resource and `retainOnDelete` keeps the cloud
    object when Pulumi deletes it. Removing them is the first step of a two-step deletion:
    the next `pulumi up` that drops or replaces the resource destroys it without any
    further warning.

    ## Example
    ```json
    {"steps": [{"op": "same",
      "urn": "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::audit-logs",
      "oldState": {"type": "aws:s3/bucketV2:BucketV2", "custom": true, "protect": true,
       "urn": "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::audit-logs"},
      "newState": {"type": "aws:s3/bucketV2:BucketV2", "custom": true, "protect": false,
       "urn": "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::audit-logs"}}]}
    ```

    ## Safer alternative
    Keep the protection in the change that does other work; unprotect (`pulumi state
    unprotect`) only in a separate, reviewed change that states the removal:
    ```json
    {"steps": [{"op": "same",
      "urn": "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::audit-logs",
      "oldState": {"type": "aws:s3/bucketV2:BucketV2", "custom": true, "protect": true,
       "urn": "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::audit-logs"},
      "newState": {"type": "aws:s3/bucketV2:BucketV2", "custom": true, "protect": true,
       "urn": "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::audit-logs"}}]}
    ```

    ## References
    - Pulumi resource options `protect` and `retainOnDelete`; `pulumi state unprotect`
    - DCG `infrastructure.pulumi:*`; Checkov CKV_AWS_293 (deletion protection), parity with TF007
    """

    code = "PUL002"
    name = "pulumi-protection-removed"
    family = "pulumi"
    kinds = (InputKind.PULUMI,)
    severity = Severity.HIGH
    remediation = (
        "Keep `protect`/`retainOnDelete` and deletion guards on; remove them only in a "
        "separate change whose stated intent is to delete the resource, after a backup."
    )

    def detect(self, doc: PulumiPreview) -> Iterator[Finding]:
        for step in doc.steps:
            if step.old_state is None or step.new_state is None or not step.custom:
                continue
            options = _removed_options(step)
            guards = weakened_inputs(step)
            if not options and not guards:
                continue
            what = [f"{o} is removed" for o in options]
            what += [f"{key} switched to {show(key, after)}" for key, _, after in guards]
            evidence = [f"{o}: true → false" for o in options]
            evidence += [f"{key}: {show(key, before)} → {show(key, after)}"
                         for key, before, after in guards]
            yield self.finding(
                f"{subject(step)}: {', '.join(what)}; a later deletion or replacement is no "
                "longer guarded",
                location(doc, step), evidence=clip([f"op: {step.op}", *evidence]))

"""PUL001: a Pulumi preview deletes or replaces a resource that holds data."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.pulumi._common import (
    SECONDARY_TYPES,
    clip,
    location,
    missing_recovery,
    replace_evidence,
    subject,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.pulumi import PulumiPreview, Step
from reviewer.resources import is_stateful_pulumi

_OPS = frozenset({"delete", "delete-replaced", "replace"})


def _applies(step: Step) -> bool:
    """A custom, managed, stateful object whose deletion is not skipped by retainOnDelete."""
    if step.op not in _OPS or not step.custom or not is_stateful_pulumi(step.type):
        return False
    if step.retained_on_delete:
        return False
    return step.old_state is None or not step.old_state.external


class PulumiDeletesStatefulResource(Detector[PulumiPreview]):
    """A Pulumi preview deletes or replaces a stateful resource (database, bucket, disk, key…).

    ## What it detects
    Steps of `pulumi preview --json` with op `delete` (`critical`), `replace` or
    `delete-replaced` (`high`) on a custom resource whose type token holds data
    (`aws:rds/instance:Instance`, `aws:s3/bucketV2:BucketV2`, `gcp:sql/databaseInstance:…`,
    `kubernetes:core/v1:PersistentVolumeClaim`…), unless the old state has
    `retainOnDelete: true` (Pulumi then leaves the cloud object in place). Replacements show
    the `replaceReasons` and `*-replace` diff paths with their old and new inputs; deletions
    name the protections the object lacked (`skipFinalSnapshot: true`…). Deletes of log
    groups, queues, registries and streams, and of objects left pending deletion by an
    earlier failed replacement, are `high`. Component resources (`custom: false`), external
    (read) resources and `discard` steps, which only touch the state, are ignored.

    ## Why is this risky?
    A deleted database, bucket or disk takes its data with it, and a replacement is a
    delete: the new object starts empty. An input that "forces replacement" (an engine, an
    identifier, encryption) turns a small edit into data loss.

    ## Example
    ```json
    {"steps": [{"op": "delete",
      "urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
      "oldState": {"urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
       "type": "aws:rds/instance:Instance", "custom": true, "id": "orders-db-3f2a9c1",
       "inputs": {"skipFinalSnapshot": true}}}],
     "changeSummary": {"delete": 1}}
    ```

    ## Safer alternative
    Set `retainOnDelete: true` on the resource (deploy that first), so removing it from the
    program only drops it from the stack:
    ```json
    {"steps": [{"op": "delete",
      "urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
      "oldState": {"urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
       "type": "aws:rds/instance:Instance", "custom": true, "id": "orders-db-3f2a9c1",
       "retainOnDelete": true, "inputs": {"skipFinalSnapshot": true}}}],
     "changeSummary": {"delete": 1}}
    ```

    ## References
    - Pulumi step ops (`AppStepEventMetadata`) and the `retainOnDelete` resource option
    - Parity with TF001/TF002 (Spacelift `do-not-delete-stateful-resources.rego`)
    """

    code = "PUL001"
    name = "pulumi-deletes-stateful-resource"
    family = "pulumi"
    kinds = (InputKind.PULUMI,)
    severity = Severity.CRITICAL
    remediation = (
        "Keep the resource, or mark it `protect: true`/`retainOnDelete: true` before removing "
        "it; for a replacement, avoid changing the input named in `replaceReasons` or migrate "
        "the data first."
    )

    def detect(self, doc: PulumiPreview) -> Iterator[Finding]:
        seen: set[tuple[str, bool]] = set()
        for step in doc.steps:
            if not _applies(step):
                continue
            replace = step.op != "delete"
            key = (step.urn, replace)
            if key in seen:  # replace and delete-replaced of the same object
                continue
            seen.add(key)
            yield self._replaced(doc, step) if replace else self._deleted(doc, step)

    def _deleted(self, doc: PulumiPreview, step: Step) -> Finding:
        gaps = missing_recovery(step.old_state)
        message = f"{subject(step)} will be deleted"
        if gaps:
            message += f"; no recovery path: {', '.join(gaps)}"
        evidence = [f"op: {step.op}"]
        if step.old_state is not None and step.old_state.id:
            evidence.append(f"id: {step.old_state.id}")
        evidence += gaps
        severity, confidence = Severity.CRITICAL, Confidence.HIGH
        if step.old_state is not None and step.old_state.delete:
            message += " (an object left pending deletion by an earlier failed replacement)"
            severity, confidence = Severity.HIGH, Confidence.MEDIUM
        elif step.type in SECONDARY_TYPES:
            severity = Severity.HIGH
        return self.finding(message, location(doc, step), evidence=clip(evidence),
                            severity=severity, confidence=confidence)

    def _replaced(self, doc: PulumiPreview, step: Step) -> Finding:
        reasons = replace_evidence(step)
        message = f"{subject(step)} will be replaced: the old object and its data are deleted"
        names = list(dict.fromkeys((*step.replace_reasons, *step.replacing_paths)))
        if names:
            more = f" and {len(names) - 4} more" if len(names) > 4 else ""
            message += f" (replaceReasons: {', '.join(names[:4])}{more})"
        gaps = missing_recovery(step.old_state)
        if gaps:
            message += f"; no recovery path: {', '.join(gaps)}"
        evidence = [f"op: {step.op}", *reasons, *gaps]
        return self.finding(message, location(doc, step), evidence=clip(evidence),
                            severity=Severity.HIGH)

"""CFN002: a resource that holds data is replaced by a new, empty one."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.cloudformation._common import (
    clip,
    detail_text,
    location,
    replacement_fate,
    subject,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet, ResourceChange
from reviewer.resources import is_stateful_cloudformation

_REPLACE_POLICIES = ("ReplaceAndDelete", "ReplaceAndRetain", "ReplaceAndSnapshot")


def _replaces(rc: ResourceChange) -> bool:
    return rc.action == "Modify" and (
        rc.replacement in ("True", "Conditional") or rc.policy_action in _REPLACE_POLICIES)


class StackReplacesStatefulResource(Detector[ChangeSet]):
    """A stateful resource is replaced: a new, empty one is created and the old one deleted.

    ## What it detects
    A change set entry with `Action: Modify` on a type that holds data whose `Replacement`
    is `True` (`critical`) or `Conditional` (`high`), or whose `PolicyAction` is
    `ReplaceAndDelete`. The evidence lists the properties whose change requires recreation
    (`RequiresRecreation: Always` or `Conditionally`) with their before and after values.
    When the old resource is kept (`ReplaceAndRetain`, `ReplaceAndSnapshot`, or an
    `UpdateReplacePolicy` of `Retain`/`Snapshot`), the data survives but the stack switches
    to the new, empty resource: one level lower.

    ## Why is this risky?
    CloudFormation replaces a resource by creating a new one, pointing every reference at
    it and deleting the old one; `DeletionPolicy` does not apply to replacements. Changing
    an "update requires: replacement" property (a DB identifier, an engine, a table's key
    schema, a bucket name) silently turns an edit into data loss.

    ## Example
    ```json
    {"ChangeSetName": "release-42", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Modify", "Replacement": "True",
       "PolicyAction": "ReplaceAndDelete", "LogicalResourceId": "OrdersDB",
       "PhysicalResourceId": "orders-db-prod", "ResourceType": "AWS::RDS::DBInstance",
       "Scope": ["Properties"], "Details": [
        {"Target": {"Attribute": "Properties", "Name": "DBInstanceIdentifier",
         "RequiresRecreation": "Always", "BeforeValue": "orders-db-prod",
         "AfterValue": "orders-db-prod-v2"}, "Evaluation": "Static",
         "ChangeSource": "DirectModification"}]}}]}
    ```

    ## Safer alternative
    Change only properties that update in place (or migrate the data to a new resource and
    switch over first), and set `UpdateReplacePolicy: Snapshot` or `Retain` on stateful
    resources:
    ```json
    {"ChangeSetName": "release-42", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Modify", "Replacement": "False",
       "LogicalResourceId": "OrdersDB", "PhysicalResourceId": "orders-db-prod",
       "ResourceType": "AWS::RDS::DBInstance", "Scope": ["Properties"], "Details": [
        {"Target": {"Attribute": "Properties", "Name": "DBInstanceClass",
         "RequiresRecreation": "Never", "BeforeValue": "db.r6g.large",
         "AfterValue": "db.r6g.xlarge"}, "Evaluation": "Static",
         "ChangeSource": "DirectModification"}]}}]}
    ```

    ## References
    - cfn-lint I3011 (stateful resource without Delete/UpdateReplace policies)
    - CDK `cdk diff` "requires replacement" (prefer `--method change-set`: template mode
      overstates replacements)
    - AWS CloudFormation `UpdateReplacePolicy` attribute; API `ResourceTargetDefinition`
    """

    code = "CFN002"
    name = "stack-replaces-stateful-resource"
    family = "cloudformation"
    kinds = (InputKind.CLOUDFORMATION,)
    severity = Severity.CRITICAL
    remediation = (
        "Avoid changing the property that forces replacement (see the evidence), or migrate "
        "the data to a new resource first; set `UpdateReplacePolicy: Snapshot` or `Retain`."
    )

    def detect(self, doc: ChangeSet) -> Iterator[Finding]:
        for rc in doc.changes:
            if not _replaces(rc) or not is_stateful_cloudformation(rc.resource_type):
                continue
            fate = replacement_fate(rc)
            certain = rc.replacement == "True"
            conflicting = rc.replacement not in ("True", "Conditional")  # only PolicyAction
            deletes = fate.outcome == "delete"
            if certain:
                severity = Severity.CRITICAL if deletes else Severity.HIGH
            else:
                severity = Severity.HIGH if deletes else Severity.MEDIUM
            confidence = Confidence.HIGH if fate.known and not conflicting else Confidence.MEDIUM
            verb = "will be replaced" if certain else "may be replaced"
            if deletes:
                what = "a new, empty resource is created and the old one deleted"
            elif fate.outcome == "retain":
                what = ("the old one is retained outside the stack, and the stack switches to "
                        "a new, empty resource")
            else:
                what = ("the old one is deleted after a snapshot, and the stack switches to a "
                        "new, empty resource")
            causes = rc.replacing_details
            message = f"{subject(doc, rc)} {verb}: {what}"
            if causes:
                names = sorted({d.name or d.label for d in causes})
                message += f" (because of {', '.join(names[:4])}"
                message += f" and {len(names) - 4} more)" if len(names) > 4 else ")"
            evidence = [f"Replacement: {rc.replacement or '(none)'}", fate.source]
            evidence += [detail_text(d) for d in causes]
            yield self.finding(message, location(doc, rc), evidence=clip(evidence),
                               severity=severity, confidence=confidence)

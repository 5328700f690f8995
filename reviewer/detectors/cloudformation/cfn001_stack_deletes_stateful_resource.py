"""CFN001: a resource that holds data is removed from the stack and deleted."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.cloudformation._common import (
    NESTED_STACK,
    SECONDARY_TYPES,
    clip,
    is_protected,
    location,
    one_line,
    properties,
    protections,
    removal_fate,
    subject,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet, ResourceChange
from reviewer.resources import is_stateful_cloudformation


class StackDeletesStatefulResource(Detector[ChangeSet]):
    """A stateful resource (database, bucket, table, volume, key…) is removed and deleted.

    ## What it detects
    A change set entry with `Action: Remove` on a type that holds data
    (`AWS::RDS::DBInstance`, `AWS::DynamoDB::Table`, `AWS::S3::Bucket`, `AWS::EC2::Volume`,
    `AWS::KMS::Key`… cfn-lint's stateful list) whose physical resource is deleted:
    `PolicyAction: Delete`, or, without a `PolicyAction`, a `DeletionPolicy` of `Delete` in
    the `BeforeContext` or none at all (CloudFormation's default, except `Snapshot` for RDS
    clusters and for DB instances outside a cluster). `critical`; `high` for log groups,
    queues and streams, for the removal of a nested stack (whose children this change set
    does not show), for a DB instance whose data lives in its cluster and for a resource
    whose deletion protection is still on. A `Retain` or `Snapshot` policy keeps the data:
    the removal is reported at `medium` (the resource keeps running and costing outside the
    stack, or is deleted after a final snapshot).

    ## Why is this risky?
    Removing a resource from a template deletes it on the next deploy. Without a snapshot
    the data is gone, and the outage lasts as long as the rebuild. A refactor that renames a
    logical id removes the old resource the same way.

    ## Example
    ```json
    {"ChangeSetName": "release-42", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Remove", "PolicyAction": "Delete",
       "LogicalResourceId": "OrdersTable", "PhysicalResourceId": "orders",
       "ResourceType": "AWS::DynamoDB::Table", "Scope": [], "Details": []}}]}
    ```

    ## Safer alternative
    Keep the resource in the template, or give it `DeletionPolicy: Retain` in a deploy
    before the one that removes it, so the removal only takes it out of the stack:
    ```json
    {"ChangeSetName": "release-42", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Modify", "Replacement": "False",
       "LogicalResourceId": "OrdersTable", "PhysicalResourceId": "orders",
       "ResourceType": "AWS::DynamoDB::Table", "Scope": ["Properties"], "Details": [
        {"Target": {"Attribute": "Properties", "Name": "BillingMode",
         "RequiresRecreation": "Never"}, "Evaluation": "Static",
         "ChangeSource": "DirectModification"}]}}]}
    ```

    ## References
    - cfn-lint I3011 / W3011 and `StatefulResources.json` (stateful types, DeletionPolicy)
    - AWS CloudFormation `DeletionPolicy` attribute (defaults, the RDS `Snapshot` exception)
    - AWS CloudFormation API `ResourceChange.PolicyAction`
    """

    code = "CFN001"
    name = "stack-deletes-stateful-resource"
    family = "cloudformation"
    kinds = (InputKind.CLOUDFORMATION,)
    severity = Severity.CRITICAL
    remediation = (
        "Set `DeletionPolicy: Retain` (or `Snapshot`) and deploy it before removing the "
        "resource, or keep it in the template; take a backup first if the deletion is intended."
    )

    def detect(self, doc: ChangeSet) -> Iterator[Finding]:
        for rc in doc.changes:
            if not rc.is_remove or not is_stateful_cloudformation(rc.resource_type):
                continue
            fate = removal_fate(rc)
            evidence = ["Action: Remove", fate.source]
            if rc.physical_id:
                evidence.append(f"PhysicalResourceId: {one_line(rc.physical_id, 80)}")
            where = location(doc, rc)
            if fate.outcome == "retain":
                yield self.finding(
                    f"{subject(doc, rc)} is removed from the stack but retained: it keeps "
                    "running, and costing, outside CloudFormation",
                    where, evidence=clip(evidence), severity=Severity.MEDIUM,
                    confidence=Confidence.HIGH if fate.known else Confidence.MEDIUM)
                continue
            if fate.outcome == "snapshot":
                yield self.finding(
                    f"{subject(doc, rc)} is removed from the stack and deleted after a final "
                    "snapshot",
                    where, evidence=clip(evidence), severity=Severity.MEDIUM,
                    confidence=Confidence.HIGH if fate.known else Confidence.MEDIUM)
                continue
            yield self._deleted(doc, rc, evidence, fate.known)

    def _deleted(self, doc: ChangeSet, rc: ResourceChange, evidence: list[str],
                 known: bool) -> Finding:
        message = f"{subject(doc, rc)} is removed from the stack and deleted"
        severity = Severity.CRITICAL
        confidence = Confidence.HIGH if known else Confidence.MEDIUM
        props = properties(rc.before_context) or {}
        guards = [name for name, value in protections(props).items() if is_protected(value)]
        cluster = props.get("DBClusterIdentifier")
        if rc.resource_type == NESTED_STACK:
            message += ("; every resource of the nested stack goes with it, and its own "
                        "change set is not part of this review")
            severity, confidence = Severity.HIGH, Confidence.MEDIUM
            if rc.change_set_id:
                evidence.append(f"nested change set {one_line(rc.change_set_id, 120)}")
        elif rc.resource_type == "AWS::RDS::DBInstance" and isinstance(cluster, str):
            message += f"; its data lives in DB cluster {one_line(cluster, 80)}"
            severity = Severity.HIGH
        elif guards:
            message += (f"; the deletion fails while {', '.join(guards)} is on, and succeeds "
                        "once it is switched off")
            severity = Severity.HIGH
            evidence.append(", ".join(f"{g}: on" for g in guards))
        elif rc.resource_type in SECONDARY_TYPES:
            severity = Severity.HIGH
        return self.finding(message, location(doc, rc), evidence=clip(evidence),
                            severity=severity, confidence=confidence)

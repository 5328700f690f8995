"""CFN003: a DeletionPolicy, UpdateReplacePolicy or deletion protection is weakened."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.cloudformation._common import (
    PROTECTIVE_POLICIES,
    SNAPSHOT_TYPES,
    Transition,
    clip,
    dev_only,
    is_protected,
    is_unprotected,
    location,
    policy_transition,
    property_transitions,
    subject,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet, ResourceChange
from reviewer.resources import is_stateful_cloudformation

_CONSEQUENCE = {
    "DeletionPolicy": "removing it from the template (or deleting the stack) now deletes it",
    "UpdateReplacePolicy": "a replacement now deletes the old resource",
}


def _shown(value: str | None, defaulted: bool) -> str:
    if value is None:
        return "(unknown)"
    return f"{value} (default)" if defaulted else value


class StackProtectionWeakened(Detector[ChangeSet]):
    """A resource's DeletionPolicy, UpdateReplacePolicy or deletion protection is weakened.

    ## What it detects
    Modify entries of a change set that switch a guard off:
    - `DeletionPolicy` or `UpdateReplacePolicy` going from `Retain`, `RetainExceptOnCreate`
      or `Snapshot` to `Delete` (set explicitly, or removed so that the default applies;
      adding `DeletionPolicy: Delete` to an RDS cluster or standalone DB instance replaces
      the default `Snapshot`). Read from the Details' before/after values or from the
      Before/AfterContext. `high` on stateful types, `medium` on others;
    - deletion or termination protection switched off: `DeletionProtection` (RDS, DocDB,
      Neptune, QLDB; Cognito `ACTIVE` → `INACTIVE`), `DeletionProtectionEnabled` (DynamoDB,
      log groups), `DisableApiTermination` (EC2), EMR `TerminationProtected`, ELBv2
      `deletion_protection.enabled` going to false or removed: `high`.

    In a stack named only as a dev/test stack (stack name or `Environment` parameter) the
    finding is `medium` (CDK `RemovalPolicy.DESTROY` in dev stacks). A new value that is
    not known from the change set is reported at `medium` with low confidence.

    ## Why is this risky?
    These guards are what keeps the next deploy, a renamed logical id or a stack deletion
    from destroying the data. Switching one off is the first step of every two-step
    deletion, and it usually passes review because nothing is deleted yet.

    ## Example
    ```json
    {"ChangeSetName": "release-43", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Modify", "Replacement": "False",
       "LogicalResourceId": "OrdersDB", "PhysicalResourceId": "orders-db-prod",
       "ResourceType": "AWS::RDS::DBInstance", "Scope": ["DeletionPolicy"], "Details": [
        {"Target": {"Attribute": "DeletionPolicy", "RequiresRecreation": "Never",
         "AttributeChangeType": "Modify", "BeforeValue": "Retain", "AfterValue": "Delete"},
         "Evaluation": "Static", "ChangeSource": "DirectModification"}]}}]}
    ```

    ## Safer alternative
    Keep the guard; when a resource really must go, switch it off in its own reviewed
    change whose stated intent is the removal:
    ```json
    {"ChangeSetName": "release-43", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Modify", "Replacement": "False",
       "LogicalResourceId": "OrdersDB", "PhysicalResourceId": "orders-db-prod",
       "ResourceType": "AWS::RDS::DBInstance", "Scope": ["DeletionPolicy"], "Details": [
        {"Target": {"Attribute": "DeletionPolicy", "RequiresRecreation": "Never",
         "AttributeChangeType": "Modify", "BeforeValue": "Retain", "AfterValue": "Snapshot"},
         "Evaluation": "Static", "ChangeSource": "DirectModification"}]}}]}
    ```

    ## References
    - cfn-lint W3011 (UpdateReplacePolicy and DeletionPolicy on stateful resources)
    - Checkov CKV_AWS_293 (RDS deletion protection); AWS stack-policy and
      termination-protection documentation
    """

    code = "CFN003"
    name = "stack-protection-weakened"
    family = "cloudformation"
    kinds = (InputKind.CLOUDFORMATION,)
    severity = Severity.HIGH
    remediation = (
        "Keep `DeletionPolicy`/`UpdateReplacePolicy` at `Retain` or `Snapshot` and deletion "
        "protection on; weaken them only in a separate change that states the removal."
    )

    def detect(self, doc: ChangeSet) -> Iterator[Finding]:
        dev = dev_only(doc)
        for rc in doc.changes:
            if rc.action != "Modify":
                continue
            stateful = is_stateful_cloudformation(rc.resource_type)
            for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
                t = policy_transition(rc, attribute)
                if t is None or t.before not in PROTECTIVE_POLICIES:
                    continue
                finding = self._policy(doc, rc, t, stateful=stateful, dev=dev)
                if finding is not None:
                    yield finding
            for t in property_transitions(rc):
                if not is_protected(t.before):
                    continue
                finding = self._property(doc, rc, t, dev=dev)
                if finding is not None:
                    yield finding

    def _policy(self, doc: ChangeSet, rc: ResourceChange, t: Transition, *,
                stateful: bool, dev: bool) -> Finding | None:
        evidence = [f"{t.name}: {t.before} → {_shown(t.after, t.defaulted)}"]
        if t.after is None:
            if not stateful:
                return None
            return self.finding(
                f"{subject(doc, rc)}: {t.name} {t.before} is changed and the new value is not "
                "shown in the change set",
                location(doc, rc), evidence=clip(evidence), severity=Severity.MEDIUM,
                confidence=Confidence.LOW)
        weak = t.after == "Delete" or (t.after == "Snapshot"
                                       and rc.resource_type not in SNAPSHOT_TYPES)
        if not weak:
            return None
        severity = Severity.HIGH if stateful and not dev else Severity.MEDIUM
        change = f"is removed (default {t.after})" if t.defaulted else \
            f"goes from {t.before} to {t.after}"
        return self.finding(
            f"{subject(doc, rc)}: {t.name} {change}; {_CONSEQUENCE[t.name]}",
            location(doc, rc), evidence=clip(evidence), severity=severity)

    def _property(self, doc: ChangeSet, rc: ResourceChange, t: Transition, *,
                  dev: bool) -> Finding | None:
        after = "(removed: default off)" if t.after is None and t.defaulted else \
            _shown(t.after, False)
        evidence = [f"{t.name}: {t.before} → {after}"]
        if is_unprotected(t.after) or (t.after is None and t.defaulted):
            how = "is removed (default off)" if t.after is None else f"is switched off " \
                f"({t.before} → {t.after})"
            return self.finding(
                f"{subject(doc, rc)}: {t.name} {how}; the resource can now be deleted",
                location(doc, rc), evidence=clip(evidence),
                severity=Severity.MEDIUM if dev else Severity.HIGH)
        if is_protected(t.after):
            return None
        return self.finding(
            f"{subject(doc, rc)}: {t.name} is changed to a value known only at deploy time and "
            "may switch the protection off",
            location(doc, rc), evidence=clip(evidence), severity=Severity.MEDIUM,
            confidence=Confidence.LOW)

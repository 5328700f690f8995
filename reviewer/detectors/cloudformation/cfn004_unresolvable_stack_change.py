"""CFN004: the change set cannot say what a change will do until it runs."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.cloudformation._common import (
    NESTED_STACK,
    clip,
    detail_text,
    location,
    one_line,
    subject,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet, ResourceChange
from reviewer.resources import is_stateful_cloudformation

_RECREATES = ("Always", "Conditionally")
_REPLACE_POLICIES = ("ReplaceAndDelete", "ReplaceAndRetain", "ReplaceAndSnapshot")


def _covered_by_cfn002(rc: ResourceChange, stateful: bool) -> bool:
    """A stateful replacement is CFN002's finding already; do not report it twice."""
    return stateful and rc.action == "Modify" and (
        rc.replacement in ("True", "Conditional") or rc.policy_action in _REPLACE_POLICIES)


def _reasons(rc: ResourceChange, stateful: bool) -> tuple[list[str], list[str]]:
    """(reasons in words, evidence) for one resource change."""
    reasons: list[str] = []
    evidence: list[str] = []
    if rc.action == "Dynamic":
        reasons.append("its action (add, modify or remove) is only decided when the change "
                       "set runs")
        evidence.append("Action: Dynamic")
    if rc.action == "SyncWithActual":
        reasons.append("its template definition is reset to the resource's drifted actual "
                       "state")
        evidence.append("Action: SyncWithActual")
    if rc.action == "Modify":
        dynamic = [d for d in rc.details
                   if d.evaluation == "Dynamic" and d.requires_recreation in _RECREATES]
        if dynamic and not _covered_by_cfn002(rc, stateful):
            reasons.append("a property that forces recreation depends on a value resolved "
                           "only at deploy time")
            evidence += [detail_text(d, values=False) for d in dynamic[:3]]
        if rc.resource_type == NESTED_STACK and any(
                d.change_source == "Automatic" for d in rc.details):
            if rc.change_set_id:
                reasons.append("the nested stack is re-evaluated and its changes are in a "
                               "nested change set that is not part of this review")
                evidence.append(f"nested change set {one_line(rc.change_set_id, 120)}")
            else:
                reasons.append("the nested stack is re-evaluated and its changes were not "
                               "computed (create the change set with --include-nested-stacks)")
                evidence.append("ChangeSource: Automatic")
    return reasons, evidence


class UnresolvableStackChange(Detector[ChangeSet]):
    """The change set cannot say what a resource change will do until it is executed.

    ## What it detects
    Resource changes whose effect is only decided at execution: `Action: Dynamic`;
    `Action: SyncWithActual` (drift reset); a Modify whose Detail has `Evaluation: Dynamic`
    with `RequiresRecreation` `Always` or `Conditionally` (a `Ref`/`Fn::GetAtt` that may
    force a replacement); a nested stack (`AWS::CloudFormation::Stack`) re-evaluated with
    `ChangeSource: Automatic`, whose own changes are in a nested change set this review does
    not see. `medium`; `high` when the resource holds data (a nested stack counts as a
    container, not as data). Stateful replacements are left to CFN002.

    ## Why is this risky?
    The reviewer approves what the change set shows. A dynamic change can turn into a
    replacement, and a nested stack's changes (deletions included) are invisible from the
    parent change set unless they are reviewed too.

    ## Example
    ```json
    {"ChangeSetName": "release-42", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Dynamic",
       "LogicalResourceId": "OrdersQueuePolicy", "ResourceType": "AWS::SQS::QueuePolicy",
       "Scope": [], "Details": []}}]}
    ```

    ## Safer alternative
    Resolve the value before creating the change set (a literal or a parameter instead of
    a reference to a resource being replaced), so the change is static:
    ```json
    {"ChangeSetName": "release-42", "StackName": "orders-prod", "Changes": [
      {"Type": "Resource", "ResourceChange": {"Action": "Modify", "Replacement": "False",
       "LogicalResourceId": "OrdersQueuePolicy", "ResourceType": "AWS::SQS::QueuePolicy",
       "Scope": ["Properties"], "Details": [
        {"Target": {"Attribute": "Properties", "Name": "PolicyDocument",
         "RequiresRecreation": "Never"}, "Evaluation": "Static",
         "ChangeSource": "DirectModification"}]}}]}
    ```

    ## References
    - AWS CloudFormation API `ResourceChange` (`Dynamic`, `SyncWithActual`) and
      `ResourceChangeDetail` (`Evaluation`, `ChangeSource: Automatic`)
    - AWS CloudFormation nested change sets (`--include-nested-stacks`)
    """

    code = "CFN004"
    name = "unresolvable-stack-change"
    family = "cloudformation"
    kinds = (InputKind.CLOUDFORMATION,)
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    remediation = (
        "Review the nested change sets too, and replace references to resources that change "
        "with resolved values so the change set shows the real action."
    )

    def detect(self, doc: ChangeSet) -> Iterator[Finding]:
        for rc in doc.changes:
            if rc.action not in ("Dynamic", "SyncWithActual", "Modify"):
                continue
            stateful = is_stateful_cloudformation(rc.resource_type) and \
                rc.resource_type != NESTED_STACK
            reasons, evidence = _reasons(rc, stateful)
            if not reasons:
                continue
            escalate = stateful and rc.action != "SyncWithActual"
            yield self.finding(
                f"{subject(doc, rc)}: the change set cannot say what happens: "
                f"{'; '.join(reasons)}",
                location(doc, rc), evidence=clip(evidence),
                severity=Severity.HIGH if escalate else None)

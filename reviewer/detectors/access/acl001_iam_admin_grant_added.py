"""ACL001: an IAM wildcard or administrator grant is added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reviewer.detectors.access._common import (
    Risk,
    Statement,
    as_list,
    cfn_changes,
    cfn_location,
    cfn_properties,
    compact,
    load_document,
    risk_findings,
    statements,
    str_list,
    tf_before,
    tf_changes,
    tf_location,
    type_filter,
    unchanged,
)
from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.terraform_plan import TerraformPlan

#: Services whose wildcards manage permissions or identities.
_PERMISSION_SERVICES = frozenset({
    "iam", "sts", "organizations", "sso", "sso-directory", "identitystore", "kms", "account",
})
#: Verb prefixes of read-only actions (a wildcard after them stays read-only).
_READ_PREFIXES = ("get", "list", "describe", "view", "read", "search", "lookup", "query",
                  "scan", "batchget", "select", "head", "check", "filter", "simulate",
                  "generate")
#: Single actions that let the holder grant itself more (privilege escalation paths).
_ESCALATION = frozenset({
    "iam:passrole", "iam:createpolicyversion", "iam:setdefaultpolicyversion",
    "iam:attachuserpolicy", "iam:attachrolepolicy", "iam:attachgrouppolicy",
    "iam:putuserpolicy", "iam:putrolepolicy", "iam:putgrouppolicy", "iam:createaccesskey",
    "iam:createloginprofile", "iam:updateloginprofile", "iam:updateassumerolepolicy",
    "iam:addusertogroup", "iam:deleterolepermissionsboundary",
    "iam:deleteuserpermissionsboundary",
})
_ADMIN_POLICY = re.compile(
    r"^arn:aws[\w-]*:iam::aws:policy/(?:[\w+=,.@-]+/)*"
    r"(AdministratorAccess|IAMFullAccess|PowerUserAccess)$")
_ADMIN_POLICY_CONFIDENCE = {
    "AdministratorAccess": Confidence.HIGH,
    "IAMFullAccess": Confidence.HIGH,
    "PowerUserAccess": Confidence.MEDIUM,
}

_AWS_DOCUMENTS = {
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
}
_AWS_ARNS = {
    "aws_iam_role_policy_attachment": "policy_arn",
    "aws_iam_user_policy_attachment": "policy_arn",
    "aws_iam_group_policy_attachment": "policy_arn",
    "aws_iam_policy_attachment": "policy_arn",
    "aws_ssoadmin_managed_policy_attachment": "managed_policy_arn",
    "aws_iam_role_policy_attachments_exclusive": "policy_arns",
    "aws_iam_user_policy_attachments_exclusive": "policy_arns",
    "aws_iam_group_policy_attachments_exclusive": "policy_arns",
    "aws_iam_role": "managed_policy_arns",
}
_SUBJECT_KEYS = ("role", "user", "group", "roles", "users", "groups", "role_name",
                 "user_name", "group_name", "permission_set_arn")

#: GCP roles that own the project (basic roles) or manage its IAM.
_GCP_BASIC = frozenset({"roles/owner", "roles/editor"})
_GCP_IAM_ADMIN = frozenset({
    "roles/iam.securityAdmin", "roles/resourcemanager.organizationAdmin",
    "roles/resourcemanager.projectIamAdmin", "roles/resourcemanager.folderAdmin",
    "roles/resourcemanager.folderIamAdmin", "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountKeyAdmin", "roles/iam.workloadIdentityPoolAdmin",
})
_GCP_HIERARCHY = ("google_project_iam_", "google_folder_iam_", "google_organization_iam_")

#: Azure built-in roles that can grant access, by name and by definition GUID.
_AZURE_ROLES = {
    "owner": "Owner",
    "user access administrator": "User Access Administrator",
    "role based access control administrator": "Role Based Access Control Administrator",
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
_AZURE_BROAD_SCOPE = re.compile(
    r"^(/|/subscriptions/[^/]+/?|/providers/microsoft\.management/managementgroups/[^/]+/?)$",
    re.IGNORECASE)

#: Every attribute a grant is read from (an update that keeps them all adds no grant).
_GRANT_KEYS = (*set(_AWS_DOCUMENTS.values()), *set(_AWS_ARNS.values()), *_SUBJECT_KEYS,
               "inline_policy", "name", "role", "member", "members", "policy_data",
               "condition", "scope", "role_definition_name", "role_definition_id",
               "principal_id", "permissions", "assignable_scopes")

_WANTED = type_filter(
    (*_AWS_DOCUMENTS, *_AWS_ARNS, "azurerm_role_assignment", "azurerm_role_definition"),
    prefixes=("google_",), suffixes=("_iam_member", "_iam_binding", "_iam_policy"))

_CFN_TYPES = frozenset({
    "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy", "AWS::IAM::Role", "AWS::IAM::User",
    "AWS::IAM::Group", "AWS::SSO::PermissionSet",
})


def _statement_risks(stmt: Statement, subject: str) -> Iterator[Risk]:
    """Wildcard, administrator and escalation grants of one Allow statement on ``*``."""
    if not stmt.allows or not stmt.any_resource:
        return
    where = 'NotResource' if stmt.not_resource else 'Resource "*"'
    found: list[tuple[str, str, Confidence]] = []
    if stmt.not_action:
        found.append(("notaction", f"allows every action except its NotAction list on {where}",
                      Confidence.MEDIUM))
    escalation: list[str] = []
    for name in stmt.action_names:
        action = name.lower()
        service, _, verb = action.partition(":")
        if action in ("*", "*:*"):
            found = [("admin", f'grants Action "*" on {where} (full administrator access)',
                      Confidence.HIGH)]
            escalation = []
            break
        if verb == "*":
            conf = Confidence.HIGH if service in _PERMISSION_SERVICES else Confidence.MEDIUM
            found.append((f"service:{service}", f'grants "{name}" on {where}', conf))
        elif ("*" in verb or "?" in verb) and service in _PERMISSION_SERVICES \
                and not verb.startswith(_READ_PREFIXES):
            found.append((f"wild:{action}",
                          f'grants permission-management wildcard "{name}" on {where}',
                          Confidence.HIGH))
        elif action in _ESCALATION:
            escalation.append(name)
    if escalation:
        only_pass = all(a.lower() == "iam:passrole" for a in escalation)
        found.append((f"esc:{','.join(sorted(a.lower() for a in escalation))}",
                      f"grants privilege-escalation action{'s' if len(escalation) > 1 else ''} "
                      f"{', '.join(escalation)} on {where}",
                      Confidence.MEDIUM if only_pass else Confidence.HIGH))
    for key, message, confidence in found:
        if stmt.conditions:
            keys = ", ".join(sorted(stmt.condition_keys()))
            yield Risk(f"{subject}|{key}|cond", f"{message} (only under condition {keys})",
                       stmt.evidence(), Severity.MEDIUM, Confidence.MEDIUM)
        else:
            yield Risk(f"{subject}|{key}", message, stmt.evidence(), None, confidence)


def _document_risks(document: Any, subject: str) -> list[Risk]:
    return [r for s in statements(document) for r in _statement_risks(s, subject)]


def _arn_risks(arns: list[str], subject: str) -> list[Risk]:
    out: list[Risk] = []
    for arn in arns:
        match = _ADMIN_POLICY.match(arn)
        if match:
            name = match.group(1)
            out.append(Risk(f"{subject}|arn:{name}", f"attaches the AWS managed policy {name}",
                            arn, None, _ADMIN_POLICY_CONFIDENCE[name]))
    return out


def _subject(attrs: dict[str, Any]) -> str:
    return ";".join(compact(attrs.get(k)) for k in _SUBJECT_KEYS if attrs.get(k) is not None)


def _gcp_members(rtype: str, attrs: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(role, member, conditional) triples granted by a google_*_iam_* resource."""
    if rtype.endswith("_iam_policy"):
        policy = load_document(attrs.get("policy_data")) or {}
        out: list[tuple[str, str, bool]] = []
        for binding in as_list(policy.get("bindings")):
            if isinstance(binding, dict):
                role = str(binding.get("role", ""))
                cond = bool(binding.get("condition"))
                out.extend((role, m, cond) for m in str_list(binding.get("members")))
        return out
    value = attrs.get("role")
    if not isinstance(value, str):
        return []
    role = value
    cond = bool(attrs.get("condition"))
    members = str_list(attrs.get("members")) if rtype.endswith("_iam_binding") \
        else str_list(attrs.get("member"))
    return [(role, m, cond) for m in members]


def _gcp_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    hierarchy = rtype.startswith(_GCP_HIERARCHY)
    out: list[Risk] = []
    for role, member, conditional in _gcp_members(rtype, attrs):
        if member.startswith("deleted:"):
            continue
        if role in _GCP_BASIC:
            what = f"grants the basic role {role} to {member}"
        elif hierarchy and role in _GCP_IAM_ADMIN:
            what = f"grants the IAM-administration role {role} to {member}"
        else:
            continue
        if conditional:
            out.append(Risk(f"{role}|{member}|cond", f"{what} (under an IAM condition)",
                            f"role: {role}; member: {member}", Severity.MEDIUM,
                            Confidence.MEDIUM))
        else:
            out.append(Risk(f"{role}|{member}", what, f"role: {role}; member: {member}"))
    return out


def _azure_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    if rtype == "azurerm_role_definition":
        scopes = [*str_list(attrs.get("scope")), *str_list(attrs.get("assignable_scopes"))]
        actions = [a for p in as_list(attrs.get("permissions")) if isinstance(p, dict)
                   for a in str_list(p.get("actions"))]
        if "*" in actions and any(_AZURE_BROAD_SCOPE.match(s) for s in scopes):
            return [Risk("role-definition:*",
                         'defines a custom role with actions ["*"] assignable at '
                         "subscription scope", compact({"actions": actions, "scopes": scopes}))]
        return []
    scope = attrs.get("scope")
    if not isinstance(scope, str) or not _AZURE_BROAD_SCOPE.match(scope):
        return []
    name = attrs.get("role_definition_name")
    role: str | None = _AZURE_ROLES.get(name.lower()) if isinstance(name, str) else None
    definition = attrs.get("role_definition_id")
    if role is None and isinstance(definition, str):
        role = _AZURE_ROLES.get(definition.rstrip("/").rsplit("/", 1)[-1].lower())
    if role is None:
        return []
    principal = str(attrs.get("principal_id") or "(known after apply)")
    level = "the root management group" if scope == "/" else (
        "management-group" if "managementgroups" in scope.lower() else "subscription")
    return [Risk(f"{role}|{scope}|{principal}",
                 f"assigns {role} at {level} scope to principal {principal}",
                 f"role: {role}; scope: {scope}")]


def tf_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    """Administrator grants carried by one side of a Terraform resource."""
    if rtype.startswith("google_"):
        return _gcp_risks(rtype, attrs)
    if rtype.startswith("azurerm_"):
        return _azure_risks(rtype, attrs)
    subject = _subject(attrs)
    out: list[Risk] = []
    if rtype in _AWS_DOCUMENTS:
        out += _document_risks(attrs.get(_AWS_DOCUMENTS[rtype]), subject)
    if rtype == "aws_iam_role":
        name = str(attrs.get("name", ""))
        for inline in as_list(attrs.get("inline_policy")):
            if isinstance(inline, dict):
                out += _document_risks(inline.get("policy"),
                                       f"{name};{inline.get('name', '')}")
        subject = name
    if rtype in _AWS_ARNS:
        out += _arn_risks(str_list(attrs.get(_AWS_ARNS[rtype])), subject)
    return out


def cfn_risks(props: dict[str, Any]) -> list[Risk]:
    """Administrator grants carried by one side of a CloudFormation IAM resource."""
    out = _document_risks(props.get("PolicyDocument"), "")
    for policy in as_list(props.get("Policies")):
        if isinstance(policy, dict):
            out += _document_risks(policy.get("PolicyDocument"),
                                   str(policy.get("PolicyName", "")))
    out += _document_risks(props.get("InlinePolicy"), "inline")
    out += _arn_risks([*str_list(props.get("ManagedPolicyArns")),
                       *str_list(props.get("ManagedPolicies"))], "")
    return out


class IamAdminGrantAdded(Detector[TerraformPlan | ChangeSet]):
    """An IAM policy, attachment or role binding grants administrator or wildcard access.

    ## What it detects
    Grants the change adds (created resources, or statements/bindings an update introduces):
    - AWS policies (`aws_iam_policy`, `aws_iam_role_policy`, inline role policies, SSO
      permission sets, CloudFormation `AWS::IAM::*`) with an `Allow` statement on
      `Resource: "*"` whose actions are `"*"`, `service:*`, a `NotAction` list, a
      permission-management wildcard (`iam:Put*`, `iam:*Policy`) or a privilege-escalation
      action (`iam:PassRole`, `iam:CreatePolicyVersion`, `iam:AttachRolePolicy`…);
    - attachments of the AWS managed `AdministratorAccess`, `IAMFullAccess` or
      `PowerUserAccess` policies;
    - GCP basic roles (`roles/owner`, `roles/editor`) and IAM-administration roles at
      project, folder or organization level;
    - Azure `Owner`, `User Access Administrator` or `Role Based Access Control
      Administrator` assigned at subscription, management-group or root scope, and custom
      role definitions with `actions = ["*"]` there.

    Read-only wildcards (`ec2:Describe*`, `s3:Get*`, `logs:List*`) are not reported. A grant
    that is limited by a `Condition` (MFA, source IP, an IAM condition) is reported at
    `medium`. Grants already present before an update are not reported again.

    ## Why is this risky?
    A wildcard or administrator grant turns any compromise of the identity (a leaked CI
    token, an SSRF on an instance role) into a compromise of the whole account or project,
    and permission-management actions let the holder grant itself everything else.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_iam_role_policy.deployer", "mode": "managed",
       "type": "aws_iam_role_policy", "name": "deployer", "change": {"actions": ["create"],
       "before": null, "after": {"role": "deployer", "policy":
       "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"*\\",\\"Resource\\":\\"*\\"}]}"}}}]}
    ```

    ## Safer alternative
    Grant the specific actions on the specific resources the workload uses:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_iam_role_policy.deployer", "mode": "managed",
       "type": "aws_iam_role_policy", "name": "deployer", "change": {"actions": ["create"],
       "before": null, "after": {"role": "deployer", "policy":
       "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"ecs:UpdateService\\",\\"ecs:DescribeServices\\"],\\"Resource\\":\\"arn:aws:ecs:eu-west-1:123456789012:service/prod/api\\"}]}"}}}]}
    ```

    ## References
    - Checkov CKV_AWS_1, CKV_AWS_62, CKV_AWS_63, CKV_AWS_49, CKV_AWS_355, CKV_AWS_286–290,
      CKV2_AWS_40, CKV2_AWS_56, CKV_GCP_117; Trivy AVD-AWS-0057
    - AWS CDK `permissionsBroadened` diff warning
    """

    code = "ACL001"
    name = "iam-admin-grant-added"
    family = "access"
    kinds = (InputKind.TERRAFORM_PLAN, InputKind.CLOUDFORMATION)
    severity = Severity.HIGH
    remediation = (
        "Grant only the actions and resources the workload needs (use IAM Access Analyzer "
        "policy generation); keep administrator access on break-glass roles guarded by MFA "
        "and conditions."
    )

    def detect(self, doc: TerraformPlan | ChangeSet) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        else:
            yield from self._change_set(doc)

    def _plan(self, plan: TerraformPlan) -> Iterator[Finding]:
        for rc in tf_changes(plan, _WANTED):
            before = tf_before(rc)
            if unchanged(before, rc.after, _GRANT_KEYS):
                continue
            after = tf_risks(rc.type, rc.after)
            if not after:
                continue
            old = tf_risks(rc.type, before) if before is not None else None
            yield from risk_findings(self, f"{rc.address} ", tf_location(plan, rc),
                                     after, old)

    def _change_set(self, cs: ChangeSet) -> Iterator[Finding]:
        for rc in cfn_changes(cs, _CFN_TYPES):
            props = cfn_properties(rc, "after")
            if props is None:
                continue
            after = cfn_risks(props)
            if not after:
                continue
            before = cfn_properties(rc, "before")
            old = cfn_risks(before) if before is not None else None
            yield from risk_findings(self, f"{rc.logical_id} ({rc.resource_type}) ",
                                     cfn_location(cs, rc), after, old)


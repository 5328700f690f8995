"""ACL003: an authoritative IAM resource changes in a way that can strip grants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.access._common import (
    as_list,
    load_document,
    str_list,
    tf_location,
)
from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

_GOOGLE_SUFFIXES = ("_iam_policy", "_iam_binding")
_HIERARCHY = ("google_project_iam_", "google_folder_iam_", "google_organization_iam_")
#: Exclusive AWS resources and the list attributes they own.
_EXCLUSIVE_LISTS = ("policy_arns", "policy_names", "users", "roles", "groups")
_GOOGLE_TARGET_KEYS = ("project", "folder", "org_id", "organization", "bucket",
                       "service_account_id", "topic", "subscription", "dataset_id",
                       "secret_id", "repository", "instance_name", "cluster", "name")
#: Attributes that identify a destroyed object, to recognise whole-stack teardowns.
_IDENTITY_KEYS = ("id", "arn", "name", "project_id", "number", "principal_id", "self_link",
                  "email", "bucket")

_AWS_AUTHORITATIVE = frozenset({"aws_iam_policy_attachment", "aws_iam_group_membership"})


def _wanted(rtype: str) -> bool:
    """Cheap type pre-check: authoritative IAM resource types only."""
    if rtype.startswith("google_"):
        return rtype.endswith(_GOOGLE_SUFFIXES)
    if rtype.startswith("aws_"):
        return rtype in _AWS_AUTHORITATIVE or (rtype.startswith("aws_iam_")
                                                and rtype.endswith("_exclusive"))
    return rtype == "azurerm_role_assignment"


def _pairs(rtype: str, attrs: Any) -> set[tuple[str, str]] | None:
    """(role, member) grants a google IAM policy/binding sets; None when unknown."""
    if not isinstance(attrs, dict):
        return None
    if rtype.endswith("_iam_policy"):
        policy = load_document(attrs.get("policy_data"))
        if policy is None:
            return None
        return {(str(b.get("role", "")), m) for b in as_list(policy.get("bindings"))
                if isinstance(b, dict) for m in str_list(b.get("members"))}
    role = attrs.get("role")
    members = attrs.get("members")
    if not isinstance(role, str) or not isinstance(members, list):
        return None
    return {(role, m) for m in str_list(members)}


def _show(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _target(before: dict[str, Any], rc: ResourceChange) -> str:
    for key in _GOOGLE_TARGET_KEYS:
        value = before.get(key)
        if isinstance(value, str) and value:
            return value
    return rc.address


class AuthoritativeIamStrip(Detector[TerraformPlan]):
    """An authoritative or exclusive IAM resource changes and can remove grants it does not list.

    ## What it detects
    Plan changes to IAM resources that own a whole policy, role binding or attachment set:
    - `google_*_iam_policy`: created at project, folder or organization level (it takes
      over the whole policy), updated so that grants disappear, replaced or destroyed;
    - `google_*_iam_binding`: updated so that members disappear, replaced or destroyed
      (every member of the role is removed);
    - `aws_iam_policy_attachment` (exclusive across the account), `aws_iam_group_membership`
      and the `*_exclusive` resources (`aws_iam_role_policy_attachments_exclusive`…):
      created (they detach what they do not list), updated so that entries disappear, or
      replaced; a destroyed `aws_iam_policy_attachment` or group membership detaches
      everything it listed (destroying an `*_exclusive` resource detaches nothing and is
      not reported);
    - `azurerm_role_assignment` destroyed or replaced.

    The removed grants are read from the plan's refreshed before-state. Teardowns where the
    project, policy, group, identity or scope is destroyed in the same plan are not reported.

    ## Why is this risky?
    Authoritative resources remove every grant they do not list, including grants made
    outside Terraform: the CI service account, the on-call group, the break-glass owner.
    One apply can lock people and pipelines out of a project or account.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "google_project_iam_binding.owners", "mode": "managed",
       "type": "google_project_iam_binding", "name": "owners", "change": {
       "actions": ["update"],
       "before": {"project": "shop-prod", "role": "roles/owner",
                  "members": ["group:platform@acme.dev",
                              "serviceAccount:ci@shop-prod.iam.gserviceaccount.com"]},
       "after": {"project": "shop-prod", "role": "roles/owner",
                 "members": ["group:platform@acme.dev"]}}}]}
    ```

    ## Safer alternative
    Use the additive resources (`google_project_iam_member`,
    `aws_iam_role_policy_attachment`, `aws_iam_user_group_membership`), which never touch
    grants they do not manage:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "google_project_iam_member.platform_owner", "mode": "managed",
       "type": "google_project_iam_member", "name": "platform_owner", "change": {
       "actions": ["create"], "before": null,
       "after": {"project": "shop-prod", "role": "roles/owner",
                 "member": "group:platform@acme.dev"}}}]}
    ```

    ## References
    - Terraform Google provider: "google_project_iam_policy … is authoritative … can lock
      you out of your project"; `google_project_iam_binding` "authoritative for a given role"
    - Terraform AWS provider: `aws_iam_policy_attachment` "creates exclusive attachments";
      design note "Exclusive Relationship Management Resources"
    """

    code = "ACL003"
    name = "authoritative-iam-strip"
    family = "access"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Prefer additive resources (`*_iam_member`, `aws_iam_role_policy_attachment`); if an "
        "authoritative resource is intended, list every grant that must survive, including "
        "those of CI and break-glass identities, and check the removed ones with their owners."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        teardown: set[str] | None = None
        for rc in doc.of_types(_wanted, changed=True):
            if not (rc.is_create or rc.is_delete or rc.is_update):
                continue
            before = rc.before if isinstance(rc.before, dict) else {}
            if rc.is_pure_delete:
                if teardown is None:
                    teardown = _teardown(doc)
                if _torn_down(rc.type, before, teardown):
                    continue
            found = self._check(rc, before)
            if found is not None:
                message, evidence, confidence = found
                yield self.finding(f"{rc.address} {message}", tf_location(doc, rc),
                                   evidence=evidence, confidence=confidence)

    def _check(self, rc: ResourceChange,
               before: dict[str, Any]) -> tuple[str, str, Confidence | None] | None:
        if rc.type.startswith("google_"):
            return _google(rc, before)
        if rc.type == "azurerm_role_assignment":
            if not rc.is_delete:
                return None
            role = before.get("role_definition_name") or before.get("role_definition_id")
            principal = before.get("principal_id", "?")
            kind = before.get("principal_type") or "principal"
            verb = "replaced" if rc.is_replace else "deleted"
            return (f"is {verb}: {kind} {principal} loses {role} on {before.get('scope', '?')}",
                    f"actions: {list(rc.actions)}",
                    None if before.get("principal_type") else Confidence.MEDIUM)
        return _aws(rc, before)


def _google(rc: ResourceChange, before: dict[str, Any]) -> tuple[str, str, Confidence | None] \
        | None:
    policy = rc.type.endswith("_iam_policy")
    old = _pairs(rc.type, before) or set()
    evidence = f"actions: {list(rc.actions)}"
    if rc.is_pure_delete or rc.is_replace:
        target = _target(before, rc)
        removed = sorted(f"{r} {m}" for r, m in old)
        what = "the IAM policy" if policy else f"binding {before.get('role', '?')}"
        verb = "destroyed" if rc.is_pure_delete else "replaced"
        tail = f": grants removed include {_show(removed)}" if removed else ""
        return f"({what} of {target}) is {verb}{tail}", evidence, None
    if rc.is_create:
        if not policy or not rc.type.startswith(_HIERARCHY):
            return None
        target = _target(rc.after if isinstance(rc.after, dict) else {}, rc)
        return (f"takes over the whole IAM policy of {target}: every existing binding it does "
                "not list is removed", evidence, Confidence.MEDIUM)
    new = _pairs(rc.type, rc.after)
    if new is None:
        attr = "policy_data" if policy else "members"
        if rc.is_unknown(attr):
            return (f"sets {attr} known only after apply: grants may be removed", evidence,
                    Confidence.LOW)
        return None
    removed = sorted(f"{r} {m}" for r, m in old - new)
    if not removed:
        return None
    return (f"removes {len(removed)} grant(s) from {_target(before, rc)}: {_show(removed)}",
            f"removed: {_show(removed, 6)}", None)


def _aws(rc: ResourceChange, before: dict[str, Any]) -> tuple[str, str, Confidence | None] \
        | None:
    exclusive = rc.type.endswith("_exclusive")
    evidence = f"actions: {list(rc.actions)}"
    if rc.is_pure_delete:
        if exclusive:
            return None
        listed = [v for k in ("users", "roles", "groups") for v in str_list(before.get(k))]
        what = f"policy {before.get('policy_arn', '?')}" if rc.type == \
            "aws_iam_policy_attachment" else f"group {before.get('group', '?')}"
        return (f"is destroyed: {what} is detached from {_show(listed) or 'every member'}",
                evidence, None)
    if rc.is_create and not rc.is_replace:
        after = rc.after if isinstance(rc.after, dict) else {}
        if rc.type == "aws_iam_policy_attachment":
            return (f"attaches {after.get('policy_arn', 'a policy')} exclusively: it is "
                    "detached from every user, role and group across the account that this "
                    "resource does not list", evidence, Confidence.MEDIUM)
        if rc.type == "aws_iam_group_membership":
            return (f"owns the membership of group {after.get('group', '?')}: users it does "
                    "not list are removed from the group", evidence, Confidence.MEDIUM)
        owner = after.get("role_name") or after.get("user_name") or after.get("group_name")
        return (f"takes exclusive ownership of the policies of {owner or '?'}: policies it "
                "does not list are detached or deleted", evidence, Confidence.MEDIUM)
    after = rc.after if isinstance(rc.after, dict) else {}
    removed: list[str] = []
    unknown = False
    for key in _EXCLUSIVE_LISTS:
        if key not in before and key not in after:
            continue
        if rc.is_unknown(key):
            unknown = True
            continue
        gone = set(str_list(before.get(key))) - set(str_list(after.get(key)))
        removed += sorted(gone)
    if removed:
        prefix = "is replaced and " if rc.is_replace else ""
        if rc.type == "aws_iam_policy_attachment":
            what = f"detaches {after.get('policy_arn', 'the policy')} from {_show(removed)}"
        elif rc.type == "aws_iam_group_membership":
            what = f"removes {_show(removed)} from group {after.get('group', '?')}"
        else:
            owner = after.get("role_name") or after.get("user_name") or after.get("group_name")
            what = f"detaches {_show(removed)} from {owner or '?'}"
        return f"{prefix}{what}", f"removed: {_show(removed, 6)}", None
    if rc.is_replace:
        return ("is replaced: what it owns is detached and attached again", evidence,
                Confidence.MEDIUM)
    if unknown:
        return ("changes a list known only after apply: entries may be removed", evidence,
                Confidence.LOW)
    return None


def _teardown(plan: TerraformPlan) -> set[str]:
    """Identifiers of objects the plan destroys outright."""
    ids: set[str] = set()
    for rc in plan.destroyed:
        if rc.is_pure_delete and isinstance(rc.before, dict) and not _wanted(rc.type):
            for key in _IDENTITY_KEYS:
                value = rc.before.get(key)
                if isinstance(value, str) and value:
                    ids.add(value)
    return ids


def _torn_down(rtype: str, before: dict[str, Any], gone: set[str]) -> bool:
    """True when the object the grant is on (or for) is destroyed in the same plan."""
    if rtype == "azurerm_role_assignment":
        keys: tuple[str, ...] = ("scope", "principal_id")
    elif rtype.startswith("google_"):
        keys = _GOOGLE_TARGET_KEYS[:-1]  # not "name": too ambiguous across types
    else:
        keys = ("policy_arn", "group")
    return any(isinstance(before.get(k), str) and before[k] in gone for k in keys)

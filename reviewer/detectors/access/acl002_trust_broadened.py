"""ACL002: a role trust policy or KMS key policy lets outsiders in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from reviewer.detectors.access._common import (
    PINNING_KEYS,
    Risk,
    Statement,
    action_matches,
    cfn_accounts,
    cfn_changes,
    cfn_location,
    cfn_properties,
    plan_accounts,
    principal_account,
    risk_findings,
    statements,
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

#: OIDC issuers anyone can get a token from: a missing ``sub`` condition is public trust.
_MULTI_TENANT = ("token.actions.githubusercontent.com", "gitlab.com", "app.terraform.io")
#: Web identity providers whose audience (the app id) is the restriction.
_AUDIENCE_PROVIDERS = frozenset({
    "cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com",
    "www.amazon.com",
})
_BROAD_CLAIM = re.compile(r"^\*|^[a-z_]+:\*", re.IGNORECASE)

_TF_TRUST = {"aws_iam_role": "assume_role_policy"}
_TF_KEY = {"aws_kms_key": "policy", "aws_kms_key_policy": "policy",
           "aws_kms_replica_key": "policy", "aws_kms_external_key": "policy",
           "aws_kms_replica_external_key": "policy"}
_WANTED = type_filter((*_TF_TRUST, *_TF_KEY))
_CFN_TRUST = {"AWS::IAM::Role": "AssumeRolePolicyDocument"}
_CFN_KEY = {"AWS::KMS::Key": "KeyPolicy", "AWS::KMS::ReplicaKey": "KeyPolicy"}
_CFN_TYPES = frozenset({*_CFN_TRUST, *_CFN_KEY})


def _oidc_risk(stmt: Statement, federated: str) -> Risk | None:
    """A web-identity trust that does not pin the token's subject (or audience)."""
    if "saml-provider/" in federated:
        return None
    if stmt.actions and not action_matches(stmt.actions, "sts:assumerolewithwebidentity"):
        return None
    host = federated.split("oidc-provider/", 1)[1] if "oidc-provider/" in federated \
        else federated
    host_l = host.lower()
    github = "token.actions.githubusercontent.com" in host_l
    multi = github or host_l in _MULTI_TENANT
    claims = (":sub", ":aud") if host_l in _AUDIENCE_PROVIDERS else (":sub",)
    pinned = [c for c in stmt.conditions
              if c.key.startswith(host_l + ":") and c.key.endswith(claims) and c.positive]
    who = ("a GitHub Actions workflow in any repository" if github
           else "any identity of that issuer")
    severity = Severity.CRITICAL if multi else Severity.HIGH
    confidence = Confidence.HIGH if multi else Confidence.MEDIUM
    claim = f"{host}{claims[0]}"
    if not pinned:
        return Risk(f"oidc-unpinned:{host_l}",
                    f"trusts the OIDC provider {host} without a condition on {claim}, so "
                    f"{who} can assume it", stmt.evidence(), severity, confidence)
    broad = [v for c in pinned for v in c.values if _BROAD_CLAIM.match(v.strip())]
    if broad:
        return Risk(f"oidc-broad:{host_l}:{','.join(sorted(broad))}",
                    f"trusts the OIDC provider {host} with a wildcard {claim} "
                    f"({', '.join(sorted(broad))}), so {who} can assume it",
                    stmt.evidence(), severity, confidence)
    return None


def _trust_risks(document: Any, own: Callable[[], set[str]], key_policy: bool) -> list[Risk]:
    """Risks of one trust or key policy document (``own``: this stack's accounts)."""
    out: list[Risk] = []
    what = "key policy" if key_policy else "trust policy"
    for stmt in statements(document):
        if not stmt.allows:
            continue
        restricted = bool(stmt.restricted_by(PINNING_KEYS))
        if stmt.public_principal and not restricted:
            conds = sorted(stmt.condition_keys())
            extra = f" (its conditions {', '.join(conds)} do not pin the caller)" if conds \
                else ""
            principal = "NotPrincipal" if stmt.not_principal else 'Principal "*"'
            who = "any AWS principal in any account"
            out.append(Risk("public", f"{what} allows {principal}: {who} can "
                            f"{'use the key' if key_policy else 'assume the role'}{extra}",
                            stmt.evidence(), Severity.CRITICAL, Confidence.HIGH))
            continue
        for kind, value in stmt.principals:
            if kind == "Federated" and not key_policy:
                risk = _oidc_risk(stmt, value)
                if risk is not None:
                    out.append(risk)
            elif kind == "AWS" and value != "*" and not key_policy and not restricted:
                risk = _account_risk(stmt, value, own)
                if risk is not None:
                    out.append(risk)
    return out


def _account_risk(stmt: Statement, value: str, own: Callable[[], set[str]]) -> Risk | None:
    account = principal_account(value)
    if account is None:
        return None
    accounts = own()
    if account in accounts:
        return None
    key = f"account:{account}"
    if stmt.restricted_by({"sts:externalid"}):
        return Risk(key, f"trust policy lets external account {account} assume the role "
                         "(with sts:ExternalId): confirm the vendor", stmt.evidence(),
                    Severity.MEDIUM, Confidence.MEDIUM)
    if any(c.key == "aws:multifactorauthpresent" and c.positive for c in stmt.conditions):
        return Risk(key, f"trust policy lets account {account} assume the role (MFA required)",
                    stmt.evidence(), Severity.MEDIUM, Confidence.MEDIUM)
    if accounts:
        return Risk(key, f"trust policy lets external account {account} assume the role "
                         "without sts:ExternalId or an aws:PrincipalOrgID condition",
                    stmt.evidence(), Severity.CRITICAL, Confidence.MEDIUM)
    return Risk(key, f"trust policy lets account {account} assume the role without "
                     "sts:ExternalId or an aws:PrincipalOrgID condition (the change does not "
                     "show whether that account is yours)",
                stmt.evidence(), Severity.HIGH, Confidence.LOW)


class TrustBroadened(Detector[TerraformPlan | ChangeSet]):
    """A role trust policy or KMS key policy is opened to everyone or to a foreign account.

    ## What it detects
    Trust the change adds to an IAM role's assume-role policy (`aws_iam_role`
    `assume_role_policy`, CloudFormation `AssumeRolePolicyDocument`) or to a KMS key policy:
    - `Principal: "*"`, `{"AWS": "*"}` or `NotPrincipal` in an `Allow` statement, unless a
      condition pins the caller (`aws:PrincipalOrgID`, `aws:PrincipalArn`,
      `aws:SourceAccount`, `kms:CallerAccount`…);
    - a new account that is not one of the plan's own accounts (read from the ARNs in the
      plan or the stack ARN), without `sts:ExternalId`: `critical`; with `sts:ExternalId` or
      an MFA condition it is reported at `medium` for a look;
    - web-identity (OIDC) trust without a `sub` condition or with a wildcard one
      (`repo:*`): `critical` for multi-tenant issuers such as GitHub Actions
      (`token.actions.githubusercontent.com`), GitLab and Terraform Cloud, `high` for the
      others (EKS, CircleCI…).

    ## Why is this risky?
    A trust policy decides who can become the role. A wildcard principal, an unpinned
    GitHub OIDC trust or a foreign account without an external id lets people outside the
    organization act with the role's permissions; a key policy open to `*` lets anyone use
    or manage the key.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_iam_role.deploy", "mode": "managed", "type": "aws_iam_role",
       "name": "deploy", "change": {"actions": ["create"], "before": null, "after": {
       "name": "deploy", "assume_role_policy":
       "{\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"sts:AssumeRoleWithWebIdentity\\",\\"Principal\\":{\\"Federated\\":\\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\\"},\\"Condition\\":{\\"StringEquals\\":{\\"token.actions.githubusercontent.com:aud\\":\\"sts.amazonaws.com\\"}}}]}"}}}]}
    ```

    ## Safer alternative
    Pin the token subject to your repository and branch (or the caller to your
    organization with `aws:PrincipalOrgID`):
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_iam_role.deploy", "mode": "managed", "type": "aws_iam_role",
       "name": "deploy", "change": {"actions": ["create"], "before": null, "after": {
       "name": "deploy", "assume_role_policy":
       "{\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"sts:AssumeRoleWithWebIdentity\\",\\"Principal\\":{\\"Federated\\":\\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\\"},\\"Condition\\":{\\"StringEquals\\":{\\"token.actions.githubusercontent.com:aud\\":\\"sts.amazonaws.com\\",\\"token.actions.githubusercontent.com:sub\\":\\"repo:acme/shop:ref:refs/heads/main\\"}}}]}"}}}]}
    ```

    ## References
    - Checkov CKV_AWS_60, CKV_AWS_61, CKV_AWS_358, CKV_AWS_33
    - AWS IAM user guide: "Configuring a role for GitHub OIDC identity provider";
      "The confused deputy problem" (sts:ExternalId)
    """

    code = "ACL002"
    name = "trust-broadened"
    family = "access"
    kinds = (InputKind.TERRAFORM_PLAN, InputKind.CLOUDFORMATION)
    severity = Severity.CRITICAL
    remediation = (
        "Name the exact principals that may assume the role; pin OIDC trust with a `sub` "
        "condition, third-party accounts with `sts:ExternalId`, and org-wide access with "
        "`aws:PrincipalOrgID`."
    )

    def detect(self, doc: TerraformPlan | ChangeSet) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        else:
            yield from self._change_set(doc)

    def _plan(self, plan: TerraformPlan) -> Iterator[Finding]:
        cache: dict[str, set[str]] = {}

        def own() -> set[str]:
            if "accounts" not in cache:
                cache["accounts"] = plan_accounts(plan)
            return cache["accounts"]

        for rc in tf_changes(plan, _WANTED):
            key_policy = rc.type in _TF_KEY
            attr = _TF_KEY[rc.type] if key_policy else _TF_TRUST[rc.type]
            before = tf_before(rc)
            if unchanged(before, rc.after, (attr,)):
                continue
            after = _trust_risks(rc.after.get(attr), own, key_policy)
            if not after:
                continue
            old = _trust_risks(before.get(attr), own, key_policy) if before is not None \
                else None
            yield from risk_findings(self, f"{rc.address}: ", tf_location(plan, rc),
                                     after, old)

    def _change_set(self, cs: ChangeSet) -> Iterator[Finding]:
        accounts = cfn_accounts(cs)
        for rc in cfn_changes(cs, _CFN_TYPES):
            props = cfn_properties(rc, "after")
            if props is None:
                continue
            key_policy = rc.resource_type in _CFN_KEY
            attr = _CFN_KEY[rc.resource_type] if key_policy else _CFN_TRUST[rc.resource_type]
            after = _trust_risks(props.get(attr), lambda: accounts, key_policy)
            if not after:
                continue
            before = cfn_properties(rc, "before")
            old = _trust_risks(before.get(attr), lambda: accounts, key_policy) \
                if before is not None else None
            yield from risk_findings(self, f"{rc.logical_id} ({rc.resource_type}): ",
                                     cfn_location(cs, rc), after, old)

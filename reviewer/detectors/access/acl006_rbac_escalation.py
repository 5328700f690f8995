"""ACL006: a Kubernetes Role, ClusterRole or binding grants escalation-grade access."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.access._common import (
    ManifestChanges,
    Risk,
    as_list,
    compact,
    k8s_location,
    str_list,
)
from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

_ROLE_KINDS = frozenset({"Role", "ClusterRole"})
_BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})
_READ = frozenset({"get", "list", "watch", "*"})
#: Sub-resources that hand over a shell, a node or a token.
_DANGEROUS_SUBRESOURCES = {
    "pods/exec": "exec into pods", "pods/attach": "attach to pods",
    "nodes/proxy": "proxy to the kubelet API", "serviceaccounts/token": "mint tokens",
}
_SUBRESOURCE_VERBS = frozenset({"create", "get", "*"})
#: Bootstrap roles everyone may hold.
_PUBLIC_ROLES = frozenset({"system:basic-user", "system:discovery", "system:public-info-viewer"})
_ANONYMOUS = frozenset({"system:anonymous", "system:unauthenticated"})
_BROAD_ROLES = {"cluster-admin": "cluster-admin", "admin": "admin", "edit": "edit"}


def _shown(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items[:6]) + (" …" if len(items) > 6 else "") \
        + "]"


def _rule_reasons(rule: dict[str, Any]) -> list[str]:
    verbs = [v.lower() for v in str_list(rule.get("verbs"))]
    resources = str_list(rule.get("resources"))
    groups = str_list(rule.get("apiGroups"))
    names = str_list(rule.get("resourceNames"))
    reasons: list[str] = []
    if "*" in verbs and (resources or str_list(rule.get("nonResourceURLs"))):
        reasons.append('every verb ("*")')
    if "*" in resources:
        reasons.append('every resource ("*")')
    core = "" in groups or "*" in groups
    if core and "secrets" in resources and _READ & set(verbs) and not names \
            and "*" not in resources:
        reasons.append(f"read access to Secrets ({', '.join(v for v in verbs if v in _READ)})")
    if _SUBRESOURCE_VERBS & set(verbs):
        for sub, what in _DANGEROUS_SUBRESOURCES.items():
            if sub in resources:
                reasons.append(f"{what} ({sub})")
    for verb in ("impersonate", "escalate", "bind"):
        if verb in verbs:
            reasons.append(f'the "{verb}" verb')
    return reasons


def role_risks(m: Manifest) -> list[Risk]:
    """Escalation-grade rules of a Role or ClusterRole."""
    out: list[Risk] = []
    for i, rule in enumerate(as_list(m.body.get("rules"))):
        if not isinstance(rule, dict):
            continue
        reasons = _rule_reasons(rule)
        if not reasons:
            continue
        verbs = str_list(rule.get("verbs"))
        resources = str_list(rule.get("resources")) or str_list(rule.get("nonResourceURLs"))
        scope = "cluster-wide" if m.kind == "ClusterRole" else \
            f"in namespace {m.namespace or '(default)'}"
        secrets_only = len(reasons) == 1 and reasons[0].startswith("read access to Secrets")
        severity = Severity.MEDIUM if secrets_only and m.kind == "Role" else None
        line = m.line_of(f"rules.{i}.verbs") if any("verb" in r for r in reasons) else \
            m.line_of(f"rules.{i}.resources")
        alts = tuple(m.line_of(f"rules.{i}.{k}")
                     for k in ("verbs", "resources", "apiGroups", "nonResourceURLs")
                     if f"rules.{i}.{k}" in m.key_lines)
        out.append(Risk(f"rule:{compact(rule, 2000)}",
                        f"rule {i + 1} grants {'; '.join(reasons)} {scope} "
                        f"(verbs {_shown(verbs)} on {_shown(resources)})",
                        compact(rule), severity, None, line, alts))
    return out


def binding_risks(m: Manifest) -> list[Risk]:
    """Bindings of cluster-admin/admin/edit, or of anything to anonymous users."""
    ref = m.body.get("roleRef")
    ref = ref if isinstance(ref, dict) else {}
    role = str(ref.get("name", ""))
    role_kind = str(ref.get("kind", "ClusterRole"))
    subjects = [s for s in as_list(m.body.get("subjects")) if isinstance(s, dict)]
    system_only = bool(subjects) and all(
        s.get("kind") == "ServiceAccount" and s.get("namespace") == "kube-system"
        for s in subjects)
    out: list[Risk] = []
    for j, subject in enumerate(subjects):
        name = str(subject.get("name", ""))
        kind = str(subject.get("kind", ""))
        who = f"{kind} {subject.get('namespace')}/{name}" if kind == "ServiceAccount" and \
            subject.get("namespace") else f"{kind} {name}"
        line = m.line_of(f"subjects.{j}.name")
        alts = (m.line_of(f"subjects.{j}"), m.line_of("roleRef.name"), m.line_of("roleRef"))
        key = f"{role_kind}/{role}|{kind}/{subject.get('namespace', '')}/{name}"
        evidence = f"roleRef: {role_kind}/{role}; subject: {who}"
        if name in _ANONYMOUS and role not in _PUBLIC_ROLES:
            out.append(Risk(key, f"binds {role_kind} {role} to {name}: anyone who can reach "
                                 "the API server gets it", evidence, None, None, line, alts))
        elif name == "system:authenticated" and role not in _PUBLIC_ROLES:
            out.append(Risk(key, f"binds {role_kind} {role} to every authenticated user "
                                 "(system:authenticated)", evidence, None, Confidence.MEDIUM,
                            line, alts))
        elif role_kind == "ClusterRole" and role in _BROAD_ROLES and (
                role == "cluster-admin" or m.kind == "ClusterRoleBinding"):
            scope = "cluster-wide" if m.kind == "ClusterRoleBinding" else \
                f"in namespace {m.namespace or '(default)'}"
            severity = Severity.MEDIUM if system_only else None
            confidence = Confidence.LOW if system_only else (
                None if role == "cluster-admin" else Confidence.MEDIUM)
            out.append(Risk(key, f"binds ClusterRole {role} {scope} to {who}", evidence,
                            severity, confidence, line, alts))
    return out


def rbac_risks(m: Manifest) -> list[Risk]:
    """Escalation risks of any RBAC object."""
    if m.kind in _ROLE_KINDS:
        return role_risks(m)
    if m.kind in _BINDING_KINDS:
        return binding_risks(m)
    return []


class RbacEscalation(Detector[ManifestSet]):
    """A Kubernetes RBAC role or binding grants wildcard, secret-reading or escalation access.

    ## What it detects
    Roles, ClusterRoles and bindings the change adds or widens:
    - rules with wildcard verbs (`"*"`) or wildcard resources (`"*"`);
    - rules that read Secrets (`get`/`list`/`watch` on `secrets` without `resourceNames`;
      `medium` in a namespaced Role);
    - `pods/exec`, `pods/attach`, `nodes/proxy` and `serviceaccounts/token`, and the
      `impersonate`, `escalate` and `bind` verbs;
    - bindings of `cluster-admin` (and cluster-wide `admin`/`edit`), and bindings of any
      non-discovery role to `system:anonymous`, `system:unauthenticated` or
      `system:authenticated`. Bindings whose subjects are all `kube-system` service
      accounts are reported at `medium` with low confidence (system controllers).

    In a diff only objects the change touches are judged: an object that existed before
    reports only rules and subjects its old version lacked.

    ## Why is this risky?
    These permissions are equivalent to cluster administrator: wildcards include
    everything added later, Secrets hold every credential in the cluster, exec and node
    proxy give a shell, and impersonate/escalate/bind let the holder grant itself more.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: ci-deployer
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: cluster-admin
    subjects:
      - kind: ServiceAccount
        name: deployer
        namespace: ci
    ```

    ## Safer alternative
    Bind a role that lists the resources and verbs the deployer needs, in its namespace:
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: deployer
      namespace: shop
    rules:
      - apiGroups: ["apps"]
        resources: ["deployments"]
        verbs: ["get", "list", "patch"]
    ```

    ## References
    - kube-linter `wildcard-in-rules`, `cluster-admin-role-binding`, `access-to-secrets`
    - Polaris `clusterrolebindingClusterAdmin`, `clusterrolePodExecAttach`; Checkov
      CKV_K8S_49, CKV2_K8S_1–5
    - Kubernetes docs: "RBAC good practices" (privilege escalation risks)
    """

    code = "ACL006"
    name = "rbac-escalation"
    family = "access"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.HIGH
    remediation = (
        "List explicit resources and verbs, scope roles to a namespace, read Secrets only by "
        "`resourceNames`, and bind workloads to dedicated roles instead of cluster-admin."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        changes = ManifestChanges(doc)
        for m in doc.manifests:
            if m.kind not in _ROLE_KINDS and m.kind not in _BINDING_KINDS:
                continue
            if not m.group.startswith("rbac.authorization.k8s.io"):
                continue
            for risk in changes.added(m, rbac_risks(m), rbac_risks):
                yield self.finding(f"{m.address}: {risk.message}",
                                   k8s_location(doc, m, risk), evidence=risk.evidence,
                                   severity=risk.severity, confidence=risk.confidence)

"""K8S007: a manifest uses an apiVersion that current Kubernetes no longer serves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.kubernetes._common import ManifestDetector, describe, location, touched
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import ManifestSet


@dataclass(frozen=True, slots=True)
class ApiChange:
    """What happened to one apiVersion of one kind."""

    #: Kubernetes minor release that stopped serving it ("1.22"), or "" when still served.
    removed_in: str
    #: Release that deprecated it.
    deprecated_in: str
    #: What to use instead ("" when the API is gone without a replacement).
    replacement: str


_APPS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision")
_FLOW = ("FlowSchema", "PriorityLevelConfiguration")


def _table() -> dict[tuple[str, str], ApiChange]:
    t: dict[tuple[str, str], ApiChange] = {}

    def put(api: str, kinds: tuple[str, ...], removed: str, deprecated: str,
            replacement: str) -> None:
        for kind in kinds:
            t[(api, kind)] = ApiChange(removed, deprecated, replacement)

    # Removed in 1.16
    put("extensions/v1beta1", ("Deployment", "DaemonSet", "ReplicaSet"), "1.16", "1.9", "apps/v1")
    put("extensions/v1beta1", ("NetworkPolicy",), "1.16", "1.9", "networking.k8s.io/v1")
    put("extensions/v1beta1", ("PodSecurityPolicy",), "1.16", "1.10", "policy/v1beta1")
    put("apps/v1beta1", _APPS, "1.16", "1.9", "apps/v1")
    put("apps/v1beta2", _APPS, "1.16", "1.9", "apps/v1")
    # Removed in 1.20 / 1.21 (alpha APIs still found in old charts)
    put("settings.k8s.io/v1alpha1", ("PodPreset",), "1.20", "1.19", "")
    put("batch/v2alpha1", ("CronJob",), "1.21", "1.8", "batch/v1")
    # Removed in 1.22
    put("extensions/v1beta1", ("Ingress",), "1.22", "1.14", "networking.k8s.io/v1")
    put("networking.k8s.io/v1beta1", ("Ingress", "IngressClass"), "1.22", "1.19",
        "networking.k8s.io/v1")
    put("admissionregistration.k8s.io/v1beta1",
        ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"), "1.22", "1.16",
        "admissionregistration.k8s.io/v1")
    put("apiextensions.k8s.io/v1beta1", ("CustomResourceDefinition",), "1.22", "1.16",
        "apiextensions.k8s.io/v1")
    put("apiregistration.k8s.io/v1beta1", ("APIService",), "1.22", "1.19",
        "apiregistration.k8s.io/v1")
    put("authentication.k8s.io/v1beta1", ("TokenReview",), "1.22", "1.19",
        "authentication.k8s.io/v1")
    put("authorization.k8s.io/v1beta1",
        ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview"),
        "1.22", "1.19", "authorization.k8s.io/v1")
    put("certificates.k8s.io/v1beta1", ("CertificateSigningRequest",), "1.22", "1.19",
        "certificates.k8s.io/v1")
    put("coordination.k8s.io/v1beta1", ("Lease",), "1.22", "1.19", "coordination.k8s.io/v1")
    put("rbac.authorization.k8s.io/v1beta1",
        ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ClusterRoleList",
         "ClusterRoleBindingList", "RoleList", "RoleBindingList"),
        "1.22", "1.17", "rbac.authorization.k8s.io/v1")
    put("scheduling.k8s.io/v1beta1", ("PriorityClass",), "1.22", "1.14", "scheduling.k8s.io/v1")
    put("storage.k8s.io/v1beta1", ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"),
        "1.22", "1.19", "storage.k8s.io/v1")
    # Removed in 1.25
    put("batch/v1beta1", ("CronJob",), "1.25", "1.21", "batch/v1")
    put("discovery.k8s.io/v1beta1", ("EndpointSlice",), "1.25", "1.21", "discovery.k8s.io/v1")
    put("events.k8s.io/v1beta1", ("Event",), "1.25", "1.19", "events.k8s.io/v1")
    put("autoscaling/v2beta1", ("HorizontalPodAutoscaler",), "1.25", "1.22", "autoscaling/v2")
    put("policy/v1beta1", ("PodDisruptionBudget",), "1.25", "1.21", "policy/v1")
    put("policy/v1beta1", ("PodSecurityPolicy",), "1.25", "1.21", "")
    put("node.k8s.io/v1beta1", ("RuntimeClass",), "1.25", "1.20", "node.k8s.io/v1")
    # Removed in 1.26, 1.27, 1.29, 1.32
    put("flowcontrol.apiserver.k8s.io/v1beta1", _FLOW, "1.26", "1.23",
        "flowcontrol.apiserver.k8s.io/v1")
    put("autoscaling/v2beta2", ("HorizontalPodAutoscaler",), "1.26", "1.23", "autoscaling/v2")
    put("storage.k8s.io/v1beta1", ("CSIStorageCapacity",), "1.27", "1.24", "storage.k8s.io/v1")
    put("flowcontrol.apiserver.k8s.io/v1beta2", _FLOW, "1.29", "1.26",
        "flowcontrol.apiserver.k8s.io/v1")
    put("flowcontrol.apiserver.k8s.io/v1beta3", _FLOW, "1.32", "1.29",
        "flowcontrol.apiserver.k8s.io/v1")
    # Deprecated, still served
    put("admissionregistration.k8s.io/v1beta1",
        ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"), "", "1.30",
        "admissionregistration.k8s.io/v1")
    put("networking.k8s.io/v1beta1", ("IPAddress", "ServiceCIDR"), "", "1.33",
        "networking.k8s.io/v1")
    put("v1", ("Endpoints",), "", "1.33", "discovery.k8s.io/v1 EndpointSlice")
    put("v1", ("ComponentStatus",), "", "1.19", "")
    return t


#: (apiVersion, kind) → what happened to it.
API_CHANGES: dict[tuple[str, str], ApiChange] = _table()
_APIS = frozenset(api for api, _ in API_CHANGES)
#: Removals older than this are on no supported cluster: certain; newer ones depend on it.
_CERTAIN_BEFORE = (1, 26)


def _release(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


class RemovedApiVersion(ManifestDetector):
    """A manifest uses an apiVersion that Kubernetes has stopped serving (or deprecated).

    ## What it detects
    Objects whose `apiVersion` / `kind` pair is no longer served by current Kubernetes
    releases: `extensions/v1beta1` workloads, NetworkPolicies and Ingresses, `apps/v1beta1`
    and `apps/v1beta2`, `policy/v1beta1` PodDisruptionBudget and PodSecurityPolicy,
    `batch/v1beta1` CronJob, `autoscaling/v2beta1` / `v2beta2`, `networking.k8s.io/v1beta1`
    Ingress, `rbac.authorization.k8s.io/v1beta1`, `apiextensions.k8s.io/v1beta1`,
    `admissionregistration.k8s.io/v1beta1` webhooks, `storage.k8s.io/v1beta1`
    CSIStorageCapacity, `flowcontrol.apiserver.k8s.io/v1beta1`–`v1beta3` and more. The
    message names the release that removed it and the replacement. Deprecated versions that
    are still served (`Endpoints`, `admissionregistration.k8s.io/v1beta1`
    ValidatingAdmissionPolicy…) are `low`. Removals from 1.26 on have medium confidence: the
    target cluster may still be older. Only `apiVersion` lines the change touches count.

    ## Why is this risky?
    The API server of a release that removed a version rejects the manifest ("no matches for
    kind … in version …"): the deploy fails, and a cluster upgrade makes every sync of the
    unchanged manifest fail. Helm releases whose stored manifests use a removed version cannot
    be upgraded or rolled back without repair.

    ## Example
    ```yaml
    apiVersion: policy/v1beta1
    kind: PodDisruptionBudget
    metadata:
      name: api
      namespace: payments
    spec:
      minAvailable: 2
      selector:
        matchLabels: {app: api}
    ```

    ## Safer alternative
    Use the served version (`policy/v1` for PodDisruptionBudget, `apps/v1` for workloads,
    `networking.k8s.io/v1` for Ingress, `batch/v1` for CronJob, `autoscaling/v2` for HPA):
    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: api
      namespace: payments
    spec:
      minAvailable: 2
      selector:
        matchLabels: {app: api}
    ```

    ## References
    - Kubernetes Deprecated API Migration Guide
    - Pluto (FairwindsOps/pluto): DEPRECATED vs REMOVED, exit code 3
    - kubent (kube-no-trouble)
    """

    code = "K8S007"
    name = "removed-api-version"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.HIGH
    remediation = (
        "Move the manifest to the served apiVersion named in the finding (adjusting fields the "
        "new version renamed), and check the chart's other templates with pluto or kubent."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        for m in doc.manifests:
            if m.api_version not in _APIS:
                continue
            change = API_CHANGES.get((m.api_version, m.kind))
            if change is None or not touched(doc, m, "apiVersion"):
                continue
            where = location(doc, m, "apiVersion")
            evidence = f"apiVersion: {m.api_version}, kind: {m.kind}"
            instead = f"; use {change.replacement}" if change.replacement else \
                "; it has no replacement"
            if not change.removed_in:
                yield self.finding(
                    f"{describe(m)} uses {m.api_version}, deprecated since Kubernetes "
                    f"{change.deprecated_in}{instead}",
                    where, evidence=evidence, severity=Severity.LOW)
                continue
            certain = _release(change.removed_in) < _CERTAIN_BEFORE
            yield self.finding(
                f"{describe(m)} uses {m.api_version}, removed in Kubernetes "
                f"{change.removed_in}{instead}",
                where, evidence=evidence,
                confidence=None if certain else Confidence.MEDIUM)

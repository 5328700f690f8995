"""K8S004: a change to a field Kubernetes cannot update in place, or forced recreation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.kubernetes._common import (
    ARGO_SYNC_OPTIONS,
    ManifestDetector,
    Revisions,
    annotation_key,
    describe,
    fmt,
    location,
    quantity,
    sync_options,
    touched,
    trim,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

_SELECTOR_IMMUTABLE = frozenset({"Deployment", "DaemonSet", "ReplicaSet"})
#: StatefulSet spec fields the API server lets an update change (ValidateStatefulSetUpdate).
_STS_MUTABLE = frozenset({
    "replicas", "ordinals", "template", "updateStrategy",
    "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
})
_STS_DEFAULTS: dict[str, Any] = {"podManagementPolicy": "OrderedReady",
                                 "revisionHistoryLimit": 10}
_PVC_MUTABLE = frozenset({"volumeAttributesClassName"})
_HOOKS = ("helm.sh/hook", "argocd.argoproj.io/hook")
_FORCING = ("force=true", "replace=true")


def _norm(value: Any) -> Any:
    """A value with nulls, empty maps and defaulted claim fields removed, for comparison."""
    if isinstance(value, dict):
        out = {str(k): _norm(v) for k, v in value.items()
               if v is not None and k not in ("status", "creationTimestamp")}
        if out.get("volumeMode") == "Filesystem":
            del out["volumeMode"]
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _claim_template(t: Any) -> Any:
    if not isinstance(t, dict):
        return _norm(t)
    return _norm({k: v for k, v in t.items() if k not in ("apiVersion", "kind")})


def _diff_paths(a: Any, b: Any, prefix: str = "", limit: int = 3) -> list[str]:
    """Dotted paths where two values differ (at most ``limit``)."""
    out: list[str] = []
    stack: list[tuple[Any, Any, str]] = [(a, b, prefix)]
    while stack and len(out) < limit:
        x, y, path = stack.pop()
        if isinstance(x, dict) and isinstance(y, dict):
            for key in sorted(set(x) | set(y), reverse=True):
                if x.get(key) != y.get(key):
                    stack.append((x.get(key), y.get(key), f"{path}.{key}" if path else key))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i in reversed(range(len(x))):
                if x[i] != y[i]:
                    stack.append((x[i], y[i], f"{path}.{i}"))
        elif x != y:
            out.append(path or "(value)")
    return out


def _claim_names(sts: Manifest) -> list[str]:
    templates = sts.get("spec.volumeClaimTemplates")
    if not isinstance(templates, list):
        return []
    return [str(t.get("metadata", {}).get("name", "")) if isinstance(t, dict) else ""
            for t in templates]


def _line_key(m: Manifest, *dotted: str) -> str | None:
    for d in dotted:
        if d in m.key_lines:
            return d
    return None


class ImmutableFieldChange(ManifestDetector):
    """A change edits a field that is immutable, forcing the object to be deleted and recreated.

    ## What it detects
    Objects present before and after the change whose immutable fields differ:
    - `spec.selector` of a Deployment, DaemonSet or ReplicaSet;
    - StatefulSet spec fields other than `replicas`, `ordinals`, `template`,
      `updateStrategy`, `persistentVolumeClaimRetentionPolicy` and `minReadySeconds`
      (`volumeClaimTemplates`, `serviceName`, `selector`, `podManagementPolicy`…);
    - a Job's `spec.template` or `spec.selector` (not for Helm / Argo CD hook Jobs, which are
      recreated by design);
    - a PersistentVolumeClaim's spec other than a storage increase (a shrink is flagged too);
    - a Service's `spec.clusterIP` changed from one address to another.

    It also flags Argo CD `argocd.argoproj.io/sync-options: Replace=true` or `Force=true`
    newly set on an object (or in an Application's `syncOptions`): they make Argo CD replace
    or delete-and-recreate objects. `Replace=true` alone on a CustomResourceDefinition (the
    usual fix for oversized CRDs) is not flagged. Differences only in whether a key is set at
    all, where Kubernetes may have filled in a default, are `medium` with low confidence.

    ## Why is this risky?
    The API server rejects updates to these fields ("field is immutable", "Forbidden"), so
    the sync fails; the usual way out (`kubectl replace --force`, Argo CD `Replace=true`,
    `helm upgrade --force`, `--cascade=orphan`) deletes and recreates the object: pods
    restart all at once, a recreated claim gets a new empty volume, a new Service IP breaks
    clients that cached the old one.

    ## Example
    ```diff
    diff --git a/k8s/app.yaml b/k8s/app.yaml
    index 1a2b3c4..5d6e7f8 100644
    --- a/k8s/app.yaml
    +++ b/k8s/app.yaml
    @@ -1,12 +1,12 @@
     apiVersion: apps/v1
     kind: Deployment
     metadata:
       name: api
       namespace: payments
     spec:
       replicas: 3
       selector:
         matchLabels:
    -      app: api
    +      app: payments-api
       template:
         metadata:
    ```

    ## Safer alternative
    Change only mutable fields (labels of the pod template may gain keys the selector does
    not use); to change a selector, create a workload under a new name and move traffic:
    ```diff
    diff --git a/k8s/app.yaml b/k8s/app.yaml
    index 1a2b3c4..5d6e7f8 100644
    --- a/k8s/app.yaml
    +++ b/k8s/app.yaml
    @@ -1,12 +1,12 @@
     apiVersion: apps/v1
     kind: Deployment
     metadata:
       name: api
       namespace: payments
     spec:
    -  replicas: 3
    +  replicas: 4
       selector:
         matchLabels:
           app: api
       template:
         metadata:
    ```

    ## References
    - Kubernetes API server validation: `ValidateStatefulSetUpdate` ("updates to statefulset
      spec for fields other than … are forbidden"); selector immutability in `apps/v1`
      (kubernetes/kubernetes#50808)
    - kube-linter `mismatching-selector`
    - Argo CD sync options `Replace=true`, `Force=true`
    """

    code = "K8S004"
    name = "immutable-field-change"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.HIGH
    remediation = (
        "Leave immutable fields as they are; to change them, create the object under a new name "
        "and migrate to it, or plan the delete/recreate (with a data backup) as its own change."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        revisions = Revisions(doc)
        for m in doc.manifests:
            old = revisions.previous(m)
            yield from self._forcing_options(doc, m, old)
            if old is None:
                continue
            if m.kind in _SELECTOR_IMMUTABLE:
                yield from self._selector(doc, m, old)
            elif m.kind == "StatefulSet":
                yield from self._statefulset(doc, m, old)
            elif m.kind == "Job":
                yield from self._job(doc, m, old)
            elif m.kind == "PersistentVolumeClaim":
                yield from self._pvc(doc, m, old)
            elif m.kind == "Service":
                yield from self._service(doc, m, old)

    def _recreate(self, m: Manifest, what: str) -> str:
        return (f"{describe(m)}: {what} is immutable; the update is "
                "rejected unless the object is deleted and recreated")

    def _selector(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        before, after = old.get("spec.selector"), m.get("spec.selector")
        if not isinstance(before, dict) or not isinstance(after, dict) or before == after:
            return
        if _norm(before) == _norm(after):
            return
        yield self.finding(
            self._recreate(m, "spec.selector"), location(doc, m, "spec.selector"),
            evidence=trim(f"spec.selector: {fmt(before)} → {fmt(after)}"))

    def _statefulset(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        before, after = old.spec, m.spec
        if not before or not after or before == after:
            return
        changed: list[str] = []
        evidence: list[str] = []
        certain = False
        for key in sorted((set(before) | set(after)) - _STS_MUTABLE):
            a = before.get(key, _STS_DEFAULTS.get(key))
            b = after.get(key, _STS_DEFAULTS.get(key))
            if key == "volumeClaimTemplates":
                names_before = [n for n in _claim_names(old) if n]
                if names_before and not set(names_before) <= set(_claim_names(m)):
                    continue  # claims removed: K8S002 reports it
                a = [_claim_template(t) for t in a or []]
                b = [_claim_template(t) for t in b or []]
                if a != b:
                    paths = _diff_paths(a, b, "volumeClaimTemplates")
                    changed.append(key)
                    evidence.append(", ".join(paths) or key)
                    certain = True
                continue
            if _norm(a) == _norm(b):
                continue
            changed.append(key)
            evidence.append(f"{key}: {fmt(a)} → {fmt(b)}")
            certain = certain or (a is not None and b is not None)
        if not changed:
            return
        dotted = _line_key(m, *(f"spec.{k}" for k in changed)) or "spec"
        yield self.finding(
            self._recreate(m, f"spec.{', spec.'.join(changed)}")
            + " (only replicas, ordinals, template, updateStrategy, "
            "persistentVolumeClaimRetentionPolicy and minReadySeconds may change)",
            location(doc, m, dotted), evidence=trim("; ".join(evidence)),
            severity=None if certain else Severity.MEDIUM,
            confidence=None if certain else Confidence.LOW)

    def _job(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        if any(h in m.annotations or h in old.annotations for h in _HOOKS):
            return
        if m.get("metadata.generateName") or set(_FORCING) & sync_options(m):
            return
        for key in ("template", "selector"):
            a, b = old.spec.get(key), m.spec.get(key)
            if a is None or b is None or a == b or _norm(a) == _norm(b):
                continue
            paths = _diff_paths(_norm(a), _norm(b), f"spec.{key}")
            yield self.finding(
                self._recreate(m, f"spec.{key}") + "; a recreated Job runs again",
                location(doc, m, f"spec.{key}"),
                evidence=trim(f"changed: {', '.join(paths)}"))

    def _pvc(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        before, after = old.spec, m.spec
        if not before or not after or before == after:
            return
        size_a = quantity(old.get("spec.resources.requests.storage"))
        size_b = quantity(m.get("spec.resources.requests.storage"))
        if size_a is not None and size_b is not None and size_b < size_a:
            yield self.finding(
                f"{describe(m)}: storage request shrinks "
                "from "
                f"{old.get('spec.resources.requests.storage')} to "
                f"{m.get('spec.resources.requests.storage')}; claims cannot shrink, only a new "
                "claim (an empty volume) can be smaller",
                location(doc, m, "spec.resources.requests.storage"),
                evidence=f"storage: {old.get('spec.resources.requests.storage')} → "
                         f"{m.get('spec.resources.requests.storage')}")
        a, b = self._pvc_fixed(before), self._pvc_fixed(after)
        if a == b:
            return
        paths = _diff_paths(a, b, "spec")
        certain = all(self._both_set(a, b, p) for p in paths)
        dotted = _line_key(m, *paths) or "spec"
        yield self.finding(
            self._recreate(m, ", ".join(paths) or "spec")
            + " (only the storage request may grow); a recreated claim gets a new, empty volume",
            location(doc, m, dotted),
            evidence=trim("; ".join(f"{p}: {fmt(self._at(a, p))} → {fmt(self._at(b, p))}"
                                    for p in paths)),
            severity=None if certain else Severity.MEDIUM,
            confidence=None if certain else Confidence.LOW)

    @staticmethod
    def _pvc_fixed(spec: dict[str, Any]) -> Any:
        fixed = {k: v for k, v in spec.items() if k not in _PVC_MUTABLE}
        resources = fixed.get("resources")
        if isinstance(resources, dict):
            resources = dict(resources)
            requests = resources.get("requests")
            if isinstance(requests, dict):
                resources["requests"] = {k: v for k, v in requests.items() if k != "storage"}
            fixed["resources"] = resources
        return _norm(fixed)

    @staticmethod
    def _at(value: Any, dotted: str) -> Any:
        for part in dotted.split(".")[1:]:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return value

    def _both_set(self, a: Any, b: Any, dotted: str) -> bool:
        return self._at(a, dotted) is not None and self._at(b, dotted) is not None

    def _service(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        a, b = old.get("spec.clusterIP"), m.get("spec.clusterIP")
        if not isinstance(a, str) or not isinstance(b, str) or not a or not b or a == b:
            return
        yield self.finding(
            self._recreate(m, "spec.clusterIP") + "; clients of the old address break",
            location(doc, m, "spec.clusterIP"), evidence=f"spec.clusterIP: {a} → {b}")

    # -- Argo CD Replace=true / Force=true -----------------------------------------------

    def _forcing_options(self, doc: ManifestSet, m: Manifest,
                         old: Manifest | None) -> Iterator[Finding]:
        if ARGO_SYNC_OPTIONS in m.annotations:
            options = sync_options(m) & set(_FORCING)
            if m.kind == "CustomResourceDefinition" and "force=true" not in options:
                options = set()
            if old is not None:
                options -= sync_options(old)
            dotted = annotation_key(ARGO_SYNC_OPTIONS)
            if options and touched(doc, m, dotted):
                yield self._forcing(doc, m, options, dotted,
                                    f"{ARGO_SYNC_OPTIONS}: {m.annotations[ARGO_SYNC_OPTIONS]}")
        if m.kind in ("Application", "ApplicationSet") and m.group == "argoproj.io":
            prefix = "spec.template.spec" if m.kind == "ApplicationSet" else "spec"
            dotted = f"{prefix}.syncPolicy.syncOptions"
            options = self._app_options(m, dotted)
            if old is not None:
                options -= self._app_options(old, dotted)
            if options and touched(doc, m, dotted):
                yield self._forcing(doc, m, options, dotted,
                                    f"syncOptions: {sorted(options)}")

    @staticmethod
    def _app_options(m: Manifest, dotted: str) -> set[str]:
        raw = m.get(dotted)
        if not isinstance(raw, list):
            return set()
        return {str(o).strip().lower().replace(" ", "") for o in raw} & set(_FORCING)

    def _forcing(self, doc: ManifestSet, m: Manifest, options: set[str], dotted: str,
                 evidence: str) -> Finding:
        app = m.kind.startswith("Application")
        target = "every resource of the application" if app else "it"
        if "force=true" in options:
            effect = f"deletes and recreates {target} whenever a sync changes {target}"
        else:
            effect = (f"makes Argo CD replace {target} instead of patching, which recreates "
                      f"{target} when an immutable field changes")
        names = ", ".join(o.replace("force", "Force").replace("replace", "Replace")
                          for o in sorted(options))
        return self.finding(
            f"{describe(m)}: Argo CD {names} {effect}",
            location(doc, m, dotted), evidence=trim(evidence))

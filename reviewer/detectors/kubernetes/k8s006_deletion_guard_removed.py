"""K8S006: a Helm / Argo CD / Flux deletion guard is removed, or pruning is switched on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.kubernetes._common import (
    STATEFUL_KINDS,
    ManifestDetector,
    Origin,
    Revisions,
    deletion_guards,
    describe,
    first_line,
    fmt,
    location,
    touched,
)
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

_ARGO_FINALIZER = "resources-finalizer.argocd.argoproj.io"
_GITOPS_GROUPS = frozenset({"argoproj.io", "kustomize.toolkit.fluxcd.io"})


def _prune_path(m: Manifest) -> str | None:
    """Where an Argo CD Application / ApplicationSet or Flux Kustomization turns pruning on."""
    if m.group == "argoproj.io":
        if m.kind == "Application":
            return "spec.syncPolicy.automated.prune"
        if m.kind == "ApplicationSet":
            return "spec.template.spec.syncPolicy.automated.prune"
    if m.kind == "Kustomization" and m.group == "kustomize.toolkit.fluxcd.io":
        return "spec.prune"
    return None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class DeletionGuardRemoved(ManifestDetector):
    """A deletion guard annotation is removed, or GitOps pruning is newly switched on.

    ## What it detects
    - `helm.sh/resource-policy: keep`, Argo CD `argocd.argoproj.io/sync-options`
      `Prune=false` / `Delete=false` (or `=confirm`), or Flux
      `kustomize.toolkit.fluxcd.io/prune: disabled` present on an object before the change
      and gone after it (`high` on Namespaces, volumes, StatefulSets, CRDs, StorageClasses and
      Secrets; `medium` on other kinds);
    - an existing Argo CD Application's `syncPolicy.automated.prune` (or an ApplicationSet
      template's), or a Flux Kustomization's `spec.prune`, switched to `true`;
    - an ApplicationSet's `syncPolicy.preserveResourcesOnDeletion: true` removed, or the
      `resources-finalizer.argocd.argoproj.io` finalizer added to an existing Application
      (`medium`: deleting the Application then deletes everything it deployed).

    A guard that is replaced by an equivalent one (`Prune=false` → `Prune=confirm`) is not
    flagged, and neither are new Applications created with pruning on.

    ## Why is this risky?
    These guards are what keeps a stateful object alive when its manifest disappears,
    a chart is uninstalled or an application is deleted. Removing one is the first half of a
    two-step deletion: the next change that drops the manifest destroys the object and its
    data. Switching pruning on makes every object missing from Git (renamed, moved to
    another app, rendered out by a values change) get deleted on the next sync.

    ## Example
    ```diff
    diff --git a/k8s/pvc.yaml b/k8s/pvc.yaml
    index 2f4e6a1..7b9c0d2 100644
    --- a/k8s/pvc.yaml
    +++ b/k8s/pvc.yaml
    @@ -1,10 +1,8 @@
     apiVersion: v1
     kind: PersistentVolumeClaim
     metadata:
       name: ledger-data
       namespace: payments
    -  annotations:
    -    helm.sh/resource-policy: keep
     spec:
       accessModes: [ReadWriteOnce]
       storageClassName: gp3
    ```

    ## Safer alternative
    Keep the guard while changing other fields; remove it only in a change whose stated
    purpose is deleting the object:
    ```diff
    diff --git a/k8s/pvc.yaml b/k8s/pvc.yaml
    index 2f4e6a1..7b9c0d2 100644
    --- a/k8s/pvc.yaml
    +++ b/k8s/pvc.yaml
    @@ -1,10 +1,10 @@
     apiVersion: v1
     kind: PersistentVolumeClaim
     metadata:
       name: ledger-data
       namespace: payments
       annotations:
         helm.sh/resource-policy: keep
     spec:
    -  accessModes: [ReadWriteOnce]
    +  accessModes: [ReadWriteOncePod]
       storageClassName: gp3
    ```

    ## References
    - Helm `pkg/kube/resource_policy.go` (`helm.sh/resource-policy: keep`); Argo CD honours
      it since argoproj/argo-cd#13157
    - Argo CD sync options `Prune=false`, `Delete=false`, automated sync `prune`
    - Flux kustomize-controller `kustomize.toolkit.fluxcd.io/prune: disabled`
    - DCG `kubernetes.helm:*`
    """

    code = "K8S006"
    name = "deletion-guard-removed"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.HIGH
    remediation = (
        "Keep the deletion guard on stateful objects; turn pruning on only after checking that "
        "nothing the application owns is missing from Git, in a change of its own."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        if doc.changed_lines is None:
            return
        revisions = Revisions(doc)
        if revisions.before is None:
            return
        for old in revisions.before.manifests:
            if not old.annotations and not old.labels:
                continue  # cheap pre-check: most objects carry no guard
            if deletion_guards(old):
                m = revisions.current_index.match(old)
                if m is not None:
                    yield from self._guards(doc, m, old)
        for m in doc.manifests:
            if m.group not in _GITOPS_GROUPS:
                continue
            origin, previous = revisions.origin(m)
            if origin is not Origin.CHANGED or previous is None:
                continue
            prune = _prune_path(m)
            if prune is not None:
                yield from self._prune(doc, m, previous, prune)
            if m.group == "argoproj.io":
                yield from self._argo_cascade(doc, m, previous)

    def _guards(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        before = deletion_guards(old)
        if not before:
            return
        after = deletion_guards(m)
        lost = [text for category, text in before.items() if category not in after]
        if not lost:
            return
        stateful = m.kind in STATEFUL_KINDS
        dotted = first_line(m, "metadata.annotations", "metadata")
        yield self.finding(
            f"{describe(m)}: deletion guard {', '.join(lost)} is "
            "removed; the object can now be deleted by pruning or uninstall",
            location(doc, m, dotted or None), evidence=f"removed: {'; '.join(lost)}",
            severity=None if stateful else Severity.MEDIUM)

    def _prune(self, doc: ManifestSet, m: Manifest, old: Manifest,
               dotted: str) -> Iterator[Finding]:
        if not _truthy(m.get(dotted)) or _truthy(old.get(dotted)):
            return
        if not touched(doc, m, dotted):
            return
        what = "automated sync prune" if m.group == "argoproj.io" else "spec.prune"
        yield self.finding(
            f"{describe(m)}: {what} is switched on; objects missing "
            "from Git are deleted on the next sync",
            location(doc, m, dotted), evidence=f"{dotted}: {fmt(old.get(dotted))} → true")

    def _argo_cascade(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        if m.kind == "ApplicationSet":
            dotted = "spec.syncPolicy.preserveResourcesOnDeletion"
            if _truthy(old.get(dotted)) and not _truthy(m.get(dotted)):
                yield self.finding(
                    f"ApplicationSet {m.name}: preserveResourcesOnDeletion is removed; deleting "
                    "a generated Application deletes its resources",
                    location(doc, m, first_line(m, dotted, "spec.syncPolicy", "spec") or None),
                    evidence=f"{dotted}: true → {fmt(m.get(dotted))}",
                    severity=Severity.MEDIUM)
        elif m.kind == "Application":
            finalizers = m.get("metadata.finalizers")
            before = old.get("metadata.finalizers")
            has = isinstance(finalizers, list) and _ARGO_FINALIZER in finalizers
            had = isinstance(before, list) and _ARGO_FINALIZER in before
            if has and not had and touched(doc, m, "metadata.finalizers"):
                yield self.finding(
                    f"Application {m.name}: the {_ARGO_FINALIZER} finalizer is added; deleting "
                    "the Application will delete every resource it deployed",
                    location(doc, m, "metadata.finalizers"),
                    evidence=f"metadata.finalizers: + {_ARGO_FINALIZER}",
                    severity=Severity.MEDIUM)

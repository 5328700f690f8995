"""K8S001: a Namespace object disappears from the manifests."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.kubernetes._common import (
    ManifestDetector,
    Revisions,
    environment_label,
    is_ephemeral_name,
    keeps_on_removal,
    removed_location,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import ManifestSet


class NamespaceDeleted(ManifestDetector):
    """A Namespace manifest is removed, so GitOps pruning deletes it and everything in it.

    ## What it detects
    A `kind: Namespace` object that the file had before the change and no longer has (the
    document was deleted, or the whole file was). Argo CD or Flux with pruning on, and
    `kubectl apply --prune`, then delete the namespace. Preview namespaces (`preview-*`,
    `review-*`, `pr-123`, `ephemeral`) are reported at `medium`; a namespace whose manifest
    carried `helm.sh/resource-policy: keep`, Argo CD `Prune=false`/`Delete=false` or Flux
    `kustomize.toolkit.fluxcd.io/prune: disabled` is left in place by those tools and is
    reported at `low`.

    ## Why is this risky?
    Deleting a namespace deletes every object in it: Deployments, Services, Secrets,
    ConfigMaps, custom resources and the PersistentVolumeClaims that hold the data (whose
    volumes are usually deleted with them). It cannot be undone, and it is quick.

    ## Example
    ```diff
    diff --git a/k8s/namespace.yaml b/k8s/namespace.yaml
    deleted file mode 100644
    index 3b18e51..0000000
    --- a/k8s/namespace.yaml
    +++ /dev/null
    @@ -1,6 +0,0 @@
    -apiVersion: v1
    -kind: Namespace
    -metadata:
    -  name: payments
    -  labels:
    -    environment: prod
    ```

    ## Safer alternative
    Keep the Namespace manifest, or protect it before moving it elsewhere so that removing it
    from this application orphans it instead of deleting it:
    ```diff
    diff --git a/k8s/namespace.yaml b/k8s/namespace.yaml
    index 3b18e51..9c2d0a4 100644
    --- a/k8s/namespace.yaml
    +++ b/k8s/namespace.yaml
    @@ -1,6 +1,8 @@
     apiVersion: v1
     kind: Namespace
     metadata:
       name: payments
    +  annotations:
    +    argocd.argoproj.io/sync-options: Delete=false
       labels:
         environment: prod
    ```

    ## References
    - DCG `kubernetes.kubectl:delete-namespace`
    - Argo CD sync options: `Prune=confirm` / `Delete=false` guidance for Namespaces
    - Kubernetes docs: "deleting a namespace deletes all custom objects in that namespace"
    """

    code = "K8S001"
    name = "namespace-deleted"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.CRITICAL
    remediation = (
        "Keep the Namespace manifest; if its ownership moves elsewhere, first annotate it "
        "`argocd.argoproj.io/sync-options: Delete=false` (or `helm.sh/resource-policy: keep`) "
        "so that removing it orphans the namespace instead of deleting it."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        if doc.changed_lines is None:
            return
        revisions = Revisions(doc)
        for old in revisions.removed("Namespace"):
            confidence = Confidence.LOW if revisions.uncertain else None
            label = environment_label(old)
            evidence = f"kind: Namespace, name: {old.name} removed"
            guard = keeps_on_removal(old)
            if guard:
                yield self.finding(
                    f"Namespace {old.name}{label} is removed from the manifests; its guard "
                    f"`{guard}` should leave the live namespace in place",
                    removed_location(doc, old), evidence=f"{evidence}; {guard}",
                    severity=Severity.LOW, confidence=confidence,
                )
                continue
            if is_ephemeral_name(old.name, old.labels):
                yield self.finding(
                    f"Preview namespace {old.name} is removed; pruning deletes it and "
                    "everything in it",
                    removed_location(doc, old), evidence=evidence,
                    severity=Severity.MEDIUM, confidence=confidence,
                )
                continue
            yield self.finding(
                f"Namespace {old.name}{label} is removed; GitOps pruning deletes it with every "
                "object and volume claim in it",
                removed_location(doc, old), evidence=evidence, confidence=confidence,
            )

"""K8S003: a CustomResourceDefinition is removed or loses a served / stored version."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.kubernetes._common import (
    ManifestDetector,
    Revisions,
    keeps_on_removal,
    location,
    removed_location,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet


def _versions(crd: Manifest) -> dict[str, tuple[bool, bool]]:
    """Version name → (served, storage); handles the v1beta1 ``spec.version`` form."""
    out: dict[str, tuple[bool, bool]] = {}
    versions = crd.get("spec.versions")
    if isinstance(versions, list):
        for v in versions:
            if isinstance(v, dict) and v.get("name"):
                out[str(v["name"])] = (v.get("served", True) is not False,
                                       v.get("storage") is True)
    single = crd.get("spec.version")
    if isinstance(single, str) and single and single not in out:
        out[single] = (True, not out)
    return out


def _served_key(crd: Manifest, version: str) -> str | None:
    """Dotted key of ``served`` of one version in ``spec.versions`` (for its line)."""
    versions = crd.get("spec.versions")
    if not isinstance(versions, list):
        return None
    for i, v in enumerate(versions):
        if isinstance(v, dict) and str(v.get("name")) == version:
            key = f"spec.versions.{i}.served"
            return key if key in crd.key_lines else f"spec.versions.{i}"
    return None


def _kind_name(crd: Manifest) -> str:
    kind = crd.get("spec.names.kind")
    group = crd.get("spec.group")
    if kind and group:
        return f"{kind} ({group})"
    return crd.name


class CrdDeleted(ManifestDetector):
    """A CustomResourceDefinition is removed, or a version it serves or stores is dropped.

    ## What it detects
    - a `CustomResourceDefinition` the file had before and no longer has (pruning deletes
      it): `critical`, `low` when the removed manifest carried a deletion guard
      (`helm.sh/resource-policy: keep`, Argo CD `Prune=false` / `Delete=false`);
    - a version that was served or was the storage version removed from `spec.versions`:
      `critical`;
    - a version switched from `served: true` to `served: false`: `high`.

    Versions already neither served nor stored may be removed without a finding.

    ## Why is this risky?
    Deleting a CRD uninstalls its API and deletes every custom resource of that kind in the
    cluster (certificates, database clusters, alert rules…), and the operators relying on them
    then tear down what they managed. Dropping a version that objects are still stored in or
    that clients use breaks reads and writes of those objects.

    ## Example
    ```diff
    diff --git a/crds/backups.yaml b/crds/backups.yaml
    index 4d1c2b0..8e7f3a1 100644
    --- a/crds/backups.yaml
    +++ b/crds/backups.yaml
    @@ -1,19 +1,15 @@
     apiVersion: apiextensions.k8s.io/v1
     kind: CustomResourceDefinition
     metadata:
       name: backups.stash.example.com
     spec:
       group: stash.example.com
       names:
         kind: Backup
         plural: backups
       scope: Namespaced
       versions:
    -    - name: v1alpha1
    -      served: true
    -      storage: true
    -      schema: {openAPIV3Schema: {type: object}}
         - name: v1
           served: true
    -      storage: false
    +      storage: true
           schema: {openAPIV3Schema: {type: object}}
    ```

    ## Safer alternative
    Stop serving the old version first, migrate stored objects (`status.storedVersions`), and
    remove the version only once it is neither served nor stored:
    ```diff
    diff --git a/crds/backups.yaml b/crds/backups.yaml
    index 4d1c2b0..8e7f3a1 100644
    --- a/crds/backups.yaml
    +++ b/crds/backups.yaml
    @@ -1,19 +1,15 @@
     apiVersion: apiextensions.k8s.io/v1
     kind: CustomResourceDefinition
     metadata:
       name: backups.stash.example.com
     spec:
       group: stash.example.com
       names:
         kind: Backup
         plural: backups
       scope: Namespaced
       versions:
    -    - name: v1alpha1
    -      served: false
    -      storage: false
    -      schema: {openAPIV3Schema: {type: object}}
         - name: v1
           served: true
           storage: true
           schema: {openAPIV3Schema: {type: object}}
    ```

    ## References
    - Kubernetes docs: "Delete a CustomResourceDefinition" (deletes all custom objects)
    - Kubernetes docs: CRD versioning, removing an old version after storage migration
    - Pluto (FairwindsOps/pluto): REMOVED API versions
    """

    code = "K8S003"
    name = "crd-deleted"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.CRITICAL
    remediation = (
        "Keep the CRD (install it from one place only, annotated "
        "`helm.sh/resource-policy: keep`); retire a version by setting `served: false`, "
        "migrating stored objects, and removing it once it is neither served nor stored."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        if doc.changed_lines is None:
            return
        revisions = Revisions(doc)
        if revisions.before is None:
            return
        confidence = Confidence.LOW if revisions.uncertain else None
        for old in revisions.removed("CustomResourceDefinition"):
            guard = keeps_on_removal(old)
            if guard:
                yield self.finding(
                    f"CustomResourceDefinition {old.name} is removed from the manifests; its "
                    f"guard `{guard}` should leave it installed",
                    removed_location(doc, old), evidence=f"CRD removed; {guard}",
                    severity=Severity.LOW, confidence=confidence)
                continue
            yield self.finding(
                f"CustomResourceDefinition {old.name} is removed; deleting it deletes every "
                f"{_kind_name(old)} object in the cluster",
                removed_location(doc, old), evidence=f"CRD {old.name} removed",
                confidence=confidence)
        for m in doc.by_kind("CustomResourceDefinition"):
            previous = revisions.previous(m)
            if previous is not None:
                yield from self._versions(doc, m, previous)

    def _versions(self, doc: ManifestSet, m: Manifest, old: Manifest) -> Iterator[Finding]:
        before, after = _versions(old), _versions(m)
        if not before or not after:
            return  # a partial document without its versions tells nothing
        dotted = "spec.versions" if "spec.versions" in m.key_lines else "spec.version"
        for name, (served, storage) in before.items():
            if name not in after:
                if not served and not storage:
                    continue
                role = "storage version" if storage else "served version"
                yield self.finding(
                    f"CustomResourceDefinition {m.name}: {role} {name} is removed; objects "
                    f"stored or read as {name} break",
                    location(doc, m, dotted),
                    evidence=f"versions: {sorted(before)} → {sorted(after)}")
            elif served and not after[name][0]:
                yield self.finding(
                    f"CustomResourceDefinition {m.name}: version {name} is no longer served; "
                    f"clients using {name} fail",
                    location(doc, m, _served_key(m, name) or dotted),
                    evidence=f"{name}: served true → false",
                    severity=Severity.HIGH)

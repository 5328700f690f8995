"""K8S002: a change deletes persistent volumes or makes their deletion automatic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.kubernetes._common import (
    ManifestDetector,
    Origin,
    Revisions,
    describe,
    environment_label,
    keeps_on_removal,
    location,
    looks_like_cache,
    removed_location,
    touched,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

_RETENTION = "spec.persistentVolumeClaimRetentionPolicy"
_PV_POLICY = "spec.persistentVolumeReclaimPolicy"


def _claim_names(sts: Manifest) -> list[str]:
    templates = sts.get("spec.volumeClaimTemplates")
    if not isinstance(templates, list):
        return []
    names: list[str] = []
    for t in templates:
        name = t.get("metadata", {}).get("name") if isinstance(t, dict) else None
        names.append(str(name) if name else "")
    return names


def _retain_classes(manifests: list[Manifest]) -> set[str]:
    """StorageClasses (and PVs) in the file whose reclaim policy keeps the disk."""
    kept: set[str] = set()
    for m in manifests:
        if m.kind == "StorageClass" and str(m.body.get("reclaimPolicy", "")) == "Retain":
            kept.add(f"sc:{m.name}")
        elif m.kind == "PersistentVolume" and str(m.get(_PV_POLICY, "")) == "Retain":
            kept.add(f"pv:{m.name}")
    return kept


class PersistentDataAtRisk(ManifestDetector):
    """A PersistentVolumeClaim or PersistentVolume is removed, or volume deletion becomes automatic.

    ## What it detects
    - a `PersistentVolumeClaim` or `PersistentVolume` the file had before and no longer has
      (GitOps pruning deletes it);
    - a PersistentVolume's `persistentVolumeReclaimPolicy` changed to `Delete`, a
      StorageClass's `reclaimPolicy` changed from `Retain` to `Delete` (or removed: the
      default is `Delete`);
    - a StatefulSet's `persistentVolumeClaimRetentionPolicy.whenDeleted` / `whenScaled`
      set to `Delete`, or a StatefulSet with `whenDeleted: Delete` removed;
    - a StatefulSet's `volumeClaimTemplates` (or one of them) removed.

    `critical` by default. Objects whose reclaim policy is `Retain`, or whose name says
    they are a cache or scratch space, are `medium`; removed objects that carry a deletion
    guard (`helm.sh/resource-policy: keep`, Argo CD `Prune=false`) are `low`. A StorageClass
    change is `high`: it affects volumes provisioned from then on. A new object created with
    a `Delete` policy is `high` (retention policy) or `medium` (PersistentVolume).

    ## Why is this risky?
    Dynamically provisioned volumes are created with reclaim policy `Delete`: deleting the
    claim deletes the cloud disk and its data. A retention policy of `Delete` makes the next
    scale-in or StatefulSet deletion destroy the claims too. None of it can be undone.

    ## Example
    ```diff
    diff --git a/k8s/pvc.yaml b/k8s/pvc.yaml
    deleted file mode 100644
    index 5e0c1aa..0000000
    --- a/k8s/pvc.yaml
    +++ /dev/null
    @@ -1,11 +0,0 @@
    -apiVersion: v1
    -kind: PersistentVolumeClaim
    -metadata:
    -  name: ledger-data
    -  namespace: payments
    -spec:
    -  accessModes: [ReadWriteOnce]
    -  storageClassName: gp3
    -  resources:
    -    requests:
    -      storage: 200Gi
    ```

    ## Safer alternative
    Keep the claim (or snapshot the volume and set the PersistentVolume's reclaim policy to
    `Retain` first); keep StatefulSet retention policies at `Retain`:
    ```yaml
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: ledger-db
    spec:
      serviceName: ledger-db
      persistentVolumeClaimRetentionPolicy:
        whenDeleted: Retain
        whenScaled: Retain
      selector:
        matchLabels: {app: ledger-db}
      template:
        metadata:
          labels: {app: ledger-db}
        spec:
          containers:
            - name: postgres
              image: postgres:16.2
    ```

    ## References
    - DCG `kubernetes.kubectl:delete-pvc`, `delete-pv`
    - Kubernetes docs: persistent volume reclaiming; StatefulSet PersistentVolumeClaim
      retention
    - StorageClass `reclaimPolicy` "Defaults to Delete" (Kubernetes API reference)
    """

    code = "K8S002"
    name = "persistent-data-at-risk"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.CRITICAL
    remediation = (
        "Snapshot the volume and set its PersistentVolume's reclaim policy to `Retain` before "
        "removing the claim; keep StatefulSet `persistentVolumeClaimRetentionPolicy` at `Retain`."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        revisions = Revisions(doc)
        yield from self._removed(doc, revisions)
        for m in doc.manifests:
            if m.kind == "PersistentVolume":
                yield from self._pv_policy(doc, revisions, m)
            elif m.kind == "StorageClass":
                yield from self._storage_class(doc, revisions, m)
            elif m.kind == "StatefulSet":
                yield from self._retention(doc, revisions, m)
                yield from self._claim_templates(doc, revisions, m)

    # -- removed objects ------------------------------------------------------------------

    def _removed(self, doc: ManifestSet, revisions: Revisions) -> Iterator[Finding]:
        if revisions.before is None:
            return
        kept: set[str] | None = None
        confidence = Confidence.LOW if revisions.uncertain else None
        for old in revisions.removed("PersistentVolumeClaim", "PersistentVolume",
                                     "StatefulSet"):
            if old.kind == "StatefulSet":
                if str(old.get(f"{_RETENTION}.whenDeleted", "")) == "Delete" \
                        and _claim_names(old) and not keeps_on_removal(old):
                    yield self.finding(
                        f"StatefulSet {old.name}{environment_label(old)} is removed with "
                        "whenDeleted: Delete; its PersistentVolumeClaims "
                        f"({', '.join(n for n in _claim_names(old) if n)}) are deleted with it",
                        removed_location(doc, old),
                        evidence="persistentVolumeClaimRetentionPolicy.whenDeleted: Delete",
                        confidence=confidence,
                    )
                continue
            if kept is None:
                kept = _retain_classes(list(revisions.all_manifests()))
            yield self._removed_volume(doc, old, kept, confidence)

    def _removed_volume(self, doc: ManifestSet, old: Manifest, kept: set[str],
                        confidence: Confidence | None) -> Finding:
        where = removed_location(doc, old)
        what = describe(old)
        guard = keeps_on_removal(old)
        if guard:
            return self.finding(
                f"{what} is removed from the manifests; its guard `{guard}` should leave the "
                "live object and its data in place",
                where, evidence=f"{old.kind} removed; {guard}",
                severity=Severity.LOW, confidence=confidence)
        if old.kind == "PersistentVolume":
            policy = str(old.get(_PV_POLICY) or "Retain")
            if policy == "Retain":
                return self.finding(
                    f"{what} is removed; its reclaim policy Retain keeps the disk, but the "
                    "volume must be re-bound by hand", where,
                    evidence=f"persistentVolumeReclaimPolicy: {policy}",
                    severity=Severity.MEDIUM, confidence=confidence)
            return self.finding(
                f"{what} is removed with reclaim policy {policy}: the disk and its data are "
                "deleted", where, evidence=f"persistentVolumeReclaimPolicy: {policy}",
                confidence=confidence)
        storage = old.get("spec.resources.requests.storage")
        evidence = f"PersistentVolumeClaim removed (storage: {storage})" if storage else \
            "PersistentVolumeClaim removed"
        retained = f"sc:{old.get('spec.storageClassName')}" in kept or \
            f"pv:{old.get('spec.volumeName')}" in kept
        if retained:
            return self.finding(
                f"{what} is removed; its volume's reclaim policy Retain keeps the disk",
                where, evidence=evidence, severity=Severity.MEDIUM, confidence=confidence)
        if looks_like_cache(old.name):
            return self.finding(
                f"{what} is removed; its name suggests a cache, but pruning deletes the claim "
                "and (with reclaim policy Delete) its disk", where, evidence=evidence,
                severity=Severity.MEDIUM, confidence=confidence)
        return self.finding(
            f"{what} is removed; pruning deletes the claim and, with the default reclaim policy "
            "Delete, the disk and its data", where, evidence=evidence, confidence=confidence)

    # -- reclaim and retention policies ---------------------------------------------------

    def _pv_policy(self, doc: ManifestSet, revisions: Revisions, m: Manifest) -> Iterator[Finding]:
        policy = m.get(_PV_POLICY)
        if policy != "Delete" or not touched(doc, m, _PV_POLICY):
            return
        origin, old = revisions.origin(m)
        where = location(doc, m, _PV_POLICY)
        if origin is Origin.CHANGED and old is not None:
            before = old.get(_PV_POLICY) or "Retain"
            if before == "Delete":
                return
            yield self.finding(
                f"{describe(m)}: reclaim policy changes from "
                f"{before} to Delete; deleting its claim will delete the disk",
                where, evidence=f"persistentVolumeReclaimPolicy: {before} → Delete")
            return
        yield self.finding(
            f"{describe(m)} has reclaim policy Delete; "
            "deleting its claim deletes the disk",
            where, evidence="persistentVolumeReclaimPolicy: Delete", severity=Severity.MEDIUM)

    def _storage_class(self, doc: ManifestSet, revisions: Revisions,
                       m: Manifest) -> Iterator[Finding]:
        origin, old = revisions.origin(m)
        if origin is not Origin.CHANGED or old is None:
            return  # Delete is the default for new classes: nothing weakens
        if str(old.body.get("reclaimPolicy", "")) != "Retain":
            return
        after = str(m.body.get("reclaimPolicy") or "Delete")
        if after == "Retain":
            return
        yield self.finding(
            f"StorageClass {m.name}: reclaimPolicy changes from Retain to {after}; volumes "
            "provisioned from it will be deleted with their claims",
            location(doc, m, "reclaimPolicy" if "reclaimPolicy" in m.key_lines else None),
            evidence=f"reclaimPolicy: Retain → {m.body.get('reclaimPolicy') or '(unset: Delete)'}",
            severity=Severity.HIGH)

    def _retention(self, doc: ManifestSet, revisions: Revisions,
                   m: Manifest) -> Iterator[Finding]:
        policy = m.get(_RETENTION)
        if not isinstance(policy, dict):
            return
        origin, old = revisions.origin(m)
        for when in ("whenDeleted", "whenScaled"):
            dotted = f"{_RETENTION}.{when}"
            if policy.get(when) != "Delete" or not touched(doc, m, dotted):
                continue
            before: Any = old.get(dotted) if old is not None else None
            if before == "Delete":
                continue
            event = "deleting the StatefulSet" if when == "whenDeleted" else "scaling it in"
            message = (f"{describe(m)}: {when}: Delete makes "
                       f"{event} delete its PersistentVolumeClaims")
            severity: Severity | None = None
            if origin is not Origin.CHANGED:
                severity = Severity.HIGH
            if looks_like_cache(m.name, *_claim_names(m)):
                severity = Severity.MEDIUM
                message += " (the name suggests a cache)"
            evidence = f"{when}: {before or 'Retain'} → Delete" if origin is Origin.CHANGED \
                else f"{when}: Delete"
            yield self.finding(message, location(doc, m, dotted), evidence=evidence,
                               severity=severity)

    def _claim_templates(self, doc: ManifestSet, revisions: Revisions,
                         m: Manifest) -> Iterator[Finding]:
        old = revisions.previous(m)
        if old is None:
            return
        before = [n for n in _claim_names(old) if n]
        if not before:
            return
        after = set(_claim_names(m))
        gone = [n for n in before if n not in after]
        if not gone:
            return
        dotted = "spec.volumeClaimTemplates" if "spec.volumeClaimTemplates" in m.key_lines \
            else "spec"
        where: Location = location(doc, m, dotted)
        whole = not after
        what = "volumeClaimTemplates are removed" if whole else \
            f"volumeClaimTemplate {', '.join(gone)} is removed"
        yield self.finding(
            f"{describe(m)}: {what}; the pods lose their data "
            "volumes and the StatefulSet has to be recreated",
            where, evidence=f"volumeClaimTemplates: {before} → {sorted(after - {''})}")

"""K8S008: rollouts or node drains can take every pod down at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.kubernetes._common import (
    ManifestDetector,
    Revisions,
    as_int,
    describe,
    environment_label,
    fmt,
    location,
    percent,
    removed_location,
    selector_matches,
    template_labels,
    touched,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

_STRATEGY = {
    "Deployment": "spec.strategy.rollingUpdate.maxUnavailable",
    "DaemonSet": "spec.updateStrategy.rollingUpdate.maxUnavailable",
    "StatefulSet": "spec.updateStrategy.rollingUpdate.maxUnavailable",
}
_REPLICATED = ("Deployment", "StatefulSet")


def _uses_claim(m: Manifest) -> bool:
    """True when the pod template mounts a PersistentVolumeClaim (or the STS has templates)."""
    volumes = m.get("spec.template.spec.volumes")
    if isinstance(volumes, list) and any(
            isinstance(v, dict) and "persistentVolumeClaim" in v for v in volumes):
        return True
    return bool(m.get("spec.volumeClaimTemplates"))


class _Workloads:
    """Deployments and StatefulSets of the file, found by namespace and pod labels."""

    def __init__(self, manifests: tuple[Manifest, ...]) -> None:
        #: (namespace, label key, label value) → workloads whose pods carry that label.
        self.by_label: dict[tuple[str, str, str], list[tuple[Manifest, dict[str, str]]]] = {}
        #: namespace → every workload (for selectors with only matchExpressions).
        self.by_ns: dict[str, list[tuple[Manifest, dict[str, str]]]] = {}
        for m in manifests:
            if m.kind in _REPLICATED:
                entry = (m, template_labels(m))
                ns = m.namespace or ""
                self.by_ns.setdefault(ns, []).append(entry)
                for k, v in entry[1].items():
                    self.by_label.setdefault((ns, k, v), []).append(entry)

    def selected(self, pdb: Manifest) -> list[Manifest]:
        """Workloads in the PDB's namespace whose pod labels its selector matches."""
        selector = pdb.get("spec.selector")
        if not isinstance(selector, dict):
            return []
        ns = pdb.namespace or ""
        match_labels = selector.get("matchLabels")
        if isinstance(match_labels, dict) and match_labels:
            k, v = next(iter(match_labels.items()))
            candidates = self.by_label.get((ns, str(k), str(v)), [])
        else:
            candidates = self.by_ns.get(ns, [])
        return [w for w, labels in candidates if selector_matches(selector, labels)]


class DisruptionSafetyRegression(ManifestDetector):
    """A rollout strategy or PodDisruptionBudget lets every pod go down at once, or blocks drains.

    ## What it detects
    - a Deployment switched to `strategy.type: Recreate` (not flagged when its pods mount a
      PersistentVolumeClaim: a ReadWriteOnce volume often needs Recreate);
    - `maxUnavailable` of a rolling update at `100%`, or at least the replica count
      (Deployments, DaemonSets, StatefulSets);
    - a PodDisruptionBudget removed while the workload it protects stays;
    - a PodDisruptionBudget that allows no voluntary eviction: `maxUnavailable: 0` /
      `0%`, `minAvailable: 100%`, or `minAvailable` at least the replicas of the workload it
      selects in the same file.

    ## Why is this risky?
    `Recreate` and a 100% `maxUnavailable` stop all old pods before new ones are ready: every
    deploy is an outage, and a bad image is a full outage. Without a PodDisruptionBudget a
    node drain or cluster upgrade can evict all replicas together; a budget that allows
    nothing blocks drains and upgrades until someone deletes it by hand.

    ## Example
    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: api
      namespace: payments
    spec:
      maxUnavailable: 0
      selector:
        matchLabels: {app: api}
    ```

    ## Safer alternative
    Let at least one pod be evicted at a time, and keep rolling updates:
    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: api
      namespace: payments
    spec:
      maxUnavailable: 1
      selector:
        matchLabels: {app: api}
    ```

    ## References
    - kube-linter `no-rolling-update-strategy`, `pdb-max-unavailable`, `pdb-min-available`
    - Polaris `pdbDisruptionsIsZero`, `missingPodDisruptionBudget`
    - Kubernetes docs: "Specifying a Disruption Budget for your Application"
    """

    code = "K8S008"
    name = "disruption-safety-regression"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.MEDIUM
    remediation = (
        "Use a RollingUpdate with `maxUnavailable` below the replica count, and keep a "
        "PodDisruptionBudget that allows at least one eviction (`maxUnavailable: 1`)."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        revisions = Revisions(doc)
        workloads: _Workloads | None = None
        for m in doc.manifests:
            if m.kind in _STRATEGY:
                yield from self._strategy(doc, revisions, m)
            elif m.kind == "PodDisruptionBudget":
                if workloads is None:
                    workloads = _Workloads(doc.manifests)
                yield from self._pdb(doc, revisions, workloads, m)
        if revisions.before is not None:
            yield from self._pdb_removed(doc, revisions)

    # -- rollout strategies ---------------------------------------------------------------

    def _strategy(self, doc: ManifestSet, revisions: Revisions,
                  m: Manifest) -> Iterator[Finding]:
        old = revisions.previous(m)
        if m.kind == "Deployment" and m.get("spec.strategy.type") == "Recreate" \
                and touched(doc, m, "spec.strategy.type") and not _uses_claim(m) \
                and (old is None or old.get("spec.strategy.type") != "Recreate") \
                and as_int(m.get("spec.replicas")) != 0:
            previous = old.get("spec.strategy.type") or "RollingUpdate" if old else None
            evidence = f"spec.strategy.type: {previous} → Recreate" if previous else \
                "spec.strategy.type: Recreate"
            yield self.finding(
                f"{describe(m)} uses strategy Recreate: every rollout stops all "
                "pods before starting new ones",
                location(doc, m, "spec.strategy.type"), evidence=evidence)
        dotted = _STRATEGY[m.kind]
        value = m.get(dotted)
        if value is None or not touched(doc, m, dotted):
            return
        if old is not None and old.get(dotted) == value:
            return
        replicas = as_int(m.get("spec.replicas"))
        share = percent(value)
        count = as_int(value)
        if share is not None and share >= 100:
            why = f"maxUnavailable {value}"
        elif count is not None and replicas is not None and replicas > 1 and count >= replicas:
            why = f"maxUnavailable {count} with {replicas} replicas"
        else:
            return
        yield self.finding(
            f"{describe(m)}: {why} lets a rollout take every pod down at once",
            location(doc, m, dotted), evidence=f"{dotted.rsplit('.', 1)[-1]}: {fmt(value)}")

    # -- PodDisruptionBudgets -------------------------------------------------------------

    def _pdb(self, doc: ManifestSet, revisions: Revisions, workloads: _Workloads,
             m: Manifest) -> Iterator[Finding]:
        old = revisions.previous(m)
        max_unavailable = m.get("spec.maxUnavailable")
        if max_unavailable is not None and (as_int(max_unavailable) == 0
                                            or percent(max_unavailable) == 0):
            if touched(doc, m, "spec.maxUnavailable") and not self._same(old, m,
                                                                         "spec.maxUnavailable"):
                yield self.finding(
                    f"{describe(m)} allows no eviction (maxUnavailable: "
                    f"{max_unavailable}): node drains and upgrades block",
                    location(doc, m, "spec.maxUnavailable"),
                    evidence=f"spec.maxUnavailable: {fmt(max_unavailable)}")
            return
        min_available = m.get("spec.minAvailable")
        if min_available is None:
            return
        pdb_touched = touched(doc, m, "spec.minAvailable") and not self._same(
            old, m, "spec.minAvailable")
        share = percent(min_available)
        if share is not None:
            if share >= 100 and pdb_touched:
                yield self.finding(
                    f"{describe(m)} requires {min_available} of pods "
                    "available: no eviction is ever allowed",
                    location(doc, m, "spec.minAvailable"),
                    evidence=f"spec.minAvailable: {fmt(min_available)}")
            return
        needed = as_int(min_available)
        if needed is None or needed <= 0:
            return
        for w in workloads.selected(m):
            replicas = as_int(w.get("spec.replicas"))
            if replicas is None or replicas == 0 or needed < replicas:
                continue
            if not (pdb_touched or touched(doc, w, "spec.replicas")):
                continue
            yield self.finding(
                f"{describe(m)} requires {needed} available pods but "
                f"{w.kind} {w.name} has {replicas}: no eviction is ever allowed",
                location(doc, m, "spec.minAvailable"),
                evidence=f"spec.minAvailable: {needed}; {w.kind} {w.name} spec.replicas: "
                         f"{replicas}")
            return

    @staticmethod
    def _same(old: Manifest | None, m: Manifest, dotted: str) -> bool:
        return old is not None and old.get(dotted) == m.get(dotted)

    def _pdb_removed(self, doc: ManifestSet, revisions: Revisions) -> Iterator[Finding]:
        removed = list(revisions.removed("PodDisruptionBudget"))
        before = revisions.before
        if not removed or before is None:
            return
        previous = _Workloads(before.manifests)
        for pdb in removed:
            protected = previous.selected(pdb)
            if protected and all(revisions.current_index.match(w) is None for w in protected):
                continue  # the workload is removed too
            if any(p.kind == "PodDisruptionBudget" and p.namespace == pdb.namespace
                   and self._same_selector(p, pdb) for p in doc.manifests):
                continue  # renamed
            yield self.finding(
                f"PodDisruptionBudget {pdb.name}{environment_label(pdb)} is removed; a node "
                "drain may evict every replica at once",
                removed_location(doc, pdb), evidence=f"PodDisruptionBudget {pdb.name} removed",
                confidence=Confidence.LOW if revisions.uncertain else None)

    @staticmethod
    def _same_selector(a: Manifest, b: Manifest) -> bool:
        sa: Any = a.get("spec.selector")
        sb: Any = b.get("spec.selector")
        return isinstance(sa, dict) and sa == sb

"""K8S005: a workload's capacity goes to zero (or to one) through its manifest."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.kubernetes._common import (
    Autoscalers,
    ManifestDetector,
    Origin,
    Revisions,
    annotation_key,
    as_int,
    describe,
    location,
    touched,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

_SCALED = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
_KEDA_PAUSED = "autoscaling.keda.sh/paused-replicas"


class CapacityToZero(ManifestDetector):
    """A workload is scaled to zero, loses its replicas under an HPA, or a CronJob is suspended.

    ## What it detects
    - `spec.replicas: 0` set on a Deployment or StatefulSet (`medium` with low confidence
      when the change creates the workload);
    - `spec.replicas` removed from a workload that a HorizontalPodAutoscaler in the same file
      targets (or whose annotations say an autoscaler manages it): applying the manifest
      resets it to 1 replica; without an autoscaler, removal from a workload that had more
      than one replica is `medium`;
    - a HorizontalPodAutoscaler's `minReplicas` lowered to 0 or 1;
    - a CronJob's `suspend: true` (`medium` when there is nothing to compare with);
    - KEDA `autoscaling.keda.sh/paused-replicas: "0"` on a ScaledObject.

    Workloads scaled by a KEDA ScaledObject (which scales to zero by design) are not flagged.

    ## Why is this risky?
    Zero replicas is an outage for everything that calls the service; scaling to zero also
    switches off its HorizontalPodAutoscaler. Removing `replicas` from an HPA-managed
    Deployment looks harmless but `kubectl apply` then sets the default of 1 and terminates
    every other pod until the HPA reacts. A suspended CronJob silently stops backups,
    rotations and reports.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: checkout
      namespace: shop
    spec:
      replicas: 0
      selector:
        matchLabels: {app: checkout}
      template:
        metadata:
          labels: {app: checkout}
        spec:
          containers:
            - name: checkout
              image: registry.example.com/shop/checkout:4.2.0
    ```

    ## Safer alternative
    Keep a replica count that serves the load (or let a KEDA ScaledObject own scale-to-zero),
    and state a maintenance window explicitly in the change:
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: checkout
      namespace: shop
    spec:
      replicas: 3
      selector:
        matchLabels: {app: checkout}
      template:
        metadata:
          labels: {app: checkout}
        spec:
          containers:
            - name: checkout
              image: registry.example.com/shop/checkout:4.2.0
    ```

    ## References
    - DCG `kubernetes.kubectl:scale-to-zero`
    - kubernetes/kubernetes#25238; KICS query 5744cbb8-5946-4b75-a196-ade44449525b
      (replicas with HPA)
    - kube-linter `minimum-three-replicas`, `hpa-minimum-three-replicas`; Polaris
      `deploymentMissingReplicas`
    """

    code = "K8S005"
    name = "capacity-to-zero"
    family = "kubernetes"
    kinds = (InputKind.KUBERNETES,)
    severity = Severity.HIGH
    remediation = (
        "Keep the replica count (leave `spec.replicas` to the HPA only after its first sync "
        "with server-side apply), keep HPA `minReplicas` at 2 or more, and pause jobs only in a "
        "change that says why and until when."
    )

    def detect(self, doc: ManifestSet) -> Iterator[Finding]:
        relevant = [m for m in doc.manifests
                    if m.kind in _SCALED or m.kind in ("HorizontalPodAutoscaler", "CronJob")
                    or (m.kind == "ScaledObject" and _KEDA_PAUSED in m.annotations)]
        if not relevant:
            return
        revisions = Revisions(doc)
        scalers: Autoscalers | None = None
        for m in relevant:
            if m.kind in _SCALED:
                if scalers is None:
                    scalers = Autoscalers(revisions.all_manifests())
                yield from self._replicas(doc, revisions, scalers, m)
            elif m.kind == "HorizontalPodAutoscaler":
                yield from self._hpa(doc, revisions, m)
            elif m.kind == "CronJob":
                yield from self._cronjob(doc, revisions, m)
            else:
                yield from self._keda_paused(doc, revisions, m)

    def _replicas(self, doc: ManifestSet, revisions: Revisions, scalers: Autoscalers,
                  m: Manifest) -> Iterator[Finding]:
        if scalers.keda_managed(m):
            return
        origin, old = revisions.origin(m)
        replicas = as_int(m.get("spec.replicas"))
        if replicas == 0 and touched(doc, m, "spec.replicas"):
            before = as_int(old.get("spec.replicas")) if old is not None else None
            if before == 0:
                return
            where = location(doc, m, "spec.replicas")
            if origin is Origin.NEW:
                yield self.finding(
                    f"{describe(m)} is added with replicas: 0; nothing will run",
                    where, evidence="spec.replicas: 0",
                    severity=Severity.MEDIUM, confidence=Confidence.LOW)
                return
            evidence = f"spec.replicas: {before if before is not None else '(unset)'} → 0" \
                if origin is Origin.CHANGED else "spec.replicas: 0"
            yield self.finding(f"{describe(m)} is scaled to 0 replicas", where,
                               evidence=evidence)
            return
        if old is None or "replicas" in m.spec or not m.spec:
            return
        before = as_int(old.get("spec.replicas"))
        if before is None:
            return
        dotted = "spec" if "spec" in m.key_lines else None
        if scalers.hpa_managed(m):
            if before <= 1:
                return
            yield self.finding(
                f"{describe(m)}: replicas ({before}) is removed while an autoscaler "
                "manages it; applying the manifest resets it to 1 until the HPA catches up",
                location(doc, m, dotted), evidence=f"spec.replicas: {before} → (unset)")
        elif before > 1:
            yield self.finding(
                f"{describe(m)}: replicas ({before}) is removed; the default is 1",
                location(doc, m, dotted), evidence=f"spec.replicas: {before} → (unset)",
                severity=Severity.MEDIUM)

    def _hpa(self, doc: ManifestSet, revisions: Revisions, m: Manifest) -> Iterator[Finding]:
        minimum = as_int(m.get("spec.minReplicas"))
        if minimum is None or minimum > 1 or not touched(doc, m, "spec.minReplicas"):
            return
        origin, old = revisions.origin(m)
        target = m.get("spec.scaleTargetRef.name") or m.name
        where = location(doc, m, "spec.minReplicas")
        if origin is Origin.CHANGED and old is not None:
            before = as_int(old.get("spec.minReplicas"))
            before = 1 if before is None else before
            if before <= minimum:
                return
            yield self.finding(
                f"{describe(m)}: minReplicas lowered "
                f"from {before} to {minimum}; {target} may run "
                f"{'no pods' if minimum == 0 else 'a single pod'}",
                where, evidence=f"spec.minReplicas: {before} → {minimum}",
                confidence=None if minimum == 0 else Confidence.MEDIUM)
            return
        if minimum == 0:
            yield self.finding(
                f"{describe(m)}: minReplicas 0 lets "
                f"{target} scale to no pods",
                where, evidence="spec.minReplicas: 0",
                severity=Severity.MEDIUM if origin is Origin.NEW else None)

    def _cronjob(self, doc: ManifestSet, revisions: Revisions, m: Manifest) -> Iterator[Finding]:
        if m.get("spec.suspend") is not True or not touched(doc, m, "spec.suspend"):
            return
        origin, old = revisions.origin(m)
        if old is not None and old.get("spec.suspend") is True:
            return
        where = location(doc, m, "spec.suspend")
        if origin is Origin.CHANGED:
            yield self.finding(
                f"{describe(m)} is suspended: its scheduled runs stop",
                where, evidence="spec.suspend: false → true")
            return
        yield self.finding(
            f"{describe(m)} is suspended (suspend: true): it never runs "
            "on schedule", where, evidence="spec.suspend: true", severity=Severity.MEDIUM,
            confidence=Confidence.LOW if origin is Origin.NEW else None)

    def _keda_paused(self, doc: ManifestSet, revisions: Revisions,
                     m: Manifest) -> Iterator[Finding]:
        if as_int(m.annotations.get(_KEDA_PAUSED)) != 0:
            return
        dotted = annotation_key(_KEDA_PAUSED)
        if not touched(doc, m, dotted):
            return
        old = revisions.previous(m)
        if old is not None and as_int(old.annotations.get(_KEDA_PAUSED)) == 0:
            return
        target = m.get("spec.scaleTargetRef.name") or m.name
        yield self.finding(
            f"{describe(m)} pauses {target} at 0 replicas",
            location(doc, m, dotted), evidence=f'{_KEDA_PAUSED}: "0"')

"""K8S009: a Kubernetes upgrade removes a well-known label that the change's config still uses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.change import ChangeDocument
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.kubernetes import ManifestSet

#: Well-known labels Kubernetes stopped setting, and the minor version that stopped.
_REMOVED_LABELS: dict[str, tuple[int, str]] = {
    "node-role.kubernetes.io/master": (24, "node-role.kubernetes.io/control-plane"),
}
_VERSION = re.compile(r"""(?:kubernetes_?version|cluster_?version|k8s_?version|"""
                      r"""kubeletversion)["']?\s*[:=]\s*["']?v?1\.(\d+)""", re.I)


def _minor(text: str) -> int | None:
    match = _VERSION.search(text)
    return int(match.group(1)) if match else None


class UpgradeRemovesUsedLabel(Detector[ChangeDocument]):
    """A Kubernetes upgrade removes a well-known label that the change's config still uses.

    ## What it detects
    A change that raises the cluster's Kubernetes version (`kubernetesVersion`,
    `cluster_version`, `kubelet_version` in kubeadm, Terraform or cluster config) across the
    release that stopped setting a well-known label, while a manifest or config file in the
    same change still selects on that label. Today: `node-role.kubernetes.io/master`, which
    kubeadm stopped applying in 1.24 (use `node-role.kubernetes.io/control-plane`).

    ## Why is this risky?
    A selector on a label no node carries matches nothing, silently. A large site upgraded
    from 1.23 to 1.24 while its Calico route reflectors were chosen by the `master` label:
    no node matched any more, route reflection stopped, pod networking collapsed and the
    site was down for five hours until a restore from backup.

    ## Example
    ```diff
    diff --git a/cluster/kubeadm.yaml b/cluster/kubeadm.yaml
    --- a/cluster/kubeadm.yaml
    +++ b/cluster/kubeadm.yaml
    @@ -1,2 +1,2 @@
     kind: ClusterConfiguration
    -kubernetesVersion: v1.23.16
    +kubernetesVersion: v1.24.10
    diff --git a/cluster/calico/peers.yaml b/cluster/calico/peers.yaml
    --- a/cluster/calico/peers.yaml
    +++ b/cluster/calico/peers.yaml
    @@ -1,2 +1,2 @@
    -  nodeSelector: all()
    +  nodeSelector: all() && has(node-role.kubernetes.io/master)
    ```

    ## Safer alternative
    Move selectors, tolerations and affinities to the new label in an earlier change (the
    one below, which 1.23 nodes already carry), scan the repository and the cluster for
    the old one, then upgrade in a change of its own:
    ```diff
    diff --git a/cluster/calico/peers.yaml b/cluster/calico/peers.yaml
    --- a/cluster/calico/peers.yaml
    +++ b/cluster/calico/peers.yaml
    @@ -1,2 +1,2 @@
    -  nodeSelector: all() && has(node-role.kubernetes.io/master)
    +  nodeSelector: all() && has(node-role.kubernetes.io/control-plane)
    ```

    ## References
    - Reddit, "You broke Reddit: the Pi-Day outage" (2023)
    - Kubernetes 1.24 changelog: kubeadm no longer applies the
      `node-role.kubernetes.io/master` label
    """

    code = "K8S009"
    name = "upgrade-removes-used-label"
    family = "kubernetes"
    kinds = (InputKind.CHANGE,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Move every selector to the replacement label first, then upgrade.")

    def detect(self, doc: ChangeDocument) -> Iterator[Finding]:
        bump: tuple[int, int, str, int | None] | None = None
        texts: list[tuple[str, int | None, str]] = []
        for document in doc.documents:
            if isinstance(document, DiffDocument):
                for change in document.files:
                    old = [v for v in (_minor(ln.text) for h in change.hunks for ln in h.lines
                                       if ln.kind == "-") if v is not None]
                    for hunk in change.hunks:
                        for line in hunk.lines:
                            if line.kind == "-":
                                continue
                            texts.append((change.path, line.new_lineno, line.text))
                            new = _minor(line.text) if line.kind == "+" else None
                            if new is not None and old and min(old) < new:
                                bump = (min(old), new, change.path, line.new_lineno)
            elif isinstance(document, ManifestSet):
                for manifest in document.manifests:
                    text = json.dumps(manifest.body) + json.dumps(manifest.labels)
                    texts.append((document.path, manifest.line, text))
        if bump is None:
            return
        before, after, path, lineno = bump
        for label, (minor, replacement) in _REMOVED_LABELS.items():
            if not before < minor <= after:
                continue
            users = [(p, n) for p, n, t in texts if label in t]
            if not users:
                continue
            where = ", ".join(sorted({p for p, _ in users}))
            yield self.finding(
                f"the upgrade from 1.{before} to 1.{after} drops the `{label}` label, still "
                f"used in {where}: selectors on it will match no node (use `{replacement}`)",
                Location(path=path, line=lineno), evidence=f"{label} in {where}")

"""Extra checks for the Kubernetes detectors: whole files with --git, odd values, scale."""

from __future__ import annotations

import copy
import dataclasses
import difflib
from typing import Any

import pytest

from reviewer.detectors.engine import run_detectors
from reviewer.detectors.kubernetes import DETECTORS
from reviewer.models import Finding
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact, Document, Lazy
from reviewer.parsers.derive import derive_documents
from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.kubernetes import Manifest, ManifestSet, parse_manifests
from reviewer.parsers.sources import FileContents

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: payments
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: registry.example.com/payments/api:2.14.0
"""
PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
  namespace: payments
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: api
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n"


def _diff(path: str, before: str, after: str, context: int = 3) -> str:
    body = difflib.unified_diff(before.splitlines(keepends=True),
                                after.splitlines(keepends=True),
                                f"a/{path}", f"b/{path}", n=context)
    return f"diff --git a/{path} b/{path}\nindex 1a2b3c4..5d6e7f8 100644\n" + "".join(body)


def _findings(text: str, path: str, contents: FileContents | None = None) -> list[Finding]:
    outcome = parse_artifact(Artifact(path, text, None), contents=contents)
    documents: list[Document] = list(outcome.documents)
    for doc in outcome.documents:
        if isinstance(doc, DiffDocument):
            documents.extend(derive_documents(doc, contents)[0])
    return run_detectors(list(DETECTORS), documents, strict=True).findings


def test_plain_diff_without_apiversion_in_hunk_is_not_seen_but_git_contents_fix_it() -> None:
    before = DEPLOYMENT + "---\n" + NAMESPACE
    text = _diff("k8s/app.yaml", before, DEPLOYMENT)
    # Rebuilt from the hunk alone the file shows no apiVersion/kind line: not Kubernetes.
    assert [f.code for f in _findings(text, "change.diff")] == []
    contents = FileContents(old={"k8s/app.yaml": before}, new={"k8s/app.yaml": DEPLOYMENT})
    found = _findings(text, "change.diff", contents)
    assert [(f.code, f.location.address) for f in found] == [("K8S001", "Namespace/payments")]


def test_selector_change_with_git_contents_points_at_the_new_line() -> None:
    after = DEPLOYMENT.replace("app: api", "app: payments-api")
    text = _diff("k8s/app.yaml", DEPLOYMENT, after)
    contents = FileContents(old={"k8s/app.yaml": DEPLOYMENT}, new={"k8s/app.yaml": after})
    found = [f for f in _findings(text, "change.diff", contents) if f.code == "K8S004"]
    assert [(f.location.path, f.location.line) for f in found] == [("k8s/app.yaml", 8)]


ODD_VALUES: list[dict[str, Any]] = [
    {"spec": None},
    {"spec": []},
    {"spec": {"replicas": "many", "selector": "app=api", "strategy": "Recreate"}},
    {"spec": {"replicas": True, "template": {"spec": {"volumes": "data"}}}},
    {"spec": {"versions": "v1", "version": 3, "minAvailable": {"x": 1}, "maxUnavailable": []}},
    {"spec": {"persistentVolumeClaimRetentionPolicy": "Delete", "volumeClaimTemplates": [1, None]}},
    {"spec": {"scaleTargetRef": "api", "minReplicas": "0", "suspend": "true"}},
    {"metadata": {"annotations": None, "labels": [1, 2], "finalizers": "x"}},
]
KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "PersistentVolumeClaim",
         "PersistentVolume", "StorageClass", "CustomResourceDefinition", "Service",
         "HorizontalPodAutoscaler", "PodDisruptionBudget", "Namespace", "Application",
         "ScaledObject")


def _object(kind: str, extra: dict[str, Any]) -> str:
    import json

    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind,
                           "metadata": {"name": "x", "namespace": "ns"}}
    obj.update(extra)
    return json.dumps(obj)


@pytest.mark.parametrize("extra", ODD_VALUES)
def test_odd_field_values_do_not_crash(extra: dict[str, Any]) -> None:
    odd = "\n---\n".join(_object(kind, extra) for kind in KINDS)
    normal = "\n---\n".join(_object(kind, {}) for kind in KINDS)
    for before, after in ((normal, odd), (odd, normal), (odd, "")):
        text = _diff("k8s/odd.yaml", before, after, context=1000) if after else (
            "diff --git a/k8s/odd.yaml b/k8s/odd.yaml\ndeleted file mode 100644\n"
            "index 1a2b3c4..0000000\n"
            + "".join(difflib.unified_diff(before.splitlines(keepends=True), [],
                                           "a/k8s/odd.yaml", "/dev/null", n=1000)))
        _findings(text, "change.diff")  # strict: a crash raises
    run_detectors(list(DETECTORS), [parse_manifests(odd, "odd.yaml")], strict=True)


def _shifted(template: Manifest, name: str, namespace: str, line: int,
             replicas: int | None = None) -> Manifest:
    """A copy of a parsed manifest under another name, starting at ``line``."""
    body = copy.deepcopy(template.body)
    body["metadata"]["name"] = name
    body["metadata"]["namespace"] = namespace
    for selector in (body["spec"]["selector"]["matchLabels"],
                     body["spec"].get("template", {}).get("metadata", {}).get("labels", {})):
        if selector:
            selector["app"] = name
    if replicas is not None:
        body["spec"]["replicas"] = replicas
    offset = line - template.line
    return dataclasses.replace(
        template, name=name, namespace=namespace, body=body, line=line,
        key_lines={k: v + offset for k, v in template.key_lines.items()})


def _many(count: int, replicas: int) -> ManifestSet:
    """``count`` Deployments, each with a PodDisruptionBudget and an HPA, in 20 namespaces."""
    deployment = parse_manifests(DEPLOYMENT, "t.yaml").manifests[0]
    pdb = parse_manifests(PDB, "t.yaml").manifests[0]
    manifests: list[Manifest] = []
    line = 1
    for i in range(count):
        ns = f"ns{i % 20}"
        manifests.append(_shifted(deployment, f"app{i}", ns, line, replicas))
        manifests.append(_shifted(pdb, f"app{i}", ns, line + 19))
        line += 30
    return ManifestSet("k8s/all.yaml", tuple(manifests), documents=len(manifests))


def test_large_manifest_diff_is_linear_in_findings() -> None:
    # Speed is measured in benchmarks/; this checks 10,000 objects give one finding each.
    before, after = _many(5000, 3), _many(5000, 2)
    doc = dataclasses.replace(after, changed_lines=frozenset(range(7, 30 * 5000, 30)),
                              previous=Lazy(lambda: before))
    result = run_detectors(list(DETECTORS), [doc], strict=True)
    assert [f.code for f in result.findings] == ["K8S008"] * 5000  # minAvailable 2 of 2

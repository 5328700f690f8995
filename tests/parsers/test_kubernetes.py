"""The Kubernetes manifest parser (multi-document YAML, JSON, List)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.kubernetes import ManifestSet, parse_manifests

DIR = Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "kubernetes"
SAMPLE = (DIR / "payments.yaml").read_text()
CHART = (DIR / "unrendered_chart.yaml").read_text()


def test_fixture_keeps_every_good_document() -> None:
    docs = parse_manifests(SAMPLE, "payments.yaml")
    assert docs.kind is InputKind.KUBERNETES
    assert [m.address for m in docs.manifests] == [
        "Namespace/payments",
        "StatefulSet/payments/ledger-db",
        "Service/payments/ledger-db",
        "Deployment/payments/api",
    ]
    assert [m.line for m in docs.manifests] == [2, 10, 62, 74]
    assert [m.doc_index for m in docs.manifests] == [0, 1, 3, 4]
    assert docs.documents == 5
    assert docs.describe() == "4 Kubernetes objects in 5 YAML documents"


def test_fixture_broken_document_is_one_coverage_error() -> None:
    docs = parse_manifests(SAMPLE, "payments.yaml")
    (problem,) = docs.problems
    assert problem.level is ProblemLevel.ERROR
    assert problem.line == 59
    assert problem.message == ("document 3 (starting line 52) is not valid YAML: mapping values "
                               "are not allowed here; it was not reviewed")
    assert docs.find("ConfigMap", "ledger-config") is None


def test_fixture_manifest_fields() -> None:
    docs = parse_manifests(SAMPLE, "payments.yaml")
    ns = docs.manifests[0]
    assert (ns.api_version, ns.kind, ns.name, ns.namespace) == ("v1", "Namespace", "payments",
                                                                 None)
    assert ns.labels == {"team": "payments", "environment": "prod"}
    assert ns.group == ""
    assert ns.version == "v1"
    sts = docs.find("StatefulSet", "ledger-db", "payments")
    assert sts is not None
    assert sts.group == "apps"
    assert sts.identity == ("apps", "StatefulSet", "payments", "ledger-db")
    assert sts.annotations == {"argocd.argoproj.io/sync-options": "Prune=false"}
    assert sts.spec["replicas"] == 3
    assert sts.get("spec.persistentVolumeClaimRetentionPolicy.whenDeleted") == "Delete"
    assert sts.get("spec.volumeClaimTemplates.0.spec.resources.requests.storage") == "200Gi"
    assert sts.get("spec.volumeClaimTemplates.3", "absent") == "absent"
    assert sts.line_of("spec.replicas") == 21
    assert sts.line_of("spec.volumeClaimTemplates") == 41
    assert sts.line_of("spec.template.spec.containers.0.image") == 35
    assert sts.line_of("no.such.key") == sts.line
    api = docs.by_kind("Deployment")[0]
    assert api.spec["replicas"] == 0
    assert api.line_of("spec.replicas") == 82
    assert api.annotations == {"deployment.kubernetes.io/revision": "17"}
    assert docs.by_kind("Service", "Namespace") == (docs.manifests[0], docs.manifests[2])


def test_unrendered_helm_template_is_named() -> None:
    docs = parse_manifests(CHART, "chart.yaml")
    assert [m.address for m in docs.manifests] == ["Namespace/checkout"]
    (problem,) = docs.problems
    assert problem.level is ProblemLevel.ERROR
    assert problem.line == 9
    assert problem.message == ("document 2 (starting line 6) contains template syntax; render "
                               "it with helm template first")


def test_template_only_file_raises() -> None:
    with pytest.raises(ParseError, match="contains template syntax") as info:
        parse_manifests("kind: {{ .Values.kind }}\n", "t.yaml")
    assert info.value.line == 1


def test_template_inside_quoted_value_is_data() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts}\n"
            "data:\n  summary: \"{{ $labels.instance }} is down\"\n")
    docs = parse_manifests(text, "cm.yaml")
    assert docs.problems == ()
    assert docs.manifests[0].body["data"]["summary"] == "{{ $labels.instance }} is down"


def test_kind_list_is_expanded() -> None:
    text = """apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: data-0
      namespace: db
  - 42
  - apiVersion: v1
    kind: Secret
    metadata: {name: creds, namespace: db}
"""
    docs = parse_manifests(text, "list.yaml")
    assert [(m.address, m.line, m.item_index) for m in docs.manifests] == [
        ("PersistentVolumeClaim/db/data-0", 4, 0), ("Secret/db/creds", 10, 2)]
    assert docs.manifests[0].line_of("metadata.name") == 7
    (problem,) = docs.problems
    assert problem.message == ("document 1 item 2 (line 9) is a number, not a Kubernetes "
                               "object; it was not reviewed")


def test_json_object_and_array() -> None:
    obj = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}},
                     indent="\t")
    docs = parse_manifests(obj, "ns.json")
    assert [m.address for m in docs.manifests] == ["Namespace/x"]
    array = json.dumps([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}])
    assert [m.name for m in parse_manifests(array, "a.json").manifests] == ["a", "b"]


def test_empty_comment_and_directive_documents() -> None:
    text = ("# only a comment\n---\n\n---\n%YAML 1.1\n---\napiVersion: v1\nkind: Namespace\n"
            "metadata:\n  name: a\n...\n# trailing\n")
    docs = parse_manifests(text, "x.yaml")
    assert [(m.address, m.line, m.doc_index) for m in docs.manifests] == [("Namespace/a", 7, 0)]
    assert docs.problems == ()
    empty = parse_manifests("# nothing here\n---\n", "e.yaml")
    assert empty.manifests == ()
    assert [p.level for p in empty.problems] == [ProblemLevel.NOTE]


def test_crlf_line_endings() -> None:
    docs = parse_manifests(SAMPLE.replace("\n", "\r\n"), "payments.yaml")
    assert [(m.address, m.line) for m in docs.manifests] == [
        ("Namespace/payments", 2), ("StatefulSet/payments/ledger-db", 10),
        ("Service/payments/ledger-db", 62), ("Deployment/payments/api", 74)]
    assert [p.line for p in docs.problems] == [59]


def test_non_object_documents_are_errors() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n- 1\n---\nfoo: bar\n"
    docs = parse_manifests(text, "x.yaml")
    assert [m.address for m in docs.manifests] == ["Namespace/a"]
    assert [(p.line, p.message.split(";")[0]) for p in docs.problems] == [
        (5, "document 2 item 1 (line 5) is a number, not a Kubernetes object"),
        (7, "document 3 (line 7) has no 'apiVersion' or 'kind'"),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("replicaCount: 3\nimage: {tag: x}\n", "not Kubernetes manifests"),
        ("a: [unclosed\n", "is not valid YAML"),
        ("just a string\n", "not Kubernetes manifests"),
        ("\x00\x01", "contains NUL bytes"),
    ],
)
def test_wholly_unreadable_input_raises(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        parse_manifests(text, "values.yaml")
    assert "\n" not in str(info.value)


def test_namespace_less_address_and_generate_name() -> None:
    text = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n"
    (job,) = parse_manifests(text, "j.yaml").manifests
    assert job.address == "Job/migrate-"
    assert job.namespace is None


def _check_one_line(message: str) -> None:
    assert "\n" not in message


def _parse_or_error(text: str) -> ManifestSet | None:
    try:
        docs = parse_manifests(text, "fuzz.yaml")
    except ParseError as exc:
        _check_one_line(str(exc))
        return None
    assert all(m.line >= 1 for m in docs.manifests)
    return docs


@given(st.text(max_size=400))
def test_arbitrary_text_gives_a_document_or_parse_error(text: str) -> None:
    _parse_or_error(text)


@given(st.integers(min_value=0, max_value=len(SAMPLE)), st.text(max_size=20),
       st.integers(min_value=0, max_value=len(SAMPLE)))
def test_mutated_sample_gives_a_document_or_parse_error(cut: int, junk: str, resume: int) -> None:
    _parse_or_error(SAMPLE[:cut] + junk + SAMPLE[resume:])

"""Pulumi detectors on odd shapes and large previews (beyond the case tables)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.detectors.engine import run_detectors
from reviewer.detectors.pulumi import DETECTORS
from reviewer.parsers.pulumi import preview_from_json

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
                     st.just("[secret]"))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)
_TYPES = st.sampled_from(["aws:rds/instance:Instance", "aws:s3/bucketV2:BucketV2",
                          "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", "x"])
_STATE = st.fixed_dictionaries({}, optional={
    "type": _TYPES, "custom": _SCALARS, "protect": _SCALARS, "retainOnDelete": _SCALARS,
    "delete": _SCALARS, "external": _SCALARS, "id": _SCALARS,
    "inputs": st.one_of(_VALUES, st.dictionaries(st.sampled_from([
        "deletionProtection", "skipFinalSnapshot", "forceDestroy", "password", "engine"]),
        _VALUES, max_size=3)),
})
_STEP = st.fixed_dictionaries({
    "op": st.sampled_from(["same", "create", "update", "delete", "replace", "delete-replaced",
                           "create-replacement", "discard", "read"]),
    "urn": st.builds(lambda t, n: f"urn:pulumi:prod::shop::{t}::{n}", _TYPES,
                     st.text(min_size=1, max_size=8)),
}, optional={
    "oldState": st.one_of(_SCALARS, _STATE), "newState": st.one_of(_SCALARS, _STATE),
    "replaceReasons": _VALUES, "detailedDiff": st.one_of(_VALUES, st.dictionaries(
        st.sampled_from(["engine", "tags.Name", "a[0]", "password"]),
        st.fixed_dictionaries({"kind": st.sampled_from(["update-replace", "add", "x"])}))),
})


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(_STEP, max_size=6))
def test_detectors_never_crash_on_odd_previews(steps: list[dict[str, Any]]) -> None:
    preview = preview_from_json({"steps": steps}, "preview.json")
    result = run_detectors(DETECTORS, [preview], strict=True)
    for finding in result.findings:
        assert "\n" not in finding.message
        assert len(finding.evidence) <= 240


def test_secret_inputs_are_masked() -> None:
    urn = "urn:pulumi:prod::shop::aws:rds/instance:Instance::db"
    preview = preview_from_json({"steps": [{
        "op": "replace", "urn": urn, "replaceReasons": ["password", "engine"],
        "oldState": {"type": "aws:rds/instance:Instance", "custom": True,
                     "inputs": {"password": "hunter2-old", "engine": "[secret]"}},
        "newState": {"type": "aws:rds/instance:Instance", "custom": True,
                     "inputs": {"password": "hunter2-new", "engine": "postgres"}}}]},
        "preview.json")
    findings = run_detectors(DETECTORS, [preview], strict=True).findings
    assert findings
    assert all("hunter2" not in f.evidence and "hunter2" not in f.message for f in findings)


def test_ten_thousand_steps_are_fast() -> None:
    steps = []
    for i in range(10_000):
        kind = "aws:rds/instance:Instance" if i % 2 else "aws:iam/role:Role"
        urn = f"urn:pulumi:prod::shop::{kind}::r{i}"
        old = {"type": kind, "custom": True, "protect": True,
               "inputs": {"deletionProtection": True, "skipFinalSnapshot": True}}
        new = {"type": kind, "custom": True, "protect": False,
               "inputs": {"deletionProtection": False, "skipFinalSnapshot": True}}
        op = ("delete", "replace", "update")[i % 3]
        steps.append({"op": op, "urn": urn, "oldState": old,
                      **({} if op == "delete" else {"newState": new}),
                      "replaceReasons": ["engine"]})
    preview = preview_from_json({"steps": steps}, "preview.json")
    result = run_detectors(DETECTORS, [preview], strict=True)  # speed: see benchmarks/
    assert len(result.findings) > 5_000

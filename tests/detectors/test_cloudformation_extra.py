"""CloudFormation detectors on odd shapes and large change sets (beyond the case tables)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.detectors.cloudformation import DETECTORS
from reviewer.detectors.engine import run_detectors
from reviewer.parsers.cloudformation import change_set_from_json

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                     st.sampled_from(["Retain", "Delete", "Snapshot", "true", "false", "ACTIVE",
                                      "INACTIVE", "Always", "Conditionally", "Dynamic",
                                      "Automatic", "{", "[1", "{\"Properties\": 1}"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)
_CONTEXT = st.one_of(_VALUES, st.builds(
    json.dumps, st.fixed_dictionaries({}, optional={
        "Properties": st.dictionaries(st.sampled_from([
            "DeletionProtection", "DeletionProtectionEnabled", "DBClusterIdentifier",
            "Instances", "LoadBalancerAttributes", "Engine"]), _VALUES, max_size=3),
        "DeletionPolicy": _VALUES, "UpdateReplacePolicy": _VALUES})))
_TARGET = st.fixed_dictionaries({}, optional={
    "Attribute": st.sampled_from(["Properties", "DeletionPolicy", "UpdateReplacePolicy", "Tags"]),
    "Name": st.sampled_from(["DeletionProtection", "LoadBalancerAttributes", "Instances",
                             "Engine", "MasterUserPassword"]),
    "Path": _SCALARS, "RequiresRecreation": _SCALARS, "AttributeChangeType": _SCALARS,
    "BeforeValue": _VALUES, "AfterValue": _VALUES})
_DETAIL = st.fixed_dictionaries({"Target": _TARGET}, optional={
    "Evaluation": _SCALARS, "ChangeSource": _SCALARS, "CausingEntity": _SCALARS})
_CHANGE = st.fixed_dictionaries({
    "Action": st.sampled_from(["Add", "Modify", "Remove", "Dynamic", "SyncWithActual", "Import"]),
    "LogicalResourceId": st.text(min_size=1, max_size=10),
    "ResourceType": st.sampled_from(["AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
                                     "AWS::S3::Bucket", "AWS::CloudFormation::Stack",
                                     "AWS::EC2::Instance", "AWS::Logs::LogGroup", ""]),
}, optional={
    "PolicyAction": _SCALARS, "Replacement": _SCALARS, "Scope": _VALUES,
    "Details": st.one_of(_VALUES, st.lists(_DETAIL, max_size=4)),
    "BeforeContext": _CONTEXT, "AfterContext": _CONTEXT, "ChangeSetId": _SCALARS,
})


@settings(max_examples=150, deadline=None)
@given(changes=st.lists(st.fixed_dictionaries({"Type": st.just("Resource"),
                                                "ResourceChange": _CHANGE}), max_size=5),
       stack=st.one_of(st.none(), st.sampled_from(["orders-prod", "orders-dev", "x"])))
def test_detectors_never_crash_on_odd_change_sets(changes: list[dict[str, Any]],
                                                  stack: str | None) -> None:
    doc: dict[str, Any] = {"ChangeSetName": "fuzz", "Changes": changes}
    if stack:
        doc["StackName"] = stack
    cs = change_set_from_json(doc, "changeset.json")
    result = run_detectors(DETECTORS, [cs], strict=True)
    for finding in result.findings:
        assert "\n" not in finding.message
        assert len(finding.evidence) <= 240


def test_secret_values_are_masked_in_evidence() -> None:
    cs = change_set_from_json({"ChangeSetName": "x", "Changes": [{"ResourceChange": {
        "Action": "Modify", "Replacement": "True", "LogicalResourceId": "Db",
        "ResourceType": "AWS::RDS::DBInstance", "Details": [{"Target": {
            "Attribute": "Properties", "Name": "MasterUserPassword",
            "RequiresRecreation": "Always", "BeforeValue": "hunter2-old",
            "AfterValue": "hunter2-new"}}]}}]}, "changeset.json")
    findings = run_detectors(DETECTORS, [cs], strict=True).findings
    assert findings
    assert all("hunter2" not in f.evidence and "hunter2" not in f.message for f in findings)


def test_ten_thousand_changes_are_fast() -> None:
    changes = [{"Type": "Resource", "ResourceChange": {
        "Action": ("Remove", "Modify", "Dynamic")[i % 3], "LogicalResourceId": f"R{i}",
        "ResourceType": ("AWS::S3::Bucket", "AWS::IAM::Role")[i % 2],
        "Replacement": "Conditional", "Scope": ["Properties", "DeletionPolicy"],
        "Details": [{"Target": {"Attribute": "DeletionPolicy", "BeforeValue": "Retain",
                                "AfterValue": "Delete"}},
                    {"Target": {"Attribute": "Properties", "Name": "BucketName",
                                "RequiresRecreation": "Always"}, "Evaluation": "Dynamic"}],
        "BeforeContext": json.dumps({"Properties": {"DeletionProtection": "true"}}),
        "AfterContext": json.dumps({"Properties": {"DeletionProtection": "false"}}),
    }} for i in range(10_000)]
    cs = change_set_from_json({"ChangeSetName": "big", "StackName": "s", "Changes": changes},
                              "changeset.json")
    result = run_detectors(DETECTORS, [cs], strict=True)  # speed: see benchmarks/
    assert len(result.findings) > 10_000

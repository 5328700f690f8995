"""The Pulumi preview parser (``pulumi preview --json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.pulumi import PulumiPreview, parse_preview, parse_urn

FIXTURE = (Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "pulumi"
           / "preview_replace_rds.json")
SAMPLE = FIXTURE.read_text()
URN = "urn:pulumi:prod::shop::aws:s3/bucketV2:BucketV2::logs"


def _doc(*steps: Any, **top: Any) -> str:
    return json.dumps({"steps": list(steps), "changeSummary": {}, **top})


def test_parse_urn() -> None:
    urn = parse_urn("urn:pulumi:stack::project::aws:rds/instance:Instance::name")
    assert urn is not None
    assert (urn.stack, urn.project, urn.type, urn.name) == (
        "stack", "project", "aws:rds/instance:Instance", "name")
    assert urn.parent_types == ()
    nested = parse_urn("urn:pulumi:dev::p::my:comp:Thing$aws:s3/bucket:Bucket::a::b")
    assert nested is not None
    assert nested.type == "aws:s3/bucket:Bucket"
    assert nested.parent_types == ("my:comp:Thing",)
    assert nested.name == "a::b"
    assert parse_urn("arn:aws:s3:::bucket") is None
    assert parse_urn("urn:pulumi:only::two") is None


def test_fixture_summary() -> None:
    preview = parse_preview(SAMPLE, "preview.json")
    assert preview.kind is InputKind.PULUMI
    assert [(s.op, s.type, s.name) for s in preview.steps] == [
        ("same", "pulumi:pulumi:Stack", "shop-prod"),
        ("replace", "aws:rds/instance:Instance", "orders-db"),
        ("update", "aws:s3/bucketV2:BucketV2", "audit-logs"),
        ("delete", "aws:s3/bucketV2:BucketV2", "static-assets"),
        ("delete", "shop:storage:Assets", "assets"),
    ]
    assert preview.change_summary == {"delete": 2, "replace": 1, "same": 1, "update": 1}
    assert preview.config == {"aws:region": "eu-west-1", "shop:dbPassword": "[secret]",
                              "shop:env": "prod"}
    assert preview.duration == 7412000000
    assert preview.maybe_corrupt is False
    assert preview.stack == "prod"
    assert len(preview.changing_steps) == 4
    assert preview.problems == ()
    assert preview.describe() == "Pulumi preview of stack prod with 5 steps (4 changing)"
    (diag,) = preview.diagnostics
    assert diag.severity == "warning"
    assert diag.urn == "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db"
    assert diag.message.startswith("skipFinalSnapshot is true")


def test_fixture_replace_step() -> None:
    step = parse_preview(SAMPLE, "p").steps[1]
    assert step.is_replace
    assert not step.is_delete
    assert (step.stack, step.project) == ("prod", "shop")
    assert step.address == "aws:rds/instance:Instance::orders-db"
    assert step.provider is not None
    assert step.provider.startswith(
        "urn:pulumi:prod::shop::pulumi:providers:aws::default_6_45_0")
    assert step.diff_reasons == ("engineVersion", "storageEncrypted")
    assert step.replace_reasons == ("storageEncrypted",)
    assert step.detailed_diff["storageEncrypted"].kind == "add-replace"
    assert step.detailed_diff["storageEncrypted"].input_diff is True
    assert step.detailed_diff["engineVersion"].forces_replacement is False
    assert step.replacing_paths == ("storageEncrypted",)
    assert step.old_state is not None
    assert step.new_state is not None
    assert step.old_state.id == "orders-db-3f2a9c1"
    assert step.old_state.inputs["engineVersion"] == "15.4"
    assert step.new_state.inputs["engineVersion"] == "16.2"
    assert step.old_state.outputs["engine"] == "postgres"
    assert step.old_state.parent == "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"
    assert step.custom is True


def test_fixture_protection_change_and_deletes() -> None:
    preview = parse_preview(SAMPLE, "p")
    audit, assets, component = preview.steps[2:]
    assert audit.op == "update"
    assert (audit.protect_before, audit.protect_after) == (True, False)
    assert audit.old_state is not None
    assert audit.old_state.retain_on_delete is True
    assert audit.new_state is not None
    assert audit.new_state.retain_on_delete is False
    assert audit.new_state.inputs["forceDestroy"] is True
    assert assets.is_delete
    assert not assets.retained_on_delete
    assert assets.new_state is None
    assert (assets.protect_before, assets.protect_after) == (False, None)
    assert assets.type == "aws:s3/bucketV2:BucketV2"
    assert assets.old_state is not None
    assert assets.old_state.inputs["forceDestroy"] is True
    assert component.is_delete
    assert component.custom is False
    assert preview.steps[0].custom is False


def test_unknown_op_and_error_diagnostics_are_coverage_errors() -> None:
    text = _doc({"op": "obliterate", "urn": URN},
                diagnostics=[{"severity": "error", "urn": URN,
                              "message": "creating S3 Bucket: AccessDenied\nmore"},
                             {"severity": "info", "message": "fine"}])
    preview = parse_preview(text, "p")
    assert preview.steps[0].op == "obliterate"
    assert [(p.level, p.message) for p in preview.problems] == [
        (ProblemLevel.ERROR, f"{URN}: unknown step op 'obliterate'; what this step does could "
                             "not be determined"),
        (ProblemLevel.ERROR, f"preview reported an error: {URN}: creating S3 Bucket: "
                             "AccessDenied"),
    ]


def test_partially_unreadable_steps() -> None:
    text = _doc("junk", {"op": "create"}, {"urn": URN},
                {"op": "delete", "urn": "not-a-urn", "oldState": {"type": "aws:x:Y"}},
                {"op": "update", "urn": URN, "detailedDiff": {"a": {"kind": "explode"}}})
    preview = parse_preview(text, "p")
    assert [s.op for s in preview.steps] == ["", "delete", "update"]
    assert preview.steps[1].type == "aws:x:Y"
    assert preview.steps[1].name == "not-a-urn"
    levels = [(p.level, p.message.split(";")[0]) for p in preview.problems]
    assert levels == [
        (ProblemLevel.ERROR, "steps[0] is not an object"),
        (ProblemLevel.ERROR, "steps[1] has no URN"),
        (ProblemLevel.ERROR, f"{URN}: step has no 'op'"),
        (ProblemLevel.NOTE, "steps[3]: URN 'not-a-urn' is not of the form "
                            "urn:pulumi:stack::project::type::name"),
        (ProblemLevel.NOTE, f"{URN}: unknown diff kind 'explode' for 'a'"),
    ]


def test_snake_case_keys_and_urn_from_state() -> None:
    text = _doc({"op": "delete", "old_state": {"urn": URN, "type": "aws:s3/bucketV2:BucketV2",
                                               "protect": True, "retain_on_delete": True},
                 "replace_reasons": ["x"]})
    step = parse_preview(text, "p").steps[0]
    assert step.urn == URN
    assert step.name == "logs"
    assert step.retained_on_delete is True
    assert step.protect_before is True
    assert step.replace_reasons == ("x",)


def test_maybe_corrupt_and_missing_steps() -> None:
    corrupt = parse_preview(json.dumps({"steps": [], "maybeCorrupt": True}), "p")
    assert [p.level for p in corrupt.problems] == [ProblemLevel.ERROR]
    no_steps = parse_preview(json.dumps({"changeSummary": {"delete": 3, "same": 2}}), "p")
    assert no_steps.steps == ()
    assert "no 'steps'" in no_steps.problems[0].message
    unchanged = parse_preview(json.dumps({"changeSummary": {"same": 2}}), "p")
    assert unchanged.problems == ()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("nope", "invalid JSON"),
        ("[1]", "must be an object"),
        ('{"resources": []}', "not a Pulumi preview"),
        ('{"steps": {}}', "'steps' is not a list"),
    ],
)
def test_wholly_unreadable_input_raises(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        parse_preview(text, "preview.json")
    assert str(info.value).startswith("preview.json: ")


def _check_one_line(message: str) -> None:
    assert "\n" not in message


def _parse_or_error(text: str) -> PulumiPreview | None:
    try:
        return parse_preview(text, "fuzz.json")
    except ParseError as exc:
        _check_one_line(str(exc))
        return None


@given(st.text(max_size=400))
def test_arbitrary_text_gives_a_document_or_parse_error(text: str) -> None:
    _parse_or_error(text)


@given(st.integers(min_value=0, max_value=len(SAMPLE)), st.text(max_size=20))
def test_truncated_sample_gives_a_document_or_parse_error(cut: int, junk: str) -> None:
    _parse_or_error(SAMPLE[:cut] + junk)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(
        [URN, "delete", "replace", "error", "update-replace"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["op", "urn", "oldState", "newState", "detailedDiff", "kind", "protect", "inputs",
         "severity", "message", "diffReasons", "type", "custom"]), inner, max_size=5),
    max_leaves=25,
)


@given(_JSON, _JSON)
def test_arbitrary_json_shapes_give_a_document_or_parse_error(steps: Any, diags: Any) -> None:
    _parse_or_error(json.dumps({"steps": steps, "diagnostics": diags}))

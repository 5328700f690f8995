"""The CloudFormation change set parser (``describe-change-set`` JSON)."""

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
from reviewer.parsers.cloudformation import ChangeSet, parse_change_set

FIXTURE = (Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "cloudformation"
           / "changeset_remove_rds.json")
SAMPLE = FIXTURE.read_text()


def _doc(*changes: Any, **top: Any) -> str:
    return json.dumps({"ChangeSetName": "cs", "StackName": "st", "Changes": list(changes), **top})


def _rc(**fields: Any) -> dict[str, Any]:
    return {"Type": "Resource", "ResourceChange": {
        "Action": "Modify", "LogicalResourceId": "Db", "ResourceType": "AWS::RDS::DBInstance",
        **fields}}


def test_fixture_header() -> None:
    cs = parse_change_set(SAMPLE, "cs.json")
    assert cs.kind is InputKind.CLOUDFORMATION
    assert cs.path == "cs.json"
    assert cs.change_set_name == "release-42"
    assert cs.stack_name == "orders-prod"
    assert cs.status == "CREATE_COMPLETE"
    assert cs.execution_status == "AVAILABLE"
    assert cs.change_set_id is not None
    assert cs.change_set_id.endswith(
        "changeSet/release-42/8f9a0b1c-5a6b-11ef-9c1d-0a1b2c3d4e5f")
    assert cs.parameters == {"Environment": "prod", "DBInstanceClass": "db.r6g.xlarge",
                             "LatestAmiId": "ami-0abcdef1234567890"}
    assert cs.capabilities == ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
    assert cs.include_nested_stacks is True
    assert cs.paginated is False
    assert cs.problems == ()
    assert [c.logical_id for c in cs.changes] == [
        "LegacyOrdersDB", "OrdersDB", "AppSecurityGroup", "ArchiveBucket", "NetworkStack",
        "OrdersQueuePolicy"]
    assert cs.describe() == ("CloudFormation change set release-42 for stack orders-prod "
                             "with 6 resource changes")


def test_fixture_remove_with_delete_policy() -> None:
    cs = parse_change_set(SAMPLE, "cs.json")
    legacy = cs.changes[0]
    assert legacy.action == "Remove"
    assert legacy.is_remove
    assert not legacy.may_replace
    assert legacy.resource_type == "AWS::RDS::DBInstance"
    assert legacy.physical_id == "orders-db-legacy"
    assert legacy.policy_action == "Delete"
    assert legacy.deletes_physical_resource is True
    assert legacy.replacement is None
    assert legacy.hook_invocation_count == 0
    assert legacy.before_context["Properties"]["Engine"] == "postgres"
    assert legacy.before_context["DeletionPolicy"] == "Delete"
    assert legacy.after_context is None
    assert legacy.address == "LegacyOrdersDB (AWS::RDS::DBInstance)"
    assert cs.removals == (legacy,)


def test_fixture_modify_with_replacement() -> None:
    cs = parse_change_set(SAMPLE, "cs.json")
    db = cs.changes[1]
    assert (db.action, db.replacement, db.policy_action) == ("Modify", "True", "ReplaceAndDelete")
    assert db.is_replace
    assert db.may_replace
    assert db.deletes_physical_resource is True
    assert db.scope == ("Properties",)
    assert len(db.details) == 2
    ident, klass = db.details
    assert ident.attribute == "Properties"
    assert ident.name == "DBInstanceIdentifier"
    assert ident.path == "/Properties/DBInstanceIdentifier"
    assert ident.requires_recreation == "Always"
    assert ident.forces_replacement
    assert ident.attribute_change_type == "Modify"
    assert (ident.before_value, ident.after_value) == ("orders-db-prod", "orders-db-prod-v2")
    assert (ident.evaluation, ident.change_source) == ("Static", "DirectModification")
    assert ident.causing_entity is None
    assert klass.requires_recreation == "Never"
    assert not klass.forces_replacement
    assert klass.change_source == "ParameterReference"
    assert klass.causing_entity == "DBInstanceClass"
    assert db.replacing_details == (ident,)
    assert db.before_context == {"Properties": {"DBInstanceIdentifier": "orders-db-prod",
                                                "DBInstanceClass": "db.r6g.large"}}
    assert db.after_context["Properties"]["DBInstanceIdentifier"] == "orders-db-prod-v2"


def test_fixture_conditional_nested_dynamic() -> None:
    cs = parse_change_set(SAMPLE, "cs.json")
    sg, bucket, nested, policy = cs.changes[2:]
    assert sg.replacement == "Conditional"
    assert sg.may_replace
    assert not sg.is_replace
    assert sg.policy_action is None
    assert sg.deletes_physical_resource is None
    assert sg.details[0].evaluation == "Dynamic"
    assert sg.details[0].causing_entity == "AppVpc"
    assert sg.details[0].label == "/Properties/VpcId"
    assert bucket.action == "Add"
    assert bucket.physical_id is None
    assert bucket.after_context == {"Properties": {"BucketName": "orders-archive"}}
    assert nested.resource_type == "AWS::CloudFormation::Stack"
    assert nested.replacement == "False"
    assert nested.details[0].change_source == "Automatic"
    assert cs.nested_change_set_ids == (nested.change_set_id,)
    assert nested.change_set_id is not None
    assert "NetworkStack" in nested.change_set_id
    assert policy.action == "Dynamic"
    assert cs.replacements == (cs.changes[1], sg)
    assert [c.index for c in cs.changes] == [0, 1, 2, 3, 4, 5]


def test_paginated_change_set_is_a_coverage_error() -> None:
    cs = parse_change_set(_doc(_rc(), NextToken="abc=="), "cs.json")
    assert cs.paginated is True
    assert [(p.level, p.message) for p in cs.problems] == [
        (ProblemLevel.ERROR, "change set is paginated; only the first page was reviewed")]


def test_unknown_action_is_kept_and_reported() -> None:
    cs = parse_change_set(_doc(_rc(Action="Obliterate")), "cs.json")
    assert cs.changes[0].action == "Obliterate"
    (problem,) = cs.problems
    assert problem.level is ProblemLevel.ERROR
    assert problem.message.startswith("Db (AWS::RDS::DBInstance): unknown change set action "
                                      "'Obliterate'")


def test_non_resource_changes_are_notes() -> None:
    cs = parse_change_set(_doc({"Type": "Hook", "HookInvocationCount": 1}, _rc()), "cs.json")
    assert len(cs.changes) == 1
    assert cs.changes[0].index == 1
    (problem,) = cs.problems
    assert problem.level is ProblemLevel.NOTE
    assert "Changes[0] has Type 'Hook'" in problem.message


def test_partially_unreadable_changes() -> None:
    text = _doc("not an object", {"Type": "Resource"},
                _rc(Action=None), _rc(Details=["x"], Replacement="Sometimes"))
    cs = parse_change_set(text, "cs.json")
    assert len(cs.changes) == 1
    messages = [p.message for p in cs.problems]
    assert all(p.level is ProblemLevel.ERROR for p in cs.problems)
    assert messages[0] == "Changes[0] is not an object; it was not reviewed"
    assert messages[1] == "Changes[1] has no 'ResourceChange' object; it was not reviewed"
    assert messages[2].startswith("Changes[2]: resource change lacks 'Action'")
    assert "unknown Replacement value 'Sometimes'" in messages[3]
    assert messages[4] == "Db (AWS::RDS::DBInstance): Details[0] is not an object"


def test_invalid_context_json_is_kept_raw() -> None:
    cs = parse_change_set(_doc(_rc(BeforeContext="{not json", AfterContext="[1, 2]")), "c")
    assert cs.changes[0].before_context == "{not json"
    assert cs.changes[0].after_context == [1, 2]


def test_failed_change_set_status() -> None:
    empty = parse_change_set(_doc(Status="FAILED", StatusReason="The submitted information "
                                  "didn't contain changes. Submit different information."), "c")
    assert [p.level for p in empty.problems] == [ProblemLevel.NOTE]
    failed = parse_change_set(_doc(Status="FAILED", StatusReason="Template error"), "c")
    assert [p.level for p in failed.problems] == [ProblemLevel.ERROR]
    assert "FAILED (Template error)" in failed.problems[0].message


def test_parameters_use_previous_value() -> None:
    cs = parse_change_set(_doc(Parameters=[{"ParameterKey": "Env", "UsePreviousValue": True},
                                           {"ParameterKey": "N", "ParameterValue": 3},
                                           "junk"]), "c")
    assert cs.parameters == {"Env": "<previous value>", "N": "3"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "invalid JSON"),
        ("[]", "must be an object, not an array"),
        ('{"Changes": []}', "not a CloudFormation change set"),
        ('{"StackName": "x", "Changes": {}}', "'Changes' is not a list"),
    ],
)
def test_wholly_unreadable_input_raises(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_change_set(text, "bad.json")
    assert reason in str(info.value)
    assert str(info.value).startswith("bad.json: ")
    assert info.value.kind == InputKind.CLOUDFORMATION


def _check_one_line(message: str) -> None:
    assert "\n" not in message


def _parse_or_error(text: str) -> ChangeSet | None:
    try:
        return parse_change_set(text, "fuzz.json")
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
        ["Remove", "Modify", "Resource", "True", "{\"a\": 1}", "Delete"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["Changes", "Type", "ResourceChange", "Action", "LogicalResourceId", "Details",
         "Target", "Scope", "BeforeContext", "Parameters", "NextToken", "Replacement"]),
        inner, max_size=5),
    max_leaves=25,
)


@given(_JSON)
def test_arbitrary_json_shapes_give_a_document_or_parse_error(doc: Any) -> None:
    _parse_or_error(json.dumps({"StackName": "s", "Changes": doc}))

"""The Terraform/OpenTofu plan parser."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.errors import ParseError
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.terraform_plan import parse_terraform_plan

DEMO = Path(__file__).resolve().parents[2] / "reviewer" / "demo" / "cost-env-recreate.plan.json"


def _text(**top: Any) -> str:
    return json.dumps({"format_version": "1.2", **top})


def _rc(actions: list[str], **extra: Any) -> dict[str, Any]:
    return {"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance",
            "name": "db", "change": {"actions": actions, "before": {"a": 1},
                                     "after": {"a": 2}, **extra.pop("change", {})}, **extra}


def test_demo_plan_shape() -> None:
    plan = parse_terraform_plan(DEMO.read_text(), "plan.json")
    assert plan.format_version == "1.2"
    assert plan.terraform_version == "1.9.8"
    assert len(plan.resource_changes) == 24
    first = plan.resource_changes[0]
    assert first.address == "module.cost_env.aws_db_instance.ledger"
    assert first.module_address == "module.cost_env"
    assert first.action_reason == "delete_because_no_module"
    assert first.is_pure_delete
    assert not first.is_replace
    assert first.value("skip_final_snapshot", side="before") is True
    assert plan.problems == ()


@pytest.mark.parametrize(
    ("actions", "label", "delete_first"),
    [
        (["delete", "create"], "replace (destroy first)", True),
        (["create", "delete"], "replace (create first)", False),
        (["delete"], "delete", False),
        (["update"], "update", False),
        (["create", "forget"], "create+forget", False),
    ],
)
def test_action_classification(actions: list[str], label: str, delete_first: bool) -> None:
    rc = parse_terraform_plan(_text(resource_changes=[_rc(actions)]), "p").resource_changes[0]
    assert rc.action_label == label
    assert rc.delete_first is delete_first


def test_forget_and_replace_paths_and_unknowns() -> None:
    plan = parse_terraform_plan(_text(resource_changes=[
        _rc(["create", "forget"]),
        _rc(["delete", "create"], change={"replace_paths": [["engine"], ["tags", "x"]],
                                          "after_unknown": {"endpoint": True}}),
    ]), "p")
    forget, replace = plan.resource_changes
    assert forget.is_forget
    assert replace.replace_paths == (("engine",), ("tags", "x"))
    assert replace.is_unknown("endpoint")
    assert not replace.is_unknown("a")


def test_nested_values_step_into_lists() -> None:
    after = {"settings": [{"deletion_protection_enabled": False}]}
    plan = parse_terraform_plan(_text(resource_changes=[_rc(["update"], change={"after": after})]),
                                "p")
    rc = plan.resource_changes[0]
    assert rc.value("settings.deletion_protection_enabled") is False


def test_unknown_actions_are_kept_as_coverage_errors() -> None:
    plan = parse_terraform_plan(_text(resource_changes=[_rc(["vaporize"])]), "p")
    assert plan.resource_changes[0].unknown_actions == ("vaporize",)
    assert plan.problems[0].level is ProblemLevel.ERROR
    assert "vaporize" in plan.problems[0].message


def test_unrecognised_reason_is_a_note() -> None:
    plan = parse_terraform_plan(_text(resource_changes=[
        _rc(["delete"], action_reason="delete_because_moon_phase")]), "p")
    assert [p.level for p in plan.problems] == [ProblemLevel.NOTE]


def test_health_flags_and_drift() -> None:
    plan = parse_terraform_plan(_text(
        errored=True, complete=False, applyable=False,
        deferred_changes=[{"reason": "provider_config_unknown"}],
        resource_drift=[_rc(["delete"])], resource_changes=[]), "p")
    assert (plan.errored, plan.complete, plan.applyable, plan.deferred_changes) == (
        True, False, False, 1)
    assert plan.resource_drift[0].is_delete


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "invalid JSON"),
        ("[]", "must be an object"),
        ('{"resource_changes": []}', "no 'format_version'"),
        (_text(format_version="2.0"), "unsupported plan format_version '2.0'"),
        (_text(resource_changes={"a": 1}), "'resource_changes' is not a list"),
        (_text(resource_changes=[5]), "resource_changes[0] is not an object"),
        (_text(resource_changes=[{"address": "a", "type": "t", "change": {"actions": "x"}}]),
         "no list of actions"),
        (_text(resource_changes=[_rc(["update"]), {"address": "a", "type": "t"}]),
         "resource_changes[1] has no 'change' object"),
        (_text(resource_drift=[{"address": 5, "type": "t", "change": {"actions": []}}]),
         "resource_drift[0] lacks 'address' or 'type'"),
    ],
)
def test_malformed_plans_raise_one_line_parse_errors(text: str, needle: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_terraform_plan(text, "plan.json")
    assert needle in str(info.value)
    assert str(info.value).startswith("plan.json: ")
    assert "\n" not in str(info.value)


def test_parsed_changes_are_read_only() -> None:
    """Detectors share one parsed plan (and its memo): none of them may modify a change."""
    rc = parse_terraform_plan(_text(resource_changes=[_rc(["update"])]), "p").resource_changes[0]
    with pytest.raises(AttributeError, match="read-only"):
        rc.address = "aws_db_instance.other"
    with pytest.raises(AttributeError, match="read-only"):
        del rc.before
    assert rc.address == "aws_db_instance.db"
    assert rc.before == {"a": 1}
    assert repr(rc) == "ResourceChange('aws_db_instance.db', actions=['update'])"


def test_parsed_changes_can_be_copied() -> None:
    plan = parse_terraform_plan(_text(resource_changes=[_rc(["delete", "create"])]), "p")
    rc = plan.resource_changes[0]
    for twin in (copy.copy(rc), copy.deepcopy(rc)):
        assert type(twin) is type(rc)
        assert (twin.address, twin.before, twin.is_replace, twin.position) == \
            (rc.address, rc.before, rc.is_replace, rc.position)
        with pytest.raises(AttributeError, match="read-only"):
            twin.address = "x"
    assert copy.deepcopy(plan).resource_changes[0].address == rc.address


def test_of_types_keeps_plan_order() -> None:
    def rc(address: str, rtype: str, actions: list[str]) -> dict[str, Any]:
        return {"address": address, "type": rtype, "change": {"actions": actions}}

    plan = parse_terraform_plan(_text(resource_changes=[
        rc("aws_s3_bucket.a", "aws_s3_bucket", ["delete"]),
        rc("aws_iam_role.r", "aws_iam_role", ["update"]),
        rc("aws_db_instance.d", "aws_db_instance", ["no-op"]),
        rc("aws_s3_bucket.b", "aws_s3_bucket", ["create"]),
        rc("aws_iam_role.s", "aws_iam_role", ["delete"]),
    ]), "p")
    addresses = [c.address for c in plan.of_types({"aws_s3_bucket", "aws_iam_role"})]
    assert addresses == ["aws_s3_bucket.a", "aws_iam_role.r", "aws_s3_bucket.b", "aws_iam_role.s"]
    assert [c.address for c in plan.of_types(lambda t: t.startswith("aws_db"))] == \
        ["aws_db_instance.d"]
    assert list(plan.of_types(("google_sql_database_instance",))) == []
    changed = plan.of_types({"aws_s3_bucket", "aws_db_instance"}, changed=True)
    assert [c.address for c in changed] == ["aws_s3_bucket.a", "aws_s3_bucket.b"]  # no no-op
    assert [c.position for c in plan.resource_changes] == [0, 1, 2, 3, 4]

"""The HCL / Terraform configuration parser (tree-sitter hcl)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.hcl import Block, HclFile, block_address, lifecycle, literal_value, parse_hcl

SAMPLE = (Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "hcl"
          / "main.tf").read_text()


def _block(hcl: HclFile, address: str) -> Block:
    block = hcl.find(address)
    assert block is not None, [b.address for b in hcl.blocks]
    return block


def test_fixture_blocks_and_addresses() -> None:
    hcl = parse_hcl(SAMPLE, "main.tf")
    assert hcl.kind is InputKind.HCL
    assert hcl.problems == ()
    assert [(b.block_type, b.address, b.line, b.end_line) for b in hcl.blocks] == [
        ("terraform", "terraform", 1, 9),
        ("provider", "provider.aws", 11, 13),
        ("variable", "var.region", 15, 18),
        ("locals", "locals", 20, 22),
        ("data", "data.aws_ami.al2023", 24, 27),
        ("resource", "aws_db_instance.main", 29, 41),
        ("resource", "aws_s3_bucket.archive", 43, 50),
        ("module", "module.queue", 52, 56),
        ("moved", "moved", 58, 61),
        ("removed", "removed", 63, 69),
        ("import", "import", 71, 74),
        ("output", "output.db_endpoint", 76, 79),
    ]
    assert hcl.describe() == "HCL file with 12 blocks (2 resources)"
    assert [b.address for b in hcl.resources] == ["aws_db_instance.main",
                                                  "aws_s3_bucket.archive"]


def test_fixture_resource_attributes_and_lifecycle() -> None:
    hcl = parse_hcl(SAMPLE, "main.tf")
    db = _block(hcl, "aws_db_instance.main")
    assert db.labels == ("aws_db_instance", "main")
    assert (db.type, db.name) == ("aws_db_instance", "main")
    assert db.attributes == {
        "identifier": '"${local.name_prefix}-db"',
        "engine": '"postgres"',
        "engine_version": '"16.2"',
        "instance_class": '"db.r6g.large"',
        "deletion_protection": "true",
        "skip_final_snapshot": "false",
    }
    assert db.attribute_lines["deletion_protection"] == 34
    assert db.line_of("engine") == 31
    assert db.line_of("absent") == 29
    assert db.literal("deletion_protection") is True
    assert db.literal("skip_final_snapshot") is False
    assert db.literal("engine") == "postgres"
    assert db.literal("identifier") is None
    assert db.literal("identifier", "dynamic") == "dynamic"
    (life,) = db.nested("lifecycle")
    assert (life.address, life.line, life.end_line) == ("lifecycle", 37, 40)
    assert life.attribute_lines == {"prevent_destroy": 38, "ignore_changes": 39}
    assert lifecycle(db) == {"prevent_destroy": "true", "ignore_changes": "[password]"}
    archive = _block(hcl, "aws_s3_bucket.archive")
    assert lifecycle(archive) == {"prevent_destroy": "false"}
    assert lifecycle(_block(hcl, "module.queue")) == {}


def test_fixture_moved_removed_import_module() -> None:
    hcl = parse_hcl(SAMPLE, "main.tf")
    moved = _block(hcl, "moved")
    assert moved.attributes == {"from": "aws_s3_bucket.orders_archive",
                                "to": "aws_s3_bucket.archive"}
    removed = _block(hcl, "removed")
    assert removed.attributes == {"from": "aws_instance.legacy_worker"}
    assert lifecycle(removed) == {"destroy": "false"}
    assert _block(hcl, "import").attributes["to"] == "aws_sqs_queue.dlq"
    module = _block(hcl, "module.queue")
    assert module.literal("source") == "terraform-aws-modules/sqs/aws"
    assert module.literal("version") == "~> 4.0"
    terraform = _block(hcl, "terraform")
    (backend,) = terraform.blocks
    assert (backend.block_type, backend.labels, backend.address) == ("backend", ("s3",),
                                                                      "backend.s3")
    assert backend.literal("key") == "orders/prod.tfstate"
    data = _block(hcl, "data.aws_ami.al2023")
    assert data.type == "aws_ami"
    assert data.attributes["owners"] == '["amazon"]'
    assert hcl.by_type("moved", "removed") == (moved, removed)


def test_dynamic_blocks_and_bare_labels() -> None:
    text = ('resource aws_security_group "web" {\n  dynamic "ingress" {\n'
            '    for_each = var.rules\n    content {\n      from_port = ingress.value\n'
            '    }\n  }\n}\n')
    (sg,) = parse_hcl(text, "sg.tf").blocks
    assert sg.address == "aws_security_group.web"
    (dyn,) = sg.blocks
    assert dyn.address == "dynamic.ingress"
    assert dyn.attributes == {"for_each": "var.rules"}
    assert dyn.blocks[0].attributes == {"from_port": "ingress.value"}


def test_tfvars_top_level_attributes() -> None:
    hcl = parse_hcl('environment = "prod"\ninstance_count = 3\nflags = { a = true }\n',
                    "prod.tfvars")
    assert hcl.blocks == ()
    assert hcl.attributes == {"environment": '"prod"', "instance_count": "3",
                              "flags": "{ a = true }"}
    assert hcl.attribute_lines == {"environment": 1, "instance_count": 2, "flags": 3}
    assert hcl.describe() == "HCL file with 3 attributes"


def test_heredoc_attribute_source() -> None:
    text = 'resource "aws_iam_policy" "p" {\n  policy = <<EOT\n{"a": 1}\nEOT\n}\n'
    (policy,) = parse_hcl(text, "p.tf").blocks
    assert policy.attributes["policy"] == '<<EOT\n{"a": 1}\nEOT'
    assert policy.literal("policy") is None


def test_syntax_error_is_reported_with_line_and_block() -> None:
    text = ('resource "aws_s3_bucket" "ok" {\n  bucket = "a"\n}\n\n'
            'resource "aws_db_instance" "bad" {\n  engine = \n}\n')
    hcl = parse_hcl(text, "main.tf")
    ok = _block(hcl, "aws_s3_bucket.ok")
    assert ok.has_error is False
    assert ok.literal("bucket") == "a"
    assert hcl.problems
    first = hcl.problems[0]
    assert first.level is ProblemLevel.ERROR
    assert first.line is not None
    assert first.line >= 5
    assert first.message.startswith(f"HCL syntax error at line {first.line} in "
                                    "aws_db_instance.bad")
    assert _block(hcl, "aws_db_instance.bad").has_error is True


@pytest.mark.parametrize(
    ("source", "value"),
    [("true", True), ("false", False), ("null", None), ("7", 7), ("1.5", 1.5), ("-3", -3),
     ('"a\\"b"', 'a"b'), ('"x-${var.y}"', "?"), ("var.x", "?"), ("[1]", "?")],
)
def test_literal_value(source: str, value: object) -> None:
    assert literal_value(source, "?") == value


def test_block_address_rules() -> None:
    assert block_address("resource", ("a", "b")) == "a.b"
    assert block_address("data", ("a", "b")) == "data.a.b"
    assert block_address("ephemeral", ("a", "b")) == "ephemeral.a.b"
    assert block_address("module", ("m",)) == "module.m"
    assert block_address("variable", ("v",)) == "var.v"
    assert block_address("check", ("health",)) == "check.health"
    assert block_address("moved", ()) == "moved"
    assert block_address("lifecycle", (), nested=True) == "lifecycle"
    assert block_address("job", ("a", "b")) == "job.a.b"


@pytest.mark.parametrize(
    ("text", "reason"),
    [('{"resource": {}}', "JSON-syntax HCL"), ("}}}{{{ ===", "not HCL"),
     ("\x00", "NUL bytes")],
)
def test_wholly_unreadable_input_raises(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        parse_hcl(text, "main.tf")
    assert "\n" not in str(info.value)


def _check_one_line(message: str) -> None:
    assert "\n" not in message


def _parse_or_error(text: str) -> HclFile | None:
    try:
        hcl = parse_hcl(text, "fuzz.tf")
    except ParseError as exc:
        _check_one_line(str(exc))
        return None
    for block in hcl.blocks:
        assert 1 <= block.line <= block.end_line
    return hcl


@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_document_or_parse_error(text: str) -> None:
    _parse_or_error(text)


@given(st.data())
def test_mutated_sample_gives_a_document_or_parse_error(data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(SAMPLE)))
    resume = data.draw(st.integers(min_value=0, max_value=len(SAMPLE)))
    junk = data.draw(st.text(alphabet='{}[]"=$<>\n ab.', max_size=8))
    _parse_or_error(SAMPLE[:cut] + junk + SAMPLE[resume:])

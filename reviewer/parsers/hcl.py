"""HCL / Terraform configuration (``*.tf``, ``*.tfvars``, ``*.hcl``) → :class:`HclFile`.

Parsed with the tree-sitter HCL grammar. Each block becomes a :class:`Block` with its type,
labels, Terraform address (``aws_db_instance.main``, ``data.aws_ami.ubuntu``,
``module.db``), lines, top-level attributes as expression *source text* (``"true"``,
``"var.env == \\"prod\\""``) and nested blocks (``lifecycle``, ``dynamic "ingress"``…).
Expressions are not evaluated; :meth:`Block.literal` reads the simple literals
(``true``, ``7``, ``"snapshot"``) detectors compare against.

Syntax errors are coverage errors naming their line and enclosing block; the blocks that
could be read are kept, marked ``has_error`` when an error lies inside them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tree_sitter import Node

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Lazy, Problem, ProblemLevel, lines_touched
from reviewer.parsers.treesitter import parse as ts_parse

_KIND = InputKind.HCL
_MAX_ERRORS = 20
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}

#: Prefix of the address for block types addressed as ``<prefix>.<label>…``.
_ADDRESS_PREFIX = {"data": "data", "ephemeral": "ephemeral", "module": "module",
                   "variable": "var", "output": "output", "provider": "provider",
                   "check": "check"}
#: Block types addressed by their type alone.
_UNLABELLED = frozenset({"locals", "terraform", "moved", "removed", "import"})


@dataclass(frozen=True, slots=True)
class Block:
    """One HCL block: ``type "label" "label" { … }``."""

    block_type: str
    labels: tuple[str, ...]
    #: Terraform address: ``aws_db_instance.main``, ``data.x.y``, ``module.db``,
    #: ``var.name``, ``output.name``, ``provider.aws``; ``moved``/``locals``… for the
    #: unlabelled kinds; nested blocks: ``lifecycle``, ``dynamic.ingress``.
    address: str
    #: 1-based first and last lines.
    line: int
    end_line: int
    #: Attribute name → expression source text, for this block's own attributes.
    attributes: dict[str, str] = field(default_factory=dict)
    #: Attribute name → 1-based line.
    attribute_lines: dict[str, int] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()
    #: A syntax error lies inside the block: attributes or nested blocks may be missing.
    has_error: bool = False

    @property
    def type(self) -> str:
        """First label of resource / data blocks (``aws_db_instance``), else ``""``."""
        if self.block_type in ("resource", "data", "ephemeral") and self.labels:
            return self.labels[0]
        return ""

    @property
    def name(self) -> str:
        """Last label (``main`` of ``resource "x" "main"``), or ``""``."""
        return self.labels[-1] if self.labels else ""

    def nested(self, block_type: str) -> tuple[Block, ...]:
        """Nested blocks of one type (``lifecycle``, ``dynamic``…)."""
        return tuple(b for b in self.blocks if b.block_type == block_type)

    def literal(self, name: str, default: Any = None) -> Any:
        """An attribute's value when it is a simple literal; ``default`` otherwise.

        ``true``/``false`` → bool, numbers → int/float, ``"text"`` without interpolation →
        str, ``null`` → None. Expressions (``var.x``, ``"${a}"``) give ``default``.
        """
        source = self.attributes.get(name)
        if source is None:
            return default
        return literal_value(source, default)

    def line_of(self, name: str) -> int:
        """Line of an attribute, or of the block when it is absent."""
        return self.attribute_lines.get(name, self.line)


def literal_value(source: str, default: Any = None) -> Any:
    """The value of an HCL expression's source text when it is a simple literal."""
    text = source.strip()
    if text == "true":
        return True
    if text == "false":
        return False
    if text == "null":
        return None
    if _NUMBER.fullmatch(text):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in \
            text.lower() else number
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and "${" not in text \
            and "%{" not in text:
        return re.sub(r"\\(.)", lambda m: _STRING_ESCAPES.get(m.group(1), m.group(0)),
                      text[1:-1])
    return default


def lifecycle(block: Block) -> dict[str, str]:
    """Attributes of the block's ``lifecycle`` blocks (``prevent_destroy`` → ``"true"``)."""
    out: dict[str, str] = {}
    for nested in block.nested("lifecycle"):
        out.update(nested.attributes)
    return out


@dataclass(frozen=True, slots=True)
class HclFile:
    """A parsed HCL file."""

    kind: ClassVar[InputKind] = InputKind.HCL

    path: str
    blocks: tuple[Block, ...]
    #: Top-level attributes (``*.tfvars`` files): name → expression source text.
    attributes: dict[str, str] = field(default_factory=dict)
    attribute_lines: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    #: New-side lines the change touches when this file came from a diff (None: the whole
    #: file is under review).
    changed_lines: frozenset[int] | None = None
    #: The file before the change (parsed on first use), when it came from a diff.
    previous: Lazy[HclFile | None] | None = field(default=None, compare=False, repr=False)
    #: The diff this file came from, when it did.
    origin: str | None = None

    def touches(self, start: int | None, end: int | None = None) -> bool:
        """True when lines ``start``..``end`` are part of the change under review."""
        return lines_touched(self.changed_lines, start, end)

    def before(self) -> HclFile | None:
        """The file before the change, when it came from a diff and existed before."""
        return self.previous.get() if self.previous is not None else None

    def by_type(self, *block_types: str) -> tuple[Block, ...]:
        """Top-level blocks of the given types (``resource``, ``moved``…)."""
        return tuple(b for b in self.blocks if b.block_type in block_types)

    @property
    def resources(self) -> tuple[Block, ...]:
        """``resource`` blocks."""
        return self.by_type("resource")

    def find(self, address: str) -> Block | None:
        """The top-level block with this address (``aws_db_instance.main``)."""
        return next((b for b in self.blocks if b.address == address), None)

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        if not self.blocks and self.attributes:
            return f"HCL file with {len(self.attributes)} attributes"
        return f"HCL file with {len(self.blocks)} blocks ({len(self.resources)} resources)"


def block_address(block_type: str, labels: tuple[str, ...], *, nested: bool = False) -> str:
    """Terraform address of a block (see :attr:`Block.address`)."""
    if nested:
        return ".".join((block_type, *labels))
    if block_type == "resource" and len(labels) == 2:
        return f"{labels[0]}.{labels[1]}"
    if block_type in _ADDRESS_PREFIX and labels:
        return ".".join((_ADDRESS_PREFIX[block_type], *labels))
    if block_type in _UNLABELLED:
        return block_type
    return ".".join((block_type, *labels))


class _Reader:
    def __init__(self, src: bytes) -> None:
        self.src = src

    def text(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def label(self, node: Node) -> str:
        if node.type == "string_lit":
            inner = [c for c in node.children
                     if c.type not in ("quoted_template_start", "quoted_template_end")]
            return "".join(self.text(c) for c in inner)
        return self.text(node)

    def body(self, body: Node | None, *,
             nested: bool) -> tuple[dict[str, str], dict[str, int], list[Block]]:
        attributes: dict[str, str] = {}
        lines: dict[str, int] = {}
        blocks: list[Block] = []
        if body is None:
            return attributes, lines, blocks
        for child in body.children:
            if child.type == "attribute":
                name_node = next((c for c in child.children if c.type == "identifier"), None)
                value = next((c for c in child.children if c.type == "expression"), None)
                if name_node is None:
                    continue
                name = self.text(name_node)
                attributes[name] = self.text(value) if value is not None else ""
                lines[name] = child.start_point.row + 1
            elif child.type == "block":
                blocks.append(self.block(child, nested=nested))
        return attributes, lines, blocks

    def block(self, node: Node, *, nested: bool) -> Block:
        block_type = ""
        labels: list[str] = []
        body: Node | None = None
        for child in node.children:
            if child.type == "identifier" and not block_type:
                block_type = self.text(child)
            elif child.type in ("string_lit", "identifier"):
                labels.append(self.label(child))
            elif child.type == "body":
                body = child
        attributes, lines, blocks = self.body(body, nested=True)
        label_tuple = tuple(labels)
        end = node.end_point
        return Block(
            block_type=block_type,
            labels=label_tuple,
            address=block_address(block_type, label_tuple, nested=nested),
            line=node.start_point.row + 1,
            end_line=end.row + 1,
            attributes=attributes,
            attribute_lines=lines,
            blocks=tuple(blocks),
            has_error=node.has_error,
        )


def _errors(root: Node, src: bytes) -> list[tuple[int, str]]:
    """(1-based line, description) of each outermost syntax error."""
    found: list[tuple[int, str]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append((node.start_point.row + 1, f"missing {node.type!r}"))
            continue
        if node.type == "ERROR":
            snippet = src[node.start_byte:node.end_byte].decode("utf-8", "replace").strip()
            first = snippet.splitlines()[0][:40] if snippet else ""
            found.append((node.start_point.row + 1,
                          f"cannot parse {first!r}" if first else "syntax error"))
            continue
        stack.extend(c for c in reversed(node.children) if c.has_error or c.is_missing)
    return sorted(found)


def parse_hcl(text: str, path: str) -> HclFile:
    """Parse HCL native syntax (Terraform ``.tf``, ``.tfvars``, other ``.hcl``).

    Raises:
        ParseError: the text is binary, JSON-syntax HCL, or nothing in it can be read.
    """
    if "\x00" in text:
        raise ParseError(path, "not HCL: contains NUL bytes", kind=_KIND)
    if text.lstrip().startswith("{"):
        try:
            json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            pass
        else:
            raise ParseError(path, "JSON-syntax HCL (.tf.json) is not supported; only native "
                                   "HCL syntax is read", kind=_KIND)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    src = text.encode("utf-8")
    tree = ts_parse("hcl", text)
    root = tree.root_node
    reader = _Reader(src)
    body = next((c for c in root.children if c.type == "body"), None)
    try:
        attributes, lines, blocks = reader.body(body, nested=False)
    except RecursionError:
        raise ParseError(path, "HCL nested too deeply to analyse", kind=_KIND) from None
    # Blocks the grammar could only recover inside ERROR nodes at top level.
    for child in root.children:
        if child.type == "ERROR":
            for inner in child.children:
                if inner.type == "block":
                    blocks.append(reader.block(inner, nested=False))
    blocks.sort(key=lambda b: b.line)
    problems: list[Problem] = []
    if root.has_error:
        errors = _errors(root, src)
        for line, what in errors[:_MAX_ERRORS]:
            owner = next((b for b in blocks if b.line <= line <= b.end_line), None)
            where = f" in {owner.address}" if owner is not None else ""
            problems.append(Problem(path, f"HCL syntax error at line {line}{where}: {what}; "
                                          "the configuration there was not reviewed",
                                    ProblemLevel.ERROR, line=line))
        if len(errors) > _MAX_ERRORS:
            problems.append(Problem(path, f"{len(errors) - _MAX_ERRORS} more HCL syntax errors "
                                          "not listed", ProblemLevel.ERROR))
        if not blocks and not attributes:
            first = problems[0] if problems else None
            raise ParseError(path, "not HCL: nothing could be read"
                             + (f" ({first.message})" if first else ""), kind=_KIND,
                             line=first.line if first else None)
    return HclFile(path=path, blocks=tuple(blocks), attributes=attributes,
                   attribute_lines=lines, problems=tuple(problems))

"""Enclosing symbols of diff hunks, found with real tree-sitter grammars.

A hunk of a risky change is easier to judge when the reviewer knows *where* it is: the
method ``PaymentService.refund``, the resource ``aws_db_instance.main``, the YAML key
``spec.replicas``, the statement ``ALTER TABLE users``. This module answers that question:

* :func:`enclosing_symbol` looks one line up in one text.
* :class:`SyntaxTree` parses a text once and answers many look-ups.
* :func:`annotate_hunks` finds the symbol of every hunk of one file, in this order:

  1. the whole file text, when known (``--git`` supplies it): the file is parsed at most
     once per side and the first changed line of each hunk is looked up in it. The answer
     is authoritative, even when it is "no enclosing symbol" (a module-level line);
  2. otherwise the hunk's own text (context and added lines, or context and removed lines
     for a removal-only hunk), dedented and parsed on its own; tree-sitter is
     error-tolerant, so a fragment that is not valid code on its own still yields the
     definitions it contains. Git's hunk heading (``@@ … @@ class PaymentService:``) then
     qualifies a method whose class lies outside the fragment;
  3. finally git's hunk heading alone, read with a few patterns per language, or kept
     as it is (kind ``"heading"``) for languages without a grammar.

Symbols are ``(name, kind)`` pairs. Kinds: ``function``, ``method``, ``class``,
``interface``, ``enum``, ``record``, ``struct``, ``type``, ``namespace``, ``constructor``
for code; the block type (``resource``, ``data``, ``module``, ``variable``, ``output``,
``locals``, ``moved``, ``removed``, ``provider``…) or ``attribute`` for HCL; ``key`` for
YAML; ``statement`` for SQL; ``heading`` for an uninterpreted git heading.

YAML paths leave out sequence indexes (``spec.template.spec.containers.image``). A path
read from a hunk fragment whose ancestors are outside the fragment is marked with a ``…``
component (``spec.….image``) rather than guessed.

Some grammars crash the process on hostile input (tree-sitter-yaml past ~250 nesting
levels, tree-sitter-python past ~500 indentation levels) or misparse very long YAML
(over 32,767 lines). Such texts are never handed to tree-sitter: look-ups in them answer
None and hunks fall back to their own fragment or git's heading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from tree_sitter import Node, Tree

from reviewer.parsers import treesitter

#: ``(name, kind)``, e.g. ``("PaymentService.refund", "method")``.
Symbol = tuple[str, str]
#: A symbol and the node of its outermost part.
_Found = tuple[Symbol, Node]

__all__ = [
    "HunkLike",
    "LineLike",
    "Symbol",
    "SyntaxTree",
    "annotate_hunks",
    "enclosing_symbol",
    "heading_symbol",
]

_CODE_LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx", "go", "java", "bash"})
_CLASS_KINDS = frozenset({"class", "interface", "enum", "record", "struct", "type", "namespace",
                          "annotation"})
#: Kinds whose functions are methods (a function in a namespace stays a function).
_METHOD_OWNERS = frozenset({"class", "interface", "enum", "record", "struct", "annotation"})
_MAX_NAME = 200
_INDENTED_LANGUAGES = frozenset({"python", "yaml"})
_CLASS_BODY_LANGUAGES = frozenset({"javascript", "typescript", "tsx", "java"})
_DECLARATION_SEARCH = 64


class LineLike(Protocol):
    """What :func:`annotate_hunks` reads from a diff line."""

    @property
    def kind(self) -> str:
        """``"+"``, ``"-"`` or ``" "``."""
        ...

    @property
    def text(self) -> str:
        """The line without its diff prefix."""
        ...

    @property
    def old_lineno(self) -> int | None:
        """1-based line number in the old file (None for added lines)."""
        ...

    @property
    def new_lineno(self) -> int | None:
        """1-based line number in the new file (None for removed lines)."""
        ...


class HunkLike(Protocol):
    """What :func:`annotate_hunks` reads from a hunk."""

    @property
    def section(self) -> str:
        """Git's hunk heading: the text after the second ``@@``."""
        ...

    @property
    def lines(self) -> Sequence[LineLike]:
        """The hunk's lines in order."""
        ...


def _text(node: Node | None) -> str:
    if node is None:
        return ""
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _short(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 1] + "…"


# --------------------------------------------------------------------------- code scopes

_JS_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function",
                                 "generator_function"})
_JS_CLASS_VALUES = frozenset({"class"})

_JS_KINDS: dict[str, str] = {
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "function_signature": "function",
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "class": "class",
    "method_definition": "method",
    "method_signature": "method",
    "abstract_method_signature": "method",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "type_alias_declaration": "type",
    "internal_module": "namespace",
    "module": "namespace",
}

_JAVA_KINDS: dict[str, str] = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "record_declaration": "record",
    "annotation_type_declaration": "annotation",
    "method_declaration": "method",
    "constructor_declaration": "constructor",
    "compact_constructor_declaration": "constructor",
}


def _named(node: Node, field: str = "name") -> str | None:
    name = _text(node.child_by_field_name(field))
    return name.strip("'\"`") or None


def _python_scope(node: Node, came_from: Node | None) -> Symbol | None:
    if node.type == "function_definition":
        name = _named(node)
        return (name, "function") if name else None
    if node.type == "class_definition":
        name = _named(node)
        return (name, "class") if name else None
    if node.type == "decorated_definition":
        definition = node.child_by_field_name("definition")
        if definition is not None and (came_from is None or came_from.id != definition.id):
            return _python_scope(definition, None)
    return None


def _js_scope(node: Node, came_from: Node | None) -> Symbol | None:
    kind = _JS_KINDS.get(node.type)
    if kind is not None:
        name = _named(node)
        return (name, kind) if name else None
    if node.type in ("function_expression", "function", "generator_function"):
        # a declaration cut short ("function boot() {" without its "}") parses as a named
        # function expression statement
        parent = node.parent
        name = _named(node)
        if name and parent is not None and parent.type == "expression_statement":
            return name, "function"
        return None
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        if value is not None and value.type in _JS_FUNCTION_VALUES | _JS_CLASS_VALUES:
            name = _named(node)
            if name:
                return name, ("class" if value.type in _JS_CLASS_VALUES else "function")
        return None
    if node.type in ("public_field_definition", "field_definition"):
        value = node.child_by_field_name("value")
        if value is not None and value.type in _JS_FUNCTION_VALUES:
            name = _named(node) or _named(node, "property")
            return (name, "method") if name else None
        return None
    if node.type == "pair":
        value = node.child_by_field_name("value")
        if value is not None and value.type in _JS_FUNCTION_VALUES:
            name = _named(node, "key")
            return (name, "function") if name else None
        return None
    if node.type == "assignment_expression":
        value = node.child_by_field_name("right")
        if value is not None and value.type in _JS_FUNCTION_VALUES:
            name = _text(node.child_by_field_name("left"))
            return (_short(name), "function") if name else None
    return None


def _go_receiver(node: Node) -> str:
    receiver = node.child_by_field_name("receiver")
    for param in receiver.named_children if receiver is not None else []:
        rtype = param.child_by_field_name("type")
        text = _text(rtype).lstrip("*").strip()
        return text.split("[", 1)[0].strip()
    return ""


def _go_scope(node: Node, came_from: Node | None) -> Symbol | None:
    if node.type == "function_declaration":
        name = _named(node)
        return (name, "function") if name else None
    if node.type == "method_declaration":
        name = _named(node)
        if not name:
            return None
        receiver = _go_receiver(node)
        return (f"{receiver}.{name}" if receiver else name), "method"
    if node.type == "type_spec":
        name = _named(node)
        if not name:
            return None
        body = node.child_by_field_name("type")
        kind = {"struct_type": "struct", "interface_type": "interface"}.get(
            body.type if body is not None else "", "type")
        return name, kind
    return None


def _java_scope(node: Node, came_from: Node | None) -> Symbol | None:
    kind = _JAVA_KINDS.get(node.type)
    if kind is None:
        return None
    name = _named(node)
    return (name, kind) if name else None


def _bash_scope(node: Node, came_from: Node | None) -> Symbol | None:
    if node.type == "function_definition":
        name = _named(node)
        return (name, "function") if name else None
    return None


_ScopeFn = Callable[[Node, "Node | None"], "Symbol | None"]

_SCOPES: dict[str, _ScopeFn] = {
    "python": _python_scope,
    "javascript": _js_scope,
    "typescript": _js_scope,
    "tsx": _js_scope,
    "go": _go_scope,
    "java": _java_scope,
    "bash": _bash_scope,
}


#: Node types that can be scopes, per language (a cheap filter before the scope functions).
_SCOPE_TYPES: dict[str, frozenset[str]] = {
    "python": frozenset({"function_definition", "class_definition", "decorated_definition"}),
    "javascript": frozenset({*_JS_KINDS, *_JS_FUNCTION_VALUES, "variable_declarator",
                             "public_field_definition", "field_definition", "pair",
                             "assignment_expression"}),
    "go": frozenset({"function_declaration", "method_declaration", "type_spec"}),
    "java": frozenset(_JAVA_KINDS),
    "bash": frozenset({"function_definition"}),
}
_SCOPE_TYPES["typescript"] = _SCOPE_TYPES["tsx"] = _SCOPE_TYPES["javascript"]


def _code_symbol(language: str, node: Node) -> _Found | None:
    scope_of = _SCOPES[language]
    scope_types = _SCOPE_TYPES[language]
    chain: list[Symbol] = []
    outer = node
    current: Node | None = node
    came_from: Node | None = None
    while current is not None:
        scope = scope_of(current, came_from) if current.type in scope_types else None
        if scope is not None:
            chain.append(scope)
            outer = current
        came_from, current = current, current.parent
    if not chain:
        return None
    chain.reverse()
    name = ".".join(part for part, _ in chain)
    kind = chain[-1][1]
    if kind == "function" and len(chain) > 1 and chain[-2][1] in _METHOD_OWNERS:
        kind = "method"
    return (_short(name), kind), outer


# --------------------------------------------------------------------------- HCL

_HCL_TWO_LABELS = {"resource": "", "data": "data.", "ephemeral": "ephemeral."}
_HCL_ONE_LABEL = frozenset({"module", "variable", "output", "provider", "check"})


def _hcl_label(node: Node) -> str:
    if node.type == "string_lit":
        return "".join(_text(c) for c in node.named_children
                       if c.type not in ("quoted_template_start", "quoted_template_end"))
    return _text(node)


def _hcl_block_symbol(block: Node) -> Symbol | None:
    children = block.named_children
    if not children or children[0].type != "identifier":
        return None
    block_type = _text(children[0])
    labels = [_hcl_label(c) for c in children[1:] if c.type in ("string_lit", "identifier")]
    if block_type in _HCL_TWO_LABELS and len(labels) >= 2:
        return f"{_HCL_TWO_LABELS[block_type]}{labels[0]}.{labels[1]}", block_type
    if block_type in _HCL_ONE_LABEL and labels:
        return f"{block_type}.{labels[0]}", block_type
    return _short(".".join([block_type, *labels])), block_type


def _hcl_symbol(node: Node) -> _Found | None:
    top: Node | None = None
    current: Node | None = node
    while current is not None:
        parent = current.parent
        if (parent is not None and parent.type == "body" and parent.parent is not None
                and parent.parent.type == "config_file"):
            top = current
        current = parent
    if top is None:
        return None
    if top.type == "block":
        symbol = _hcl_block_symbol(top)
        return (symbol, top) if symbol is not None else None
    if top.type == "attribute":
        name = _text(top.named_children[0]) if top.named_children else ""
        return ((name, "attribute"), top) if name else None
    return None


# --------------------------------------------------------------------------- YAML


def _yaml_key(node: Node | None) -> str:
    text = _text(node).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text


def _yaml_symbol(node: Node) -> _Found | None:
    keys: list[str] = []
    outer = node
    current: Node | None = node
    while current is not None:
        if current.type in ("block_mapping_pair", "flow_pair"):
            key = _yaml_key(current.child_by_field_name("key"))
            if key:
                keys.append(key)
                outer = current
        current = current.parent
    if not keys:
        return None
    keys.reverse()
    return (_short(".".join(keys)), "key"), outer


# --------------------------------------------------------------------------- SQL

_SQL_MAX_WORDS = 6


def _leaves(node: Node) -> Iterator[Node]:
    """Leaf nodes in document order (iterative: SQL can nest deeper than Python recurses)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.child_count == 0:
            yield current
        else:
            stack.extend(reversed(current.children))


def _sql_statement_symbol(statement: Node) -> Symbol | None:
    words: list[str] = []
    for leaf in _leaves(statement):
        if leaf.type.startswith("keyword_"):
            words.append(_text(leaf).upper())
            if len(words) > _SQL_MAX_WORDS:
                break
            continue
        if words:
            target: Node | None = leaf
            owner = leaf.parent
            while owner is not None and owner.type in ("object_reference", "relation"):
                target, owner = owner, owner.parent
            if target is not None and (target.type in ("object_reference", "relation")
                                       or leaf.type == "identifier"):
                words.append(_text(target))
        break
    if not words:
        return None
    return _short(" ".join(words)), "statement"


def _sql_symbol(node: Node) -> _Found | None:
    current: Node | None = node
    while current is not None:
        parent = current.parent
        if current.type == "statement" or (
                current.type == "ERROR" and parent is not None and parent.type == "program"):
            symbol = _sql_statement_symbol(current)
            return (symbol, current) if symbol is not None else None
        current = parent
    return None


# --------------------------------------------------------------------------- look-ups


def _symbol_for_node(language: str, node: Node) -> _Found | None:
    if language in _SCOPES:
        return _code_symbol(language, node)
    if language == "hcl":
        return _hcl_symbol(node)
    if language == "yaml":
        return _yaml_symbol(node)
    if language == "sql":
        return _sql_symbol(node)
    return None


def _declared_on_line(language: str, node: Node, row: int) -> Node:
    """The outermost definition that starts on ``row`` inside ``node`` (else ``node``).

    ``export class A {`` is covered by an ``export_statement`` that is not itself a scope;
    the class it declares is the symbol of that line.
    """
    scope_of = _SCOPES[language]
    scope_types = _SCOPE_TYPES[language]
    queue = [node]
    visited = 0
    while queue and visited < _DECLARATION_SEARCH:
        current = queue.pop(0)
        visited += 1
        if current.type in scope_types and scope_of(current, None) is not None:
            return current
        queue.extend(c for c in current.named_children if c.start_point.row == row)
    return node


#: Texts the grammars cannot take safely. tree-sitter-yaml 0.7 writes past its scanner's
#: 1024-byte state buffer at about 250 levels of block nesting and crashes the process
#: (tree-sitter-yaml#48); tree-sitter-python's scanner has the same off-by-one at about 500
#: indentation levels (tree-sitter-python#350). Each level needs at least one column, so a
#: text whose lines are all indented less than these bounds is safe.
_TOO_DEEP: dict[str, re.Pattern[str]] = {
    "yaml": re.compile(r"^[ \t?-]{200}", re.MULTILINE),
    "python": re.compile(r"^[ \t]{400}", re.MULTILINE),
}
#: tree-sitter-yaml keeps rows in 16-bit fields: past this many lines the whole document
#: parses as one ERROR node (tree-sitter-yaml#49).
_MAX_LINES = {"yaml": 32767}


def _parseable(language: str, text: str, line_count: int) -> bool:
    if line_count > _MAX_LINES.get(language, line_count):
        return False
    guard = _TOO_DEEP.get(language)
    return guard is None or guard.search(text) is None


class SyntaxTree:
    """One text parsed once with one grammar, for any number of symbol look-ups.

    A text the grammar cannot take safely (see ``_TOO_DEEP``) is not parsed at all:
    :attr:`usable` is then False and every look-up answers None.
    """

    __slots__ = ("_lines", "_tree", "language", "usable")

    def __init__(self, language: str, text: str, *, share: bool = False) -> None:
        """Parse ``text`` with the grammar ``language`` (see ``treesitter.LANGUAGES``).

        ``share``: hand the tree on to the next parse of the same text (see
        :func:`reviewer.parsers.treesitter.share`).
        """
        self.language = language
        self._lines = text.split("\n")
        self.usable = _parseable(language, text, len(self._lines))
        self._tree: Tree = treesitter.parse(language, text if self.usable else "")
        if share and self.usable:
            treesitter.share(language, text, self._tree)

    def line_text(self, line: int) -> str | None:
        """Text of the 1-based ``line`` (without its line ending), None past the end."""
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1].removesuffix("\r")
        return None

    def symbol_at(self, line: int) -> Symbol | None:
        """The innermost enclosing symbol of the 1-based ``line``, or None at top level."""
        found = self.lookup(line)
        return found[0] if found is not None else None

    def lookup(self, line: int) -> tuple[Symbol, int] | None:
        """The symbol of the 1-based ``line`` and the column where its outermost part starts.

        The column tells a fragment's reader whether the outermost definition it found is
        really at top level (column 0) or nested in something outside the fragment.
        """
        found = self.find(line)
        if found is None:
            return None
        return found[0], found[1].start_point.column

    def find(self, line: int) -> tuple[Symbol, Node] | None:
        """The symbol of the 1-based ``line`` and the node of its outermost part."""
        text = self.line_text(line)
        if text is None:
            return None
        stripped = text.strip(" \t")
        start = len(text) - len(text.lstrip(" \t"))
        if self.language == "yaml":
            # "- image: a" is a sequence item holding the pair: look at the pair
            while text.startswith("- ", start) or text.startswith("-\t", start):
                start += 2
                while text.startswith((" ", "\t"), start):
                    start += 1
            stripped = text[start:].rstrip(" \t")
        end = start + max(len(stripped.encode("utf-8")) - 1, 0)
        node = self._tree.root_node.named_descendant_for_point_range(
            (line - 1, start), (line - 1, end))
        if node is None:
            return None
        if self.language in _SCOPES:
            node = _declared_on_line(self.language, node, line - 1)
        return _symbol_for_node(self.language, node)


def enclosing_symbol(language: str, text: str, line: int) -> Symbol | None:
    """The symbol enclosing the 1-based ``line`` of ``text``, as ``(name, kind)``.

    ``language`` is a tree-sitter language name (``python``, ``hcl``, ``yaml``…); None is
    returned for languages without symbol rules and for lines at top level.
    """
    if language not in treesitter.LANGUAGES:
        return None
    return SyntaxTree(language, text).symbol_at(line)


# --------------------------------------------------------------------------- git headings

_IDENT = r"[A-Za-z_$][\w$]*"
_CONTROL_WORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "new", "else",
                            "do", "try", "throw", "function", "await", "typeof", "synchronized"})

_PY_HEADINGS = (
    (re.compile(rf"^\s*(?:async\s+)?def\s+({_IDENT})"), "function"),
    (re.compile(rf"^\s*class\s+({_IDENT})"), "class"),
)
_JS_HEADINGS = (
    (re.compile(rf"\bclass\s+({_IDENT})"), "class"),
    (re.compile(rf"\binterface\s+({_IDENT})"), "interface"),
    (re.compile(rf"\benum\s+({_IDENT})"), "enum"),
    (re.compile(rf"\bnamespace\s+({_IDENT})"), "namespace"),
    (re.compile(rf"\bfunction\s*\*?\s*({_IDENT})"), "function"),
    (re.compile(rf"^\s*(?:export\s+)?(?:const|let|var)\s+({_IDENT})\s*=.*(?:=>|function)"),
     "function"),
    (re.compile(rf"^\s*(?:(?:public|private|protected|static|async|readonly|override|abstract"
                rf"|get|set)\s+)*({_IDENT})\s*(?:<[^>]*>)?\s*\("), "method"),
)
_GO_HEADINGS = (
    (re.compile(rf"^func\s+\(\s*(?:{_IDENT}\s+)?\*?\s*({_IDENT})(?:\[[^\]]*\])?\s*\)\s*"
                rf"({_IDENT})"), "method"),
    (re.compile(rf"^func\s+({_IDENT})"), "function"),
    (re.compile(rf"^type\s+({_IDENT})(?:\[[^\]]*\])?\s+struct\b"), "struct"),
    (re.compile(rf"^type\s+({_IDENT})(?:\[[^\]]*\])?\s+interface\b"), "interface"),
    (re.compile(rf"^type\s+({_IDENT})"), "type"),
)
_JAVA_HEADINGS = (
    (re.compile(rf"\bclass\s+({_IDENT})"), "class"),
    (re.compile(rf"\binterface\s+({_IDENT})"), "interface"),
    (re.compile(rf"\benum\s+({_IDENT})"), "enum"),
    (re.compile(rf"\brecord\s+({_IDENT})"), "record"),
    (re.compile(rf"^\s*(?:[\w<>\[\],.?@]+\s+)+({_IDENT})\s*\("), "method"),
)
_BASH_HEADINGS = (
    (re.compile(r"^\s*function\s+([\w.:-]+)"), "function"),
    (re.compile(r"^\s*([\w.:-]+)\s*\(\s*\)"), "function"),
)
_HEADING_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "python": _PY_HEADINGS,
    "javascript": _JS_HEADINGS,
    "typescript": _JS_HEADINGS,
    "tsx": _JS_HEADINGS,
    "go": _GO_HEADINGS,
    "java": _JAVA_HEADINGS,
    "bash": _BASH_HEADINGS,
}
_HCL_HEADING = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+(?:"[^"]*"|[A-Za-z_][\w-]*))*)\s*\{?\s*$')
_HCL_LABEL = re.compile(r'"([^"]*)"|([A-Za-z_][\w-]*)')
_YAML_HEADING = re.compile(r"""^(?:-\s+)?("[^"]*"|'[^']*'|[^\s#:'"][^#]*?)\s*:(?:\s|$)""")
_SQL_HEADING = re.compile(
    r"^\s*((?:CREATE|ALTER|DROP|INSERT|UPDATE|DELETE|TRUNCATE|GRANT|REVOKE|COMMENT)"
    r"(?:\s+(?:OR\s+REPLACE|UNIQUE|TEMP|TEMPORARY|MATERIALIZED|IF\s+(?:NOT\s+)?EXISTS"
    r"|CONCURRENTLY|INTO|FROM|ON|TABLE|INDEX|VIEW|FUNCTION|PROCEDURE|TRIGGER|SCHEMA|TYPE"
    r"|SEQUENCE|DATABASE|EXTENSION|POLICY|ROLE|USER|COLUMN))*)\s+([\w.\"`\[\]]+)",
    re.IGNORECASE)


def heading_symbol(language: str | None, section: str) -> Symbol | None:
    """Read git's hunk heading (the text after the second ``@@``) as a symbol.

    Known languages are read with a few patterns (``def refund(``, ``resource "a" "b" {``…);
    anything else non-empty is kept as it is with kind ``"heading"``.
    """
    heading = section.strip()
    if not heading:
        return None
    for pattern, kind in _HEADING_PATTERNS.get(language or "", ()):
        match = pattern.search(section)
        if match is None:
            continue
        if kind == "method" and language == "go":
            return f"{match.group(1)}.{match.group(2)}", kind
        name = match.group(1)
        if kind == "method" and name in _CONTROL_WORDS:
            continue
        return name, kind
    if language == "hcl":
        hcl = _HCL_HEADING.match(section)
        if hcl is not None:
            labels = [a or b for a, b in _HCL_LABEL.findall(hcl.group(2))]
            block_type = hcl.group(1)
            if block_type in _HCL_TWO_LABELS and len(labels) >= 2:
                return f"{_HCL_TWO_LABELS[block_type]}{labels[0]}.{labels[1]}", block_type
            if block_type in _HCL_ONE_LABEL and labels:
                return f"{block_type}.{labels[0]}", block_type
            return _short(".".join([block_type, *labels])), block_type
    if language == "yaml":
        key = _YAML_HEADING.match(section)
        if key is not None and not section[:1].isspace():
            return _short(key.group(1).strip("'\"")), "key"
    if language == "sql":
        sql = _SQL_HEADING.match(section)
        if sql is not None:
            return _short(f"{' '.join(sql.group(1).upper().split())} {sql.group(2)}"), "statement"
    return _short(heading), "heading"


# --------------------------------------------------------------------------- hunks


def _target(hunk: HunkLike) -> tuple[bool, int, int] | None:
    """(new side?, line number, index among that side's lines) of the first changed line."""
    new_index = old_index = 0
    first_removed: tuple[int, int] | None = None
    for line in hunk.lines:
        if line.kind == "+":
            if line.new_lineno is not None:
                return True, line.new_lineno, new_index
            new_index += 1
        elif line.kind == "-":
            if first_removed is None and line.old_lineno is not None:
                first_removed = (line.old_lineno, old_index)
            old_index += 1
        else:
            new_index += 1
            old_index += 1
    if first_removed is None:
        return None
    return False, first_removed[0], first_removed[1]


def _side_lines(hunk: HunkLike, new: bool) -> list[str]:
    skip = "-" if new else "+"
    return [line.text for line in hunk.lines if line.kind != skip]


def _anchor_in_new(hunk: HunkLike) -> tuple[int, str] | None:
    """For a removal-only hunk: the new-side context line next to the first removal."""
    before: tuple[int, str] | None = None
    seen_removal = False
    for line in hunk.lines:
        if line.kind == "-":
            seen_removal = True
        elif line.kind == " " and line.new_lineno is not None:
            if seen_removal:
                return before or (line.new_lineno, line.text)
            before = (line.new_lineno, line.text)
    return before


def _common_indent(lines: Sequence[str]) -> str:
    prefix: str | None = None
    for line in lines:
        if not line.strip():
            continue
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if prefix is None:
            prefix = indent
        else:
            i = 0
            limit = min(len(prefix), len(indent))
            while i < limit and prefix[i] == indent[i]:
                i += 1
            prefix = prefix[:i]
        if not prefix:
            return ""
    return prefix or ""


def _width(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip(" "))


def _block_around(lines: Sequence[str], index: int) -> tuple[int, int]:
    """Lines ``[first, end)`` of the outermost indentation block around ``lines[index]``.

    For indentation languages a fragment often starts deeper than the block holding the
    changed line (``  labels:`` / ``    app: web`` / ``spec:`` / ``  replicas: 1``);
    parsed as it is, the dedent is a syntax error. The block starts at the latest line
    before the target with the smallest indentation and ends before the first later line
    indented less than that.
    """
    first = index
    best = _width(lines[index]) if lines[index].strip() else 1 << 30
    for k in range(index - 1, -1, -1):
        if lines[k].strip():
            width = _width(lines[k])
            if width < best:
                first, best = k, width
    end = len(lines)
    for k in range(index + 1, len(lines)):
        if lines[k].strip() and _width(lines[k]) < best:
            end = k
            break
    return first, end


def _parse_fragment(language: str, lines: Sequence[str], index: int) -> tuple[Symbol, int] | None:
    """Look up ``lines[index]`` in the dedented fragment; column is relative to the file."""
    indent = _common_indent(lines)
    body = "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip(" \t")
                     for line in lines)
    found = SyntaxTree(language, body).lookup(index + 1)
    if found is None:
        return None
    return found[0], found[1] + len(indent)


def _local_symbol(language: str, hunk: HunkLike, new: bool, index: int) -> Symbol | None:
    """Symbol read from the hunk's own text (one side), completed with git's heading.

    The fragment is dedented and parsed on its own (for Python and YAML only the
    indentation block around the changed line). When the outermost definition found does
    not start at column 0 of the file, it is nested in something outside the fragment: a
    method is then qualified with a class named by the heading, a YAML path gets the
    heading's key (and a ``…`` for unknown levels), and an HCL answer is dropped (the
    heading's block address is used instead). A JavaScript, TypeScript or Java fragment
    of class members under a class heading is also read wrapped in that class.
    """
    lines = _side_lines(hunk, new)
    if language == "hcl" and not any(line[:1].strip() for line in lines[:index + 1]):
        # Only a block whose header starts at column 0 at or above the line is taken from
        # an HCL fragment (see below): with no such line there, parsing cannot answer.
        return None
    if language in _INDENTED_LANGUAGES:
        first, end = _block_around(lines, index)
        lines, index = lines[first:end], index - first
    found = _parse_fragment(language, lines, index)
    if found is not None and found[1] == 0:
        return found[0]
    heading = heading_symbol(language, hunk.section)
    if heading is not None and heading[1] not in _CLASS_KINDS and language != "yaml":
        heading = None
    if (heading is not None and language in _CLASS_BODY_LANGUAGES
            and (found is None or "." not in found[0][0])):
        wrapped = [f"class {heading[0]} {{", *lines, "}"]
        member = _parse_fragment(language, wrapped, index + 1)
        if member is not None and member[0][0].startswith(f"{heading[0]}."):
            return member[0]
    if found is None:
        return None
    local = found[0]
    if language == "hcl":
        return None
    if language == "yaml":
        # git's heading is the last top-level line before the hunk; it is the parent only
        # when it opens a mapping ("spec:"); a block indented by at most two columns is
        # then its direct child, anything deeper has levels in between that are unknown.
        parent = hunk.section.split(" #", 1)[0].rstrip()
        if heading is not None and heading[1] == "key" and parent.endswith(":"):
            base = min((_width(line) for line in lines if line.strip()), default=0)
            joiner = "." if base <= 2 else ".…."
            return _short(f"{heading[0]}{joiner}{local[0]}"), "key"
        return _short(f"….{local[0]}"), "key"
    if (heading is not None and local[0] != heading[0]
            and not local[0].startswith(f"{heading[0]}.")):
        kind = "method" if local[1] == "function" else local[1]
        return _short(f"{heading[0]}.{local[0]}"), kind
    return local


def side_text(hunks: Sequence[HunkLike], new: bool) -> tuple[str, bool]:
    """One side of a file rebuilt from its hunks, and whether no line of it is missing.

    Every line the hunks show of that side (context and added lines for the new side,
    context and removed lines for the old side) is put at its own line number, with blank
    lines where the diff shows nothing, so line numbers stay right. ``("", False)`` when
    the hunks show no line of that side.
    """
    lines: dict[int, str] = {}
    skip = "-" if new else "+"
    for hunk in hunks:
        for line in hunk.lines:
            number = line.new_lineno if new else line.old_lineno
            if line.kind != skip and number is not None:
                lines[number] = line.text
    if not lines:
        return "", False
    last = max(lines)
    return "\n".join(lines.get(i, "") for i in range(1, last + 1)) + "\n", len(lines) == last


#: Languages whose hunks may be read from one parse of their side rebuilt from all hunks.
#: YAML and SQL answers depend on more than the top-level item (a YAML path is completed
#: from git's heading, a SQL statement may be an error node), so they are always read
#: hunk by hunk.
_REBUILT_LANGUAGES = frozenset({*_CODE_LANGUAGES, "hcl"})


def _rebuilt_symbol(tree: SyntaxTree, side_lines: Sequence[str], lineno: int,
                    index: int) -> Symbol | None:
    """The hunk's symbol read from its side rebuilt from all hunks, or None to read it alone.

    The answer is taken only where it cannot differ from reading the hunk on its own: the
    symbol starts at column 0 (a fragment's answer is then used as it is) and the
    top-level item holding it lies inside this hunk's lines, has no syntax error and reads
    the same lines as the hunk. For Python the item must also start where the hunk's
    indentation block does (the fragment read alone begins there).
    """
    found = tree.find(lineno)
    if found is None:
        return None
    symbol, top = found
    if top.start_point.column != 0:
        return None
    if tree.language != "hcl":  # an HCL symbol's node is already a top-level block
        while top.parent is not None and top.parent.parent is not None:
            top = top.parent
    if top.has_error:
        return None
    first_row = lineno - 1 - index
    last_row = first_row + len(side_lines) - 1
    start_row = top.start_point.row
    end_row, end_column = top.end_point
    if end_row == last_row + 1 and end_column == 0:
        end_row = last_row
    if start_row < first_row or end_row > last_row:
        return None
    for row in range(start_row, end_row + 1):
        if tree.line_text(row + 1) != side_lines[row - first_row]:
            return None
    if tree.language in _INDENTED_LANGUAGES \
            and _block_around(side_lines, index)[0] != start_row - first_row:
        return None
    return symbol


def annotate_hunks(
    language: str | None,
    hunks: Sequence[HunkLike],
    *,
    old_text: str | None = None,
    new_text: str | None = None,
    share_new: bool = False,
) -> list[Symbol | None]:
    """The enclosing symbol of each hunk of one file, in order (None where there is none).

    ``language`` is the file's tree-sitter language (None for files without a grammar:
    only git's headings are used). ``old_text`` / ``new_text`` are the whole file before
    and after the change when known; each is parsed at most once, and only if a hunk needs
    it. A hunk whose lines do not match the given text (stale contents) is read from its
    own text instead.

    ``share_new`` says the new side will be parsed again later (the whole-file document
    of a ``.tf`` file): its tree is handed on to that parse (see
    :func:`reviewer.parsers.treesitter.share`). Without the whole new text, that side is
    then rebuilt from all hunks (see :func:`side_text`) and parsed once, and each hunk
    whose symbol that tree tells as surely as the hunk's own text would (see
    ``_rebuilt_symbol``) is answered from it; the others are read on their own as usual.
    A rebuilt side is parsed only when its tree is shared: where hunks are read on their
    own anyway (fragments of code are rarely whole top-level items), it would be one
    parse more.
    """
    usable = language if language in treesitter.LANGUAGES else None
    trees: dict[bool, SyntaxTree | None] = {}
    rebuilt: list[SyntaxTree | None] = []

    def tree(new: bool) -> SyntaxTree | None:
        if new not in trees:
            text = new_text if new else old_text
            parsed = SyntaxTree(usable, text, share=new and share_new) \
                if usable and text is not None else None
            trees[new] = parsed if parsed is not None and parsed.usable else None
        return trees[new]

    def rebuilt_new() -> SyntaxTree | None:
        if not rebuilt:
            text = side_text(hunks, True)[0]
            parsed = SyntaxTree(usable, text, share=True) if usable and text else None
            rebuilt.append(parsed if parsed is not None and parsed.usable else None)
        return rebuilt[0]

    result: list[Symbol | None] = []
    for hunk in hunks:
        target = _target(hunk)
        symbol: Symbol | None = None
        decided = False
        if usable is not None and target is not None:
            new, lineno, index = target
            side_lines = _side_lines(hunk, new)
            full = tree(new)
            if full is not None and full.line_text(lineno) == side_lines[index]:
                symbol, decided = full.symbol_at(lineno), True
            elif not new and old_text is None and new_text is not None:
                anchor = _anchor_in_new(hunk)
                full = tree(True)
                if anchor is not None and full is not None \
                        and full.line_text(anchor[0]) == anchor[1]:
                    symbol, decided = full.symbol_at(anchor[0]), True
            if (not decided and new and share_new and new_text is None
                    and usable in _REBUILT_LANGUAGES):
                whole = rebuilt_new()
                if whole is not None:
                    symbol = _rebuilt_symbol(whole, side_lines, lineno, index)
                    decided = symbol is not None
            if not decided:
                symbol = _local_symbol(usable, hunk, new, index)
        if symbol is None and not decided:
            symbol = heading_symbol(language, hunk.section)
        result.append(symbol)
    return result

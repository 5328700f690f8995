"""Helpers shared by the code detectors: calls and SQL strings found with tree-sitter in hunks.

Every hunk of a source file (Python, JavaScript, TypeScript, Go, Java) is read on both sides:
the new side (context and added lines) and the old side (context and removed lines), each
dedented and parsed with the real tree-sitter grammar. Calls are the grammar's ``call``
(Python), ``call_expression`` (JavaScript, TypeScript, Go) and ``method_invocation`` (Java)
nodes, so a ``delete`` named in a comment or a string is never taken for a call. A changed
line with a candidate word that the fragment does not show as a call (a fragment that does
not parse well) is re-read on its own.

Line convention for findings about *removed* lines (a guard taken out, a filter dropped):
findings always carry a new-side line. A removed line is reported at the first added line
of its hunk at or after it; when the hunk adds nothing there, at the new-side line of the
next context line (where the removed text used to be), else of the previous context line,
else at the hunk's new start.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

from tree_sitter import Node, Query, QueryCursor

from reviewer.environments import environments_in_text
from reviewer.models import Environment
from reviewer.parsers import treesitter
from reviewer.parsers.diff import DiffDocument, FileChange, Hunk
from reviewer.parsers.treesitter import parse as ts_parse

CODE_LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx", "go", "java"})
_CALL_TYPES = frozenset({"call", "call_expression", "method_invocation"})
_STRING_TYPES = frozenset({"string", "template_string", "interpreted_string_literal",
                           "raw_string_literal", "string_literal", "text_block",
                           "concatenated_string"})
_CONCAT_TYPES = frozenset({"binary_operator", "binary_expression"})
_MAX_TEXT = 200

# --------------------------------------------------------------------------- paths

_TEST_DIRS = frozenset({"test", "tests", "__tests__", "__mocks__", "spec", "specs", "testdata",
                        "testing", "fixtures", "fixture", "mocks", "e2e", "testutil",
                        "testutils", "test_helpers"})
_TEST_FILE = re.compile(
    r"(^test_.*\.py$|_test\.py$|^conftest\.py$|_test\.go$|\.(test|spec)\.[cm]?[jt]sx?$"
    r"|Tests?\.java$|^Test\w*\.java$|IT\.java$)")
_VENDORED = frozenset({"node_modules", "vendor", "third_party", "site-packages", "dist"})


def is_test_path(path: str) -> bool:
    """True for test code, fixtures and vendored code (never flagged by the code family)."""
    p = PurePosixPath(path.replace("\\", "/"))
    parts = [part.lower() for part in p.parts[:-1]]
    if any(part in _TEST_DIRS or part in _VENDORED for part in parts):
        return True
    return bool(_TEST_FILE.search(p.name))


def code_files(doc: DiffDocument) -> Iterator[FileChange]:
    """Changed source files in a code language, test and vendored files left out."""
    for change in doc.files:
        if change.language not in CODE_LANGUAGES or change.is_binary or not change.hunks:
            continue
        if is_test_path(change.path):
            continue
        yield change


# --------------------------------------------------------------------------- words

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def words(name: str) -> tuple[str, ...]:
    """Lower-case words of an identifier in snake, camel or Pascal case."""
    return tuple(w.lower() for w in _WORD.findall(name))


def short(text: str, limit: int = _MAX_TEXT) -> str:
    """Whitespace collapsed and trimmed to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a call, as far as the detectors need it."""

    #: ``positional``, ``keyword``, ``splat`` (``*a`` / ``...a``) or ``dict_splat`` (``**kw``).
    kind: str
    #: Keyword name (``where`` of ``where=x``), else ``""``.
    key: str
    node_type: str
    text: str
    #: ``{}``, ``[]``, ``()``, ``dict()``, ``bson.M{}``, ``""``.
    empty: bool
    #: The identifier the value is (``filters`` for ``filters``, ``**filters``), else ``""``.
    ident: str = ""
    #: Keys and values of an object / dict literal.
    pairs: tuple[tuple[str, Arg], ...] = ()


@dataclass(frozen=True, slots=True)
class Call:
    """One call found on one side of a hunk."""

    name: str
    #: Receiver expression text (``self.s3``), ``""`` for a plain function call.
    receiver: str
    #: Last part of the receiver: ``s3`` of ``self.s3``, ``collection`` of ``db.collection("x")``.
    receiver_tail: str
    #: The receiver's tail is itself a call (``db.collection("x")``, ``s3.Bucket(b)``).
    receiver_is_call: bool
    #: Names of the calls in the receiver chain: ``("filter",)`` for
    #: ``X.objects.filter(…).delete()``.
    chain: tuple[str, ...]
    chain_args: tuple[tuple[Arg, ...], ...]
    args: tuple[Arg, ...]
    text: str
    #: Index in ``hunk.lines`` of the line holding the callee name, and of the first/last line.
    name_idx: int
    start_idx: int
    end_idx: int
    #: The call's text touches a changed line of its side.
    changed: bool
    #: The callee name's own line is a changed line of its side.
    name_changed: bool
    #: Enclosing classes and functions, outermost first (``("FileCache", "delete")``).
    scope: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SqlString:
    """A string literal (or concatenation) on one side that holds a SQL statement."""

    #: ``DELETE``, ``UPDATE``, ``DROP TABLE``, ``DROP DATABASE``, ``TRUNCATE``…
    verb: str
    table: str
    has_where: bool
    #: The statement with interpolations as written (``{ids}``, ``${ids}``, ``%s``, ``{expr}``).
    template: str
    name_idx: int
    start_idx: int
    end_idx: int
    changed: bool
    name_changed: bool


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a hunk, parsed."""

    new: bool
    #: ``hunk.lines`` index of each line of this side, in order.
    indexes: tuple[int, ...]
    #: Each line without comments (dedented).
    code: tuple[str, ...]
    calls: tuple[Call, ...]
    sql: tuple[SqlString, ...]
    #: Hunk line indexes that are changed on this side (added for new, removed for old).
    changed: frozenset[int] = field(default_factory=frozenset)


# --------------------------------------------------------------------------- parsing


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _named(node: Node) -> list[Node]:
    return [c for c in node.named_children if "comment" not in c.type]


def _common_indent(lines: Sequence[str]) -> str:
    prefix: str | None = None
    for line in lines:
        if not line.strip():
            continue
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if prefix is None:
            prefix = indent
            continue
        i = 0
        while i < min(len(prefix), len(indent)) and prefix[i] == indent[i]:
            i += 1
        prefix = prefix[:i]
        if not prefix:
            return ""
    return prefix or ""


def _dedent(lines: Sequence[str]) -> list[str]:
    indent = _common_indent(lines)
    return [line[len(indent):] if line.startswith(indent) else line.lstrip(" \t")
            for line in lines]


def _callee(node: Node) -> tuple[str, Node | None, Node | None]:
    """(name, name node, receiver node) of a call node."""
    if node.type == "method_invocation":
        name = node.child_by_field_name("name")
        return _text(name), name, node.child_by_field_name("object")
    func = node.child_by_field_name("function")
    if func is None:
        return "", None, None
    if func.type == "identifier":
        return _text(func), func, None
    if func.type == "attribute":
        attr = func.child_by_field_name("attribute")
        return _text(attr), attr, func.child_by_field_name("object")
    if func.type == "member_expression":
        prop = func.child_by_field_name("property")
        return _text(prop).lstrip("#"), prop, func.child_by_field_name("object")
    if func.type == "selector_expression":
        fld = func.child_by_field_name("field")
        return _text(fld), fld, func.child_by_field_name("operand")
    return "", None, None


def _unwrap(node: Node) -> Node:
    while node.type in ("await", "await_expression", "parenthesized_expression",
                        "non_null_expression") and _named(node):
        node = _named(node)[0]
    return node


def _receiver_parts(receiver: Node | None) -> tuple[str, bool, list[Node]]:
    """(tail name, tail is a call, calls of the chain outermost first)."""
    chain: list[Node] = []
    tail = ""
    is_call = False
    node = _unwrap(receiver) if receiver is not None else None
    first = True
    while node is not None:
        node = _unwrap(node)
        if node.type in _CALL_TYPES:
            name, _, inner = _callee(node)
            chain.append(node)
            if first:
                tail, is_call = name, True
            node = inner
        elif node.type in ("attribute", "member_expression", "selector_expression",
                           "field_access"):
            if first:
                part = (node.child_by_field_name("attribute")
                        or node.child_by_field_name("property")
                        or node.child_by_field_name("field"))
                tail = _text(part)
            node = (node.child_by_field_name("object")
                    or node.child_by_field_name("operand"))
        elif node.type in ("subscript", "subscript_expression", "index_expression"):
            node = (node.child_by_field_name("value") or node.child_by_field_name("object")
                    or node.child_by_field_name("operand"))
            continue
        else:
            if first:
                tail = _text(node) if node.type in ("identifier", "this", "self") else ""
            node = None
        first = False
    chain.reverse()
    return tail, is_call, chain


_SCOPE_NODES = frozenset({"function_definition", "class_definition", "function_declaration",
                          "method_declaration", "method_definition", "class_declaration",
                          "constructor_declaration", "interface_declaration",
                          "generator_function_declaration", "abstract_class_declaration"})


def _scope_of(node: Node) -> tuple[str, ...]:
    """Names of the classes and functions around a node, outermost first."""
    names: list[str] = []
    current = node.parent
    while current is not None:
        if current.type in _SCOPE_NODES:
            name = _text(current.child_by_field_name("name"))
            if name:
                names.append(name)
        current = current.parent
    return tuple(reversed(names))


def _is_empty(node: Node) -> bool:
    kind = node.type
    if kind in ("dictionary", "list", "tuple", "object", "array", "literal_value"):
        return not _named(node)
    if kind == "composite_literal":
        body = node.child_by_field_name("body")
        return body is not None and not _named(body)
    if kind == "call":
        name, _, receiver = _callee(node)
        args = node.child_by_field_name("arguments")
        return receiver is None and name in ("dict", "list") and (args is None or not _named(args))
    if kind in _STRING_TYPES:
        inner = _text(node).strip("'\"`")
        return inner == ""
    return False


def _key_text(node: Node | None) -> str:
    return _text(node).strip("'\"`")


def _arg(node: Node, kind: str = "positional", key: str = "") -> Arg:
    node = _unwrap(node)
    ident = ""
    pairs: list[tuple[str, Arg]] = []
    if node.type == "identifier":
        ident = _text(node)
    if node.type in ("dictionary", "object"):
        for child in _named(node):
            if child.type == "pair":
                pkey = _key_text(child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if value is not None:
                    pairs.append((pkey, _arg(value, "keyword", pkey)))
            elif child.type == "shorthand_property_identifier":
                name = _text(child)
                pairs.append((name, Arg("keyword", name, "identifier", name, False, name)))
    if node.type == "composite_literal":
        body = node.child_by_field_name("body")
        for child in _named(body) if body is not None else []:
            if child.type == "keyed_element" and len(_named(child)) >= 2:
                k, v = _named(child)[0], _named(child)[-1]
                pairs.append((_key_text(k), _arg(v, "keyword", _key_text(k))))
    return Arg(kind, key, node.type, _text(node), _is_empty(node), ident, tuple(pairs))


def _args(call: Node) -> tuple[Arg, ...]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return ()
    if args.type in ("template_string", "string"):
        return (_arg(args),)
    out: list[Arg] = []
    for child in _named(args):
        if child.type == "keyword_argument":
            key = _text(child.child_by_field_name("name"))
            value = child.child_by_field_name("value")
            if value is not None:
                out.append(_arg(value, "keyword", key))
        elif child.type == "dictionary_splat":
            inner = _named(child)
            ident = _text(inner[0]) if inner and inner[0].type == "identifier" else ""
            out.append(Arg("dict_splat", "", child.type, _text(child), False, ident))
        elif child.type in ("list_splat", "spread_element", "variadic_argument"):
            inner = _named(child)
            ident = _text(inner[0]) if inner and inner[0].type == "identifier" else ""
            out.append(Arg("splat", "", child.type, _text(child), False, ident))
        else:
            out.append(_arg(child))
    return tuple(out)


def _string_content(node: Node) -> str:
    """Content of a string literal node, interpolations kept as written."""
    if node.type == "concatenated_string":
        return "".join(_string_content(c) for c in _named(node))
    raw = _text(node)
    if node.type == "string" and "string_start" in [c.type for c in node.children]:
        start = next(c for c in node.children if c.type == "string_start")
        end = next((c for c in node.children if c.type == "string_end"), None)
        return raw[len(_text(start)):len(raw) - len(_text(end))]
    for quote in ('"""', "'''", '"', "'", "`"):
        if raw.startswith(quote) and raw.endswith(quote) and len(raw) >= 2 * len(quote):
            return raw[len(quote):-len(quote)]
    return raw


def _template(node: Node) -> str | None:
    """The text a string expression builds, with ``{expr}`` for the parts that are not literal."""
    if node.type in _STRING_TYPES:
        return _string_content(node)
    if node.type in _CONCAT_TYPES:
        operator = node.child_by_field_name("operator")
        op = _text(operator)
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return None
        if op == "%":
            return _template(left)
        if op != "+":
            return None
        lt, rt = _template(left), _template(right)
        if lt is None and rt is None:
            return None
        return (lt if lt is not None else "{" + _text(left) + "}") + \
            (rt if rt is not None else "{" + _text(right) + "}")
    if node.type == "call":
        name, _, receiver = _callee(node)
        if name == "format" and receiver is not None and receiver.type in _STRING_TYPES:
            return _string_content(receiver)
    return None


_SQL = re.compile(
    r"^\s*(?:(?P<delete>DELETE)\s+(?:FROM\s+)?(?P<dt>[\w.\"`\[\]{}$%]+)"
    r"|(?P<update>UPDATE)\s+(?P<ut>[\w.\"`\[\]{}$%]+)\s+SET\b"
    r"|(?P<drop>DROP)\s+(?P<what>TABLE|DATABASE|SCHEMA|COLLECTION|KEYSPACE)\s+"
    r"(?:IF\s+EXISTS\s+)?(?P<dn>[\w.\"`\[\]{}$%]+)"
    r"|(?P<truncate>TRUNCATE)(?:\s+TABLE)?\s+(?:ONLY\s+)?(?P<tn>[\w.\"`\[\]{}$%]+))",
    re.IGNORECASE | re.DOTALL)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_SQL_WORDS = re.compile(r"DELETE|UPDATE|DROP|TRUNCATE", re.IGNORECASE)
_LOGGING = frozenset({"print", "println", "printf", "log", "info", "debug", "warn", "warning",
                      "error", "fatal", "trace", "exception", "critical", "echo", "write",
                      "assert_called_with", "assertEqual", "expect", "describe", "it", "test",
                      "Println", "Printf", "Print", "Errorf", "Infof", "Debugf", "Warnf",
                      "Fatalf", "Logf"})


def parse_sql(template: str) -> tuple[str, str, bool] | None:
    """(verb, table, has WHERE) of a destructive or updating SQL statement, else None."""
    match = _SQL.match(template)
    if match is None:
        return None
    if match.group("delete"):
        return "DELETE", match.group("dt"), bool(_WHERE.search(template))
    if match.group("update"):
        return "UPDATE", match.group("ut"), bool(_WHERE.search(template))
    if match.group("drop"):
        return f"DROP {match.group('what').upper()}", match.group("dn"), False
    return "TRUNCATE", match.group("tn"), False


_QUERIES: dict[str, str] = {
    "python": "(call) @call (comment) @comment (ERROR) @error (string) @string "
              "(concatenated_string) @string (binary_operator) @concat",
    "javascript": "(call_expression) @call (comment) @comment (ERROR) @error (string) @string "
                  "(template_string) @string (binary_expression) @concat",
    "go": "(call_expression) @call (comment) @comment (ERROR) @error "
          "(interpreted_string_literal) @string (raw_string_literal) @string "
          "(binary_expression) @concat",
    "java": "(method_invocation) @call (line_comment) @comment (block_comment) @comment "
            "(ERROR) @error (string_literal) @string (binary_expression) @concat",
}
_QUERIES["typescript"] = _QUERIES["tsx"] = _QUERIES["javascript"]


@cache
def _query(language: str) -> Query:
    return Query(treesitter.language(language), _QUERIES[language])


def _in_logging(node: Node) -> bool:
    """True when a node is an argument of a logging or printing call."""
    current = node.parent
    depth = 0
    while current is not None and depth < 6:
        if current.type in _CALL_TYPES:
            return _callee(current)[0] in _LOGGING
        current = current.parent
        depth += 1
    return False


class _SideReader:
    """Walks one parsed side and records its calls and SQL strings."""

    def __init__(self, rows: Sequence[int], changed_rows: frozenset[int],
                 row_offset: int = 0) -> None:
        self.rows = rows              # side row -> hunk line index
        self.changed_rows = changed_rows
        self.row_offset = row_offset
        self.calls: list[Call] = []
        self.sql: list[SqlString] = []
        self.comments: dict[int, int] = {}   # side row -> first comment column
        self.error_rows: set[int] = set()     # side rows inside a syntax error

    def idx(self, row: int) -> int:
        row += self.row_offset
        return self.rows[min(max(row, 0), len(self.rows) - 1)]

    def touched(self, start: int, end: int) -> bool:
        start += self.row_offset
        end += self.row_offset
        return any(r in self.changed_rows for r in range(start, end + 1))

    def walk(self, language: str, root: Node) -> None:
        """Record comments, syntax errors, candidate calls and SQL strings of a tree.

        The nodes are found with a tree-sitter query (in C); only the few that can matter
        are looked at in Python.
        """
        captures = QueryCursor(_query(language)).captures(root)
        for node in captures.get("comment", ()):
            row = node.start_point.row
            column = self.comments.get(row)
            self.comments[row] = node.start_point.column if column is None \
                else min(column, node.start_point.column)
            for r in range(row + 1, node.end_point.row + 1):
                self.comments[r] = 0
        for node in captures.get("error", ()):
            self.error_rows.update(range(node.start_point.row, node.end_point.row + 1))
        for node in captures.get("call", ()):
            self.call(node)
        consumed: list[tuple[int, int]] = []
        for node in captures.get("concat", ()):
            parent = node.parent
            if parent is not None and parent.type in _CONCAT_TYPES:
                continue  # only the outermost expression
            if not _SQL_WORDS.search(_text(node)):
                continue
            if self.string(node, _in_logging(node)):
                consumed.append((node.start_byte, node.end_byte))
        for node in captures.get("string", ()):
            if not _SQL_WORDS.search(_text(node)):
                continue
            if any(a <= node.start_byte and node.end_byte <= b for a, b in consumed):
                continue
            parent = node.parent
            if parent is not None and parent.type == "concatenated_string":
                continue
            self.string(node, _in_logging(node))

    def call(self, node: Node) -> str:
        name, name_node, receiver = _callee(node)
        if not name or name_node is None or not _CANDIDATE.search(name):
            return name  # only calls that may delete or update are recorded
        tail, is_call, chain = _receiver_parts(receiver)
        start, end = node.start_point.row, node.end_point.row
        name_row = name_node.start_point.row
        self.calls.append(Call(
            name=name,
            receiver=_text(receiver),
            receiver_tail=tail,
            receiver_is_call=is_call,
            chain=tuple(_callee(c)[0] for c in chain),
            chain_args=tuple(_args(c) for c in chain),
            args=_args(node),
            text=short(_text(node)),
            name_idx=self.idx(name_row),
            start_idx=self.idx(start),
            end_idx=self.idx(end),
            changed=self.touched(start, end),
            name_changed=self.touched(name_row, name_row),
            scope=_scope_of(node),
        ))
        return name

    def string(self, node: Node, in_log: bool) -> bool:
        """Read a string expression; True when it builds a string (recorded if it is SQL)."""
        template = _template(node)
        if template is None:
            return False
        parent = node.parent
        docstring = parent is not None and parent.type == "expression_statement" \
            and len(_named(parent)) == 1
        parsed = None if in_log or docstring else parse_sql(template)
        if parsed is not None:
            start, end = node.start_point.row, node.end_point.row
            verb, table, where = parsed
            self.sql.append(SqlString(verb, table.strip("\"`[]"), where, short(template),
                                      self.idx(start), self.idx(start), self.idx(end),
                                      self.touched(start, end), self.touched(start, start)))
        return True


def _candidate(text: str) -> bool:
    return bool(_CANDIDATE.search(text))


_CANDIDATE = re.compile(
    r"delete|drop|destroy|terminat|purge|truncat|wipe|erase|nuke|rmtree|remove|unlink|rmdir"
    r"|flush|^rm|rmrf|\brm\b|\bdel\b|^del$|update|obliterat", re.IGNORECASE)


#: Parsed sides by hunk identity (hashing a frozen hunk would re-hash all of its lines);
#: each entry keeps its hunk alive, so an id is never reused while it is cached.
_SIDES: OrderedDict[tuple[int, str, bool], tuple[Hunk, Side]] = OrderedDict()
_SIDES_MAX = 4096


def read_side(language: str, hunk: Hunk, new: bool) -> Side:
    """Parse one side of a hunk (cached: several detectors read the same hunks)."""
    key = (id(hunk), language, new)
    hit = _SIDES.get(key)
    if hit is not None and hit[0] is hunk:
        _SIDES.move_to_end(key)
        return hit[1]
    side = _read_side(language, hunk, new)
    _SIDES[key] = (hunk, side)
    if len(_SIDES) > _SIDES_MAX:
        _SIDES.popitem(last=False)
    return side


def _read_side(language: str, hunk: Hunk, new: bool) -> Side:
    skip = "-" if new else "+"
    changed_kind = "+" if new else "-"
    indexes = tuple(i for i, line in enumerate(hunk.lines) if line.kind != skip)
    texts = [hunk.lines[i].text for i in indexes]
    changed_rows = frozenset(r for r, i in enumerate(indexes)
                             if hunk.lines[i].kind == changed_kind)
    if not indexes:
        return Side(new, (), (), (), (), frozenset())
    dedented = _dedent(texts)
    reader = _SideReader(indexes, changed_rows)
    reader.walk(language, ts_parse(language, "\n".join(dedented) + "\n").root_node)
    # Changed lines inside a syntax error of the fragment (a cut-off expression, a hunk
    # that starts mid-statement) with candidate words are re-read on their own.
    covered = {c.name_idx for c in reader.calls} | {s.name_idx for s in reader.sql}
    for row in sorted(changed_rows & reader.error_rows):
        if indexes[row] in covered or not _candidate(texts[row]):
            continue
        alone = _SideReader(indexes, changed_rows, row_offset=row)
        alone.walk(language, ts_parse(language, texts[row].strip() + "\n").root_node)
        reader.calls.extend(c for c in alone.calls if c.name_idx == indexes[row])
        reader.sql.extend(s for s in alone.sql if s.name_idx == indexes[row])
    code = tuple(line[: reader.comments[r]] if r in reader.comments else line
                 for r, line in enumerate(dedented))
    calls = tuple(sorted(reader.calls, key=lambda c: (c.name_idx, c.start_idx)))
    sql = tuple(sorted(reader.sql, key=lambda s: s.name_idx))
    return Side(new, indexes, code, calls, sql, frozenset(indexes[r] for r in changed_rows))


_TEXTS: OrderedDict[tuple[int, str], tuple[Hunk, str]] = OrderedDict()


def _lowered(hunk: Hunk, kinds: str) -> str:
    """The hunk's lines of the given kinds, lower-cased and joined (cached by identity)."""
    key = (id(hunk), kinds)
    hit = _TEXTS.get(key)
    if hit is not None and hit[0] is hunk:
        return hit[1]
    text = "\n".join(line.text for line in hunk.lines if line.kind in kinds).lower()
    _TEXTS[key] = (hunk, text)
    if len(_TEXTS) > _SIDES_MAX:
        _TEXTS.popitem(last=False)
    return text


def hunk_has(hunk: Hunk, wanted: Sequence[str], kinds: str = "+-") -> bool:
    """Cheap pre-check: does a line of the given kinds contain one of the lower-case
    substrings ``wanted``?"""
    text = _lowered(hunk, kinds)
    return any(word in text for word in wanted)


# --------------------------------------------------------------------------- line convention


def new_line_for(hunk: Hunk, index: int) -> int:
    """New-side line to report for the hunk line at ``index`` (see the module docstring)."""
    line = hunk.lines[index]
    if line.new_lineno is not None:
        return line.new_lineno
    for later in hunk.lines[index + 1:]:
        if later.kind == "+" and later.new_lineno is not None:
            return later.new_lineno
        if later.kind == " ":
            break
    for later in hunk.lines[index + 1:]:
        if later.kind == " " and later.new_lineno is not None:
            return later.new_lineno
    for earlier in reversed(hunk.lines[:index]):
        if earlier.new_lineno is not None:
            return earlier.new_lineno
    return hunk.new_start


# --------------------------------------------------------------------------- destructive ops

#: Verbs that destroy data or infrastructure (CODE001 reports them).
STRONG_VERBS = frozenset({"delete", "drop", "destroy", "terminate", "purge", "truncate", "wipe",
                          "erase", "nuke", "obliterate", "rmtree", "rmrf", "flushall",
                          "flushdb", "deleteall", "dropall", "removeall", "destroyall",
                          "deletemany", "dropdatabase", "droptable"})
#: Verbs that delete single files or entries (only compared by CODE002).
WEAK_VERBS = frozenset({"remove", "unlink", "rm", "rmdir", "del", "unlinksync", "rmsync",
                        "rmdirsync"})
#: Words that make a name something other than a deletion (``on_delete``, ``is_deleted``…).
_NOT_A_DELETE = frozenset({"is", "has", "can", "should", "on", "handle", "mark", "soft",
                           "schedule", "cancel", "undo", "validate", "confirm", "preview",
                           "get", "list", "describe", "count", "log", "emit", "render", "mock",
                           "set", "enable", "disable", "allow", "prevent",
                           "protect", "test", "assert", "expect", "check", "verify", "track",
                           "audit", "notify", "before", "after", "pre", "post", "will", "did",
                           "restore", "recover", "property", "listener", "handler", "event",
                           "duplicates", "while", "protection", "button", "dialog", "modal",
                           "plan", "dry", "simulate", "queued", "pending", "request",
                           "requested", "undelete", "reason", "policy", "marker", "skip",
                           "ignore", "avoid", "deny", "forbid", "disallow", "refuse", "detect",
                           "find", "classify", "parse", "explain", "summarize", "format",
                           "print", "show", "display", "warn", "label", "action",
                           "actions", "status", "state", "flag", "icon", "confirmation"})
#: Receivers whose deletes touch memory, processes or UI, not stored data.
_EPHEMERAL = frozenset({"map", "set", "dict", "cache", "headers", "params", "cookies", "list",
                        "array", "arr", "seen", "visited", "pending", "buffer", "element",
                        "el", "dom", "component", "widget", "chart", "view", "modal", "dialog",
                        "popup", "tooltip", "popover", "editor", "player", "observer",
                        "subscription", "sub", "listener", "timer", "interval", "socket",
                        "sock", "stream", "ws", "websocket", "process", "proc", "popen",
                        "subprocess", "child", "worker", "pool", "executor", "thread",
                        "scene", "renderer", "mesh", "texture", "sprite", "window", "mock",
                        "mocker", "spy", "stub", "fake", "super", "lru", "memo", "counter",
                        "queue_in_memory", "search", "url", "form", "formdata", "canvas",
                        "ctx", "tmp", "temp", "attrs", "kwargs",
                        "options", "opts", "config", "settings", "environ", "os.environ"})
#: Extra receivers for ``destroy``/``terminate``/``close``-like verbs (connections, sessions).
_EPHEMERAL_DESTROY = frozenset({"session", "req", "request", "res", "response", "connection",
                                "conn", "client", "agent", "app", "server_socket", "driver",
                                "browser", "page", "context"})
_ROUTERS = frozenset({"app", "router", "route", "routes", "server", "fastify", "r", "e", "g",
                      "group", "api", "mux", "rg", "v1", "v2", "engine", "blueprint", "bp"})
_PANDAS = re.compile(r"(^|_)(df|frame|dataframe|series|data|table_df)(_|$)|df$|Df$", re.I)
_PANDAS_KEYS = frozenset({"axis", "columns", "index", "labels", "inplace", "level", "errors"})
_TMP = re.compile(r"tmp|temp|scratch|cache|build|dist|__pycache__|mkdtemp|TempDir", re.I)
_STRINGY = frozenset({"str", "string", "text", "title", "name", "message", "msg", "s", "label",
                      "line", "description", "desc", "content", "body", "summary", "_",
                      "lodash", "value", "input", "words", "word"})

#: Scope words → rank (bigger = wider). Unknown words give no rank.
SCOPE_RANK: dict[str, int] = {
    "row": 10, "record": 10, "item": 10, "object": 10, "key": 10, "document": 10, "doc": 10,
    "entry": 10, "file": 10, "blob": 10, "message": 10, "version": 10, "one": 10, "id": 10,
    "attachment": 10, "entity": 10, "node": 10, "element": 10, "field": 10, "value": 10,
    "many": 20, "batch": 20, "bulk": 20, "prefix": 20, "dir": 20, "directory": 20,
    "folder": 20, "tree": 20, "path": 20, "partition": 20, "range": 20, "where": 15,
    "filter": 15, "filtered": 15,
    "table": 30, "tbl": 30, "collection": 30, "coll": 30, "index": 30, "indices": 30,
    "indexes": 30, "queue": 30,
    "topic": 30, "stream": 30, "volume": 30, "disk": 30, "all": 35,
    "database": 40, "db": 40, "schema": 40, "keyspace": 40, "namespace": 40, "ns": 40,
    "bucket": 40,
    "filesystem": 40, "fs": 40, "vault": 40, "zone": 40, "repository": 40, "repo": 40,
    "store": 40, "datastore": 40, "dataset": 40, "container": 30,
    "instance": 50, "server": 50, "host": 50, "vm": 50, "machine": 50, "dbinstance": 50,
    "cluster": 60, "environment": 60, "env": 60, "stack": 60, "project": 60, "account": 60,
    "region": 60, "subscription": 60, "everything": 60, "org": 60, "organization": 60,
    "workspace": 60, "tenant": 60, "site": 60,
}
_ENTITY_PLURAL = 20   # rows, records, objects… (many entities)
#: Ranks from which a target is "a database, bucket, cluster, environment…" (high severity).
HIGH_RANK = 30
#: Compound verbs and what they delete.
_COMPOUND_SCOPE = {"rmtree": "tree", "rmrf": "tree", "removeall": "tree", "flushall": "all",
                   "flushdb": "database", "deleteall": "all", "dropall": "all",
                   "destroyall": "all", "deletemany": "many", "dropdatabase": "database",
                   "droptable": "table", "rmdir": "dir", "rmdirsync": "dir"}
_ALL_ARGS = re.compile(r"""^(?:["'`](?:\*|%|\.\*|all|\*\.\*)["'`]|all|ALL|All|everything)$""")
#: Arguments that are a context or a connection, not a filter or a target.
_CTX_ARG = re.compile(r"^(ctx|context|c|context\.(Background|TODO)\(\)|r\.Context\(\)|engine"
                      r"|bind|conn|connection|tx|trx|transaction|session|cursor)$")
#: Verbs whose receiver is what they destroy, whatever their arguments (engines, options).
_RECEIVER_VERBS = frozenset({"drop", "truncate", "purge", "wipe", "destroy", "terminate"})
#: Plural or abbreviated scope words as shown in messages.
_SHOWN = {"indices": "index", "indexes": "index", "coll": "collection", "tbl": "table",
          "ns": "namespace", "db": "database", "fs": "filesystem", "env": "environment"}


def scope_rank(word: str) -> tuple[int, str] | None:
    """(rank, singular word) of a scope word such as ``tables`` or ``instance``."""
    if word in SCOPE_RANK:
        return SCOPE_RANK[word], word
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + repl in SCOPE_RANK:
            base = word[: -len(suffix)] + repl
            rank = SCOPE_RANK[base]
            return (max(rank, _ENTITY_PLURAL), base + "s") if rank < _ENTITY_PLURAL \
                else (rank, base)
    return None


def _best_scope(parts: Sequence[str]) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for part in parts:
        found = scope_rank(part)
        if found is not None and (best is None or found[0] > best[0]):
            best = found
    return best


@dataclass(frozen=True, slots=True)
class Op:
    """A destructive (or updating) operation on one side of a hunk."""

    #: What is called: ``s3.delete_bucket``, ``DELETE FROM orders``.
    label: str
    #: Destroys data or infrastructure (reported by CODE001); else a file/entry removal.
    strong: bool
    #: Scope rank (see :data:`SCOPE_RANK`) and the word it came from, when known.
    rank: int | None
    scope: str
    #: Why the operation is worse than a single delete, when it is (``targets a bucket``).
    high_reason: str | None
    name_idx: int
    start_idx: int
    end_idx: int
    changed: bool
    name_changed: bool
    text: str
    call: Call | None = None
    sql: SqlString | None = None
    #: An UPDATE (filter matters, destroys nothing by itself unless unfiltered).
    is_update: bool = False

    @property
    def key(self) -> str:
        """What identifies the operation when the same call is merely moved or re-indented."""
        return " ".join(self.text.split())


def _excluded(call: Call, language: str, verb: str, name_words: tuple[str, ...]) -> bool:
    tail_words = set(words(call.receiver_tail))
    tail = call.receiver_tail.lower()
    if language == "go" and call.name == "delete" and not call.receiver:
        return True  # the builtin map delete
    if any(w in _NOT_A_DELETE for w in name_words):
        return True
    if tail in _EPHEMERAL or tail_words & {"map", "set", "cache", "dict", "mock", "spy",
                                           "stub", "headers", "params", "cookies"}:
        return True
    if tail.startswith("super") or call.receiver.startswith("super"):
        return True
    if verb in ("destroy", "terminate", "kill", "close") and (
            tail in _EPHEMERAL_DESTROY or tail_words & _EPHEMERAL_DESTROY):
        return True
    if verb == "drop" and (_PANDAS.search(call.receiver_tail)
                           or any(a.key in _PANDAS_KEYS for a in call.args)):
        return True
    if verb == "truncate" and (
            tail in _STRINGY or any(a.node_type in ("integer", "number", "int_literal",
                                                    "decimal_integer_literal") for a in call.args)
            or any(a.key in ("length", "max_length", "width", "size") for a in call.args)):
        return True
    if (tail in _ROUTERS and call.args and call.args[0].node_type in _STRING_TYPES
            and call.args[0].text.strip("'\"`").startswith("/") and len(call.args) >= 2):
        return True  # a DELETE route being registered
    # temporary directories are cleanup, not data loss (DCG's safe list)
    return verb in ("rmtree", "removeall", "rmrf") and any(_TMP.search(a.text) for a in call.args)


def _verb(name_words: tuple[str, ...], name: str) -> tuple[str, bool] | None:
    """(verb, strong) of a callee name."""
    flat = name.lower().replace("_", "")
    if flat in STRONG_VERBS:
        return flat, True
    for i, w in enumerate(name_words):
        if w in ("remove", "delete", "drop", "destroy") and \
                i + 1 < len(name_words) and name_words[i + 1] == "all":
            return w + "all", True
    for w in name_words:
        if w in STRONG_VERBS:
            return w, True
    for w in name_words:
        if w in WEAK_VERBS:
            return w, False
    if flat in WEAK_VERBS:
        return flat, False
    return None


#: Verbs that delete data only when they name a wide enough scope (minimum rank).
_SCOPED_VERBS = {"drop": 20, "truncate": 30, "purge": 20, "wipe": 10, "erase": 20}


def _has_scope(call: Call, name_words: tuple[str, ...], minimum: int) -> bool:
    nouns = [w for w in name_words if w not in STRONG_VERBS]
    for found in (_best_scope(nouns), _best_scope(words(call.receiver_tail)),
                  _chain_scope(call)):
        if found is not None and found[0] >= minimum:
            return True
    return False


def _no_filter_args(call: Call) -> bool:
    useful = [a for a in call.args if not _CTX_ARG.match(a.text.strip())]
    return not useful or all(a.empty for a in useful)


def _all_arg(call: Call) -> str | None:
    for a in call.args:
        if _ALL_ARGS.match(a.text.strip()):
            return a.text.strip()
        if a.node_type in _STRING_TYPES and "*" in a.text:
            return f"the wildcard {short(a.text, 40)}"
        if a.kind == "keyword" and a.key.lower() in ("all", "purge", "truncate", "cascade",
                                                     "recursive", "force") \
                and a.text.strip().lower() == "true":
            return f"{a.key}={a.text.strip()}"
        for key, value in a.pairs:
            if key.lower() in ("truncate", "all", "cascade") and value.text.strip() == "true":
                return f"{key}: true"
    return None


def _label(call: Call) -> str:
    receiver = short(call.receiver, 60)
    return f"{receiver}.{call.name}" if receiver else call.name


def _chain_scope(call: Call) -> tuple[int, str] | None:
    names = [n.lower() for n in call.chain]
    if "all" in names:
        return SCOPE_RANK["all"], "all"
    if any(n in ("filter", "where", "filter_by", "find", "get", "exclude", "eq", "in_")
           for n in names):
        return SCOPE_RANK["filter"], "filtered rows"
    return None


def classify_call(call: Call, language: str) -> Op | None:
    """The destructive operation a call performs, or None."""
    name_words = words(call.name)
    found = _verb(name_words, call.name)
    if found is None:
        return None
    verb, strong = found
    if _excluded(call, language, verb, name_words):
        return None
    if verb in _SCOPED_VERBS and not _has_scope(call, name_words, _SCOPED_VERBS[verb]):
        return None  # drop_extras(), file.truncate(): not a store being emptied
    nouns = [w for w in name_words if w not in STRONG_VERBS and w not in WEAK_VERBS]
    if verb in _COMPOUND_SCOPE:
        nouns.append(_COMPOUND_SCOPE[verb])
    elif verb in ("removeall", "deleteall", "dropall", "destroyall"):
        nouns.append("all")
    if verb in ("remove", "unlink", "rm", "unlinksync", "rmsync", "del") and not nouns:
        nouns.append("file" if call.receiver_tail in ("os", "fs", "Files", "File", "path",
                                                      "shutil", "pathlib", "Path") else "entry")
    name_scope = _best_scope(nouns)
    if "all" in nouns and verb != "dropall" and (not _no_filter_args(call)
                                                 or verb == "removeall"):
        # deleteAll(listOfIds), os.RemoveAll(dir): "all" of what is passed, not everything
        name_scope = _best_scope([n for n in nouns if n != "all"]) or (20, "many")
    if verb in ("removeall",) and name_scope is not None:
        name_scope = (20, "tree")
    tail_words = words(call.receiver_tail)
    tail_scope = _best_scope(tail_words)
    if tail_scope is not None and tail_scope[1] in ("all", "filter", "where", "filtered"):
        tail_scope = None  # a query method (``.all()``, ``.filter()``), judged by the chain
    positional = [a for a in call.args if a.kind == "positional"
                  and not _CTX_ARG.match(a.text.strip())]
    receiver_is_target = tail_scope is not None and (
        not positional or call.receiver_is_call or verb in _RECEIVER_VERBS
        or (call.receiver_tail.endswith("s") and tail_scope[0] >= HIGH_RANK))
    chain_scope = _chain_scope(call)
    scope = name_scope
    if scope is None and chain_scope is not None:
        scope = chain_scope
    if scope is None and tail_scope is not None:
        scope = tail_scope
    if scope is None:
        arg_words = [w for a in call.args for w in words(a.key or a.ident)]
        scope = _best_scope(arg_words)
    reasons: list[str] = []
    if name_scope is not None and name_scope[0] >= HIGH_RANK and name_scope[1] != "all":
        reasons.append(f"targets a whole {_SHOWN.get(name_scope[1], name_scope[1])}")
    elif name_scope is None and receiver_is_target and tail_scope is not None \
            and tail_scope[0] >= HIGH_RANK:
        reasons.append(f"targets a whole {_SHOWN.get(tail_scope[1], tail_scope[1])} "
                       f"({call.receiver_tail})")
    if chain_scope is not None and chain_scope[1] == "all":
        reasons.append("runs on .all()")
    elif "query" in [c.lower() for c in call.chain] and chain_scope is None:
        reasons.append("the query has no filter")
    if "all" in nouns and _no_filter_args(call) and verb != "removeall":
        reasons.append("deletes everything in scope")
    elif any(n in ("many", "bulk", "batch") for n in nouns) and _no_filter_args(call):
        reasons.append("has no filter")
    everything = _all_arg(call)
    if everything is not None:
        reasons.append(f"is called with {everything}")
    prod = environments_in_text(f"{call.receiver} {' '.join(a.text for a in call.args)}")
    if Environment.PROD in prod:
        reasons.append("names production")
    return Op(
        label=_label(call), strong=strong, rank=scope[0] if scope else None,
        scope=_SHOWN.get(scope[1], scope[1]) if scope else "",
        high_reason="; ".join(reasons) or None,
        name_idx=call.name_idx, start_idx=call.start_idx, end_idx=call.end_idx,
        changed=call.changed, name_changed=call.name_changed, text=call.text, call=call)


def classify_sql(sql: SqlString) -> Op:
    """The operation a SQL string performs (an UPDATE with WHERE is not destructive)."""
    table = sql.table
    if sql.verb == "DELETE":
        rank, scope = (15, "filtered rows") if sql.has_where else (35, "all rows")
        reason = None if sql.has_where else f"deletes every row of {table} (no WHERE)"
        return _sql_op(sql, f"DELETE FROM {table}", True, rank, scope,  # noqa: S608
                       reason)
    if sql.verb == "UPDATE":
        reason = None if sql.has_where else f"rewrites every row of {table} (no WHERE)"
        return _sql_op(sql, f"UPDATE {table}", not sql.has_where,
                       15 if sql.has_where else 35,
                       "filtered rows" if sql.has_where else "all rows", reason, update=True)
    if sql.verb == "TRUNCATE":
        return _sql_op(sql, f"TRUNCATE {table}", True, 35, "all rows",
                       f"empties table {table}")
    what = sql.verb.split()[-1].lower()
    rank = SCOPE_RANK.get(what, 30)
    return _sql_op(sql, f"{sql.verb} {table}", True, rank, what, f"drops {what} {table}")


def _sql_op(sql: SqlString, label: str, strong: bool, rank: int, scope: str,
            reason: str | None, *, update: bool = False) -> Op:
    return Op(label=label, strong=strong, rank=rank, scope=scope, high_reason=reason,
              name_idx=sql.name_idx, start_idx=sql.start_idx, end_idx=sql.end_idx,
              changed=sql.changed, name_changed=sql.name_changed, text=sql.template,
              sql=sql, is_update=update)


def side_ops(side: Side, language: str, *, updates: bool = False) -> list[Op]:
    """Destructive operations of one side (and UPDATE statements when ``updates``)."""
    ops: list[Op] = []
    for call in side.calls:
        op = classify_call(call, language)
        if op is not None:
            ops.append(op)
    for sql in side.sql:
        op = classify_sql(sql)
        if op.strong or updates:
            ops.append(op)
    ops.sort(key=lambda o: (o.name_idx, o.start_idx))
    return ops


# --------------------------------------------------------------------------- groups


@dataclass(slots=True)
class Group:
    """The hunks of one file that share an enclosing symbol (or one hunk without symbol)."""

    change: FileChange
    language: str
    symbol: str | None
    hunks: list[tuple[int, Hunk]] = field(default_factory=list)

    def sides(self, new: bool) -> Iterator[tuple[int, Hunk, Side]]:
        """Each hunk of the group with its parsed side."""
        for number, hunk in self.hunks:
            yield number, hunk, read_side(self.language, hunk, new)

    def code_lines(self, new: bool) -> Iterator[tuple[int, Hunk, int, str, bool]]:
        """(hunk number, hunk, line index, comment-free text, changed) of one side."""
        for number, hunk, side in self.sides(new):
            for idx, code in zip(side.indexes, side.code, strict=True):
                yield number, hunk, idx, code, idx in side.changed


def groups(change: FileChange, wanted: Sequence[str] | None = None,
           kinds: str = "+-") -> list[Group]:
    """Hunks of a code file grouped by enclosing symbol.

    ``wanted`` is a cheap pre-check: only groups with a changed line (of ``kinds``)
    containing one of these lower-case substrings are kept.
    """
    language = change.language or ""
    by_key: dict[tuple[str, int], Group] = {}
    for number, hunk in enumerate(change.hunks):
        key = ("s:" + hunk.symbol, -1) if hunk.symbol else ("h:", number)
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = Group(change, language, hunk.symbol)
        group.hunks.append((number, hunk))
    out = []
    for group in by_key.values():
        if wanted is None or any(hunk_has(h, wanted, kinds) for _, h in group.hunks):
            out.append(group)
    return out


def where(group: Group) -> str:
    """`` in <symbol>`` or ``""``."""
    return f" in {group.symbol}" if group.symbol else ""


@dataclass(frozen=True, slots=True)
class Pairing:
    """Destructive ops of a group: new-side ones replacing old-side ones, and the rest."""

    pairs: tuple[tuple[tuple[int, Op], tuple[int, Op]], ...]
    added: tuple[tuple[int, Op], ...]
    removed: tuple[tuple[int, Op], ...]


def _regions(hunk: Hunk) -> tuple[list[int], list[int]]:
    """Per hunk line: the number of its change region and its offset among its kind there.

    A change region is a run of removed and added lines between context lines; the k-th
    removed line of a region sits "at the same place" as its k-th added line.
    """
    region: list[int] = []
    offset: list[int] = []
    current = 0
    counts = {"+": 0, "-": 0}
    previous = " "
    for line in hunk.lines:
        if line.kind == " ":
            if previous != " ":
                current += 1
                counts = {"+": 0, "-": 0}
            region.append(current)
            offset.append(0)
        else:
            region.append(current)
            offset.append(counts[line.kind])
            counts[line.kind] += 1
        previous = line.kind
    return region, offset


_REGIONS: OrderedDict[int, tuple[Hunk, tuple[list[int], list[int]]]] = OrderedDict()


def _regions_cached(hunk: Hunk) -> tuple[list[int], list[int]]:
    hit = _REGIONS.get(id(hunk))
    if hit is not None and hit[0] is hunk:
        return hit[1]
    found = _regions(hunk)
    _REGIONS[id(hunk)] = (hunk, found)
    if len(_REGIONS) > 256:
        _REGIONS.popitem(last=False)
    return found


def _position(hunk: Hunk, side: Side, op: Op) -> tuple[int, int]:
    region, offset = _regions_cached(hunk)
    anchor = next((i for i in range(op.start_idx, op.end_idx + 1) if i in side.changed),
                  op.name_idx)
    return region[anchor], offset[anchor]


def pair_ops(group: Group, *, updates: bool = False) -> Pairing:
    """Pair changed new-side ops with changed old-side ops "at the same place".

    Ops whose text is identical on both sides (moved or re-indented) cancel out. Each
    remaining new-side op takes an unpaired old-side op of the group: the same callee
    first, then the same hunk and change region, then the nearest position in it.
    """
    def collect(new: bool) -> list[tuple[int, Op, tuple[int, int]]]:
        return [(n, op, _position(hunk, side, op)) for n, hunk, side in group.sides(new)
                for op in side_ops(side, group.language, updates=updates) if op.changed]

    new_ops = collect(True)
    old_ops = collect(False)
    old_keys: dict[str, int] = {}
    for _, op, _ in old_ops:
        old_keys[op.key] = old_keys.get(op.key, 0) + 1
    new_keys: dict[str, int] = {}
    for _, op, _ in new_ops:
        new_keys[op.key] = new_keys.get(op.key, 0) + 1
    kept_new = []
    for item in new_ops:
        if old_keys.get(item[1].key, 0) > 0:
            old_keys[item[1].key] -= 1
            continue
        kept_new.append(item)
    free = []
    for item in old_ops:
        if new_keys.get(item[1].key, 0) > 0:
            new_keys[item[1].key] -= 1
            continue
        free.append(item)
    pairs: list[tuple[tuple[int, Op], tuple[int, Op]]] = []
    added: list[tuple[int, Op]] = []
    for n, op, (region, offset) in kept_new:
        if not free:
            added.append((n, op))
            continue
        best = min(free, key=lambda item: (
            0 if _same_callee(item[1], op) else 1,
            abs(item[0] - n), abs(item[2][0] - region), abs(item[2][1] - offset)))
        free.remove(best)
        pairs.append(((n, op), (best[0], best[1])))
    return Pairing(tuple(pairs), tuple(added), tuple((n, op) for n, op, _ in free))


def _same_callee(a: Op, b: Op) -> bool:
    if a.call is not None and b.call is not None:
        return a.call.name == b.call.name
    return a.sql is not None and b.sql is not None and a.sql.verb == b.sql.verb

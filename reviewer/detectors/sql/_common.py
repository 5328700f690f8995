"""Helpers shared by the SQL detectors.

The SQL parser gives each statement its verb, targets and ``ALTER TABLE`` actions. The
detectors also need what is *inside* a statement (column definitions, the type after
``ALTER COLUMN … TYPE``, the grantees of a ``GRANT``, the DML inside a CTE) and what the rest
of the file does (tables created earlier, constraints re-added later). This module provides:

- :func:`tokenize`: a small SQL tokenizer for one statement's text (strings, quoted names,
  dollar quoting and comments are single tokens; every token knows its paren depth);
- column / constraint readers (:func:`column_def`, :func:`table_constraint`,
  :func:`create_table_elements`, :func:`new_type`);
- :class:`Script`: the file's statements, with the statements inside ``DO`` blocks expanded
  (:func:`expand_do_blocks`), plus per-file facts (tables created and where, column types,
  primary keys, timeouts) computed once per detector run;
- finding plumbing: which statements a change touches, severity caps for down migrations
  and test fixtures, masked and trimmed evidence.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import PurePosixPath
from typing import NamedTuple

from reviewer.errors import InputError
from reviewer.models import Confidence, Location, Severity
from reviewer.parsers.sql import DOWN, AlterAction, SqlScript, Statement, parse_sql, quoted_end

# Tokens -----------------------------------------------------------------------------------

WORD, QIDENT, STRING, NUMBER, PUNCT = "word", "qident", "string", "number", "punct"



class Tok(NamedTuple):
    """One token of a statement (a tuple: tokens are created by the thousand)."""

    kind: str
    #: WORD: upper-cased; QIDENT / STRING: the content without quotes; others: the text.
    value: str
    start: int
    end: int
    #: Parenthesis depth (0 = top level of the text tokenized).
    depth: int
    #: WORD: the original spelling; QIDENT / STRING: the content; others: the text.
    raw: str
    #: For STRING: the offset where the content starts (after ``'`` or ``$tag$``).
    inner: int = 0


_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<line>--[^\n]*)|(?P<block>/\*)|(?P<str>')|(?P<qid>[\"`])"
    r"|(?P<dollar>\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$)"
    r"|(?P<word>[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)"
    r"|(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<other>.)", re.S)


def tokenize(text: str, mysql: bool = False) -> list[Tok]:
    """Tokens of SQL text (comments dropped)."""
    out: list[Tok] = []
    i, n, depth = 0, len(text), 0
    match = _TOKEN.match
    while i < n:
        m = match(text, i)
        if m is None:  # pragma: no cover - the pattern matches any character
            break
        kind = m.lastgroup
        end = m.end()
        if kind == "ws" or kind == "line":
            i = end
        elif kind == "word":
            word = m.group(0)
            out.append(Tok(WORD, word.upper(), i, end, depth, word))
            i = end
        elif kind == "other":
            ch = m.group(0)
            if mysql and ch == "#":
                nl = text.find("\n", i)
                i = n if nl < 0 else nl
                continue
            if ch == ")":
                depth = max(0, depth - 1)
            out.append(Tok(PUNCT, ch, i, end, depth, ch))
            if ch == "(":
                depth += 1
            i = end
        elif kind == "num":
            out.append(Tok(NUMBER, m.group(0), i, end, depth, m.group(0)))
            i = end
        elif kind == "block":
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
        elif kind == "str":
            backslash = mysql or (bool(out) and out[-1].kind == WORD and out[-1].value == "E"
                                  and out[-1].end == i)
            stop = _quoted_end(text, i, "'", backslash)
            body = text[i + 1:max(i + 1, stop - 1)]
            out.append(Tok(STRING, body, i, stop, depth, body, i + 1))
            i = stop
        elif kind == "qid":
            q = m.group(0)
            stop = _quoted_end(text, i, q, False)
            body = text[i + 1:max(i + 1, stop - 1)].replace(q * 2, q)
            out.append(Tok(QIDENT, body, i, stop, depth, body))
            i = stop
        else:  # dollar quote
            tag = m.group(0)
            close = text.find(tag, end)
            stop = n if close < 0 else close + len(tag)
            body = text[end:n if close < 0 else close]
            out.append(Tok(STRING, body, i, stop, depth, body, end))
            i = stop
    return out


def _quoted_end(text: str, start: int, quote: str, backslash: bool) -> int:
    end = quoted_end(text, start, quote, backslash)
    return len(text) if end is None else end


class Cursor:
    """Read helpers over a token list."""

    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks

    def __len__(self) -> int:
        return len(self.toks)

    def tok(self, i: int) -> Tok | None:
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def word(self, i: int) -> str:
        t = self.tok(i)
        return t.value if t is not None and t.kind == WORD else ""

    def punct(self, i: int, char: str) -> bool:
        t = self.tok(i)
        return t is not None and t.kind == PUNCT and t.value == char

    def words_at(self, i: int, *words: str) -> bool:
        return all(self.word(i + k) == w for k, w in enumerate(words))

    def skip(self, i: int, *seqs: tuple[str, ...]) -> int:
        """Skip any of the word sequences (repeatedly) from ``i``."""
        moved = True
        while moved:
            moved = False
            for seq in seqs:
                if self.words_at(i, *seq):
                    i += len(seq)
                    moved = True
        return i

    def name(self, i: int) -> tuple[str | None, int]:
        """A possibly qualified name at ``i`` (``schema.table``)."""
        t = self.tok(i)
        if t is None or t.kind not in (WORD, QIDENT):
            return None, i
        parts = [t.raw]
        i += 1
        while self.punct(i, "."):
            nxt = self.tok(i + 1)
            if nxt is None or nxt.kind not in (WORD, QIDENT):
                break
            parts.append(nxt.raw)
            i += 2
        return ".".join(parts), i

    def close(self, i: int) -> int:
        """Index just after the ``)`` matching the ``(`` at ``i`` (``i`` if none)."""
        if not self.punct(i, "("):
            return i
        depth = self.toks[i].depth
        j = i + 1
        while j < len(self.toks) and not (self.punct(j, ")") and self.toks[j].depth == depth):
            j += 1
        return j + 1

    def name_list(self, i: int) -> tuple[list[str], int]:
        """``(a, b, c)`` at ``i``: the names inside the parentheses."""
        if not self.punct(i, "("):
            return [], i
        end = self.close(i)
        depth = self.toks[i].depth + 1
        names = [t.raw.lower() for t in self.toks[i + 1:end - 1]
                 if t.kind in (WORD, QIDENT) and t.depth == depth]
        return names, end

    def split(self, start: int, end: int, depth: int) -> list[tuple[int, int]]:
        """(start, end) index ranges of the comma-separated items at ``depth``."""
        items: list[tuple[int, int]] = []
        begin = start
        for j in range(start, end):
            t = self.toks[j]
            if t.kind == PUNCT and t.value == "," and t.depth == depth:
                items.append((begin, j))
                begin = j + 1
        if begin < end:
            items.append((begin, end))
        return items


# Names -----------------------------------------------------------------------------------


def key(name: str | None) -> str:
    """Comparable form of an object name: lower-case, default schema ``public`` dropped."""
    if not name:
        return ""
    k = name.lower()
    return k[len("public."):] if k.startswith("public.") else k


def bare(name: str | None) -> str:
    """The last part of a (qualified) name, lower-case."""
    return key(name).rsplit(".", 1)[-1]


def same_object(a: str | None, b: str | None) -> bool:
    """True when two names can denote the same object (one may be unqualified)."""
    ka, kb = key(a), key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    if "." in ka and "." in kb:
        return False
    return bare(ka) == bare(kb)


class NameIndex:
    """Object names → the first line each was seen on (qualified and bare lookups)."""

    def __init__(self) -> None:
        self.full: dict[str, int] = {}
        self.by_bare: dict[str, int] = {}

    def add(self, name: str | None, line: int) -> None:
        k = key(name)
        if not k:
            return
        self.full.setdefault(k, line)
        self.by_bare.setdefault(bare(k), line)

    def line_of(self, name: str | None) -> int | None:
        k = key(name)
        if not k:
            return None
        if k in self.full:
            return self.full[k]
        b = bare(k)
        if "." not in k:
            return self.by_bare.get(b)
        # qualified lookup: an unqualified entry of the same name matches
        line = self.full.get(b)
        return line

    def before(self, name: str | None, line: int) -> bool:
        seen = self.line_of(name)
        return seen is not None and seen < line

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.line_of(name) is not None


# Column definitions ----------------------------------------------------------------------

#: Words that end a column's type inside a column definition.
_TYPE_STOP = frozenset({
    "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT",
    "GENERATED", "COLLATE", "AS", "AUTO_INCREMENT", "AUTOINCREMENT", "COMMENT", "ON", "CHARSET",
    "VISIBLE", "INVISIBLE", "STORED", "VIRTUAL", "USING", "FIRST", "AFTER", "IDENTITY",
    "COMPRESSION", "STORAGE", "SRID", "ENCODE",
})
#: Words that end a DEFAULT expression.
_DEFAULT_STOP = frozenset({
    "NOT", "NULL", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT", "GENERATED",
    "COLLATE", "ON", "COMMENT", "AUTO_INCREMENT", "FIRST", "AFTER", "VISIBLE", "INVISIBLE",
})
_TABLE_CONSTRAINT_WORDS = frozenset({
    "CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "KEY", "INDEX", "FULLTEXT",
    "SPATIAL", "LIKE", "PERIOD",
})
_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4",
                           "serial8"})


@dataclass(frozen=True, slots=True)
class ColumnDef:
    """One column definition (``CREATE TABLE`` element, ``ADD COLUMN``, ``MODIFY``)."""

    name: str
    #: Normalised lower-case type (``varchar(255)``, ``bigint``, ``enum('a','b')``).
    type: str
    not_null: bool
    #: The DEFAULT expression as written ("" when there is none).
    default: str
    #: ``"stored"``, ``"virtual"``, ``"identity"`` (identity / serial / auto-increment) or "".
    generated: str
    primary_key: bool
    unique: bool
    #: (referenced table, referenced column or None) of an inline ``REFERENCES``.
    references: tuple[str, str | None] | None
    #: Offset of the definition in the tokenized text.
    offset: int


@dataclass(frozen=True, slots=True)
class TableConstraint:
    """A table-level constraint (``CREATE TABLE`` element or ``ADD CONSTRAINT``)."""

    #: ``primary``, ``unique``, ``foreign``, ``check``, ``exclude`` or ``index``.
    kind: str
    name: str | None
    columns: tuple[str, ...]
    ref_table: str | None
    ref_columns: tuple[str, ...]
    not_valid: bool
    using_index: bool
    #: Lower-case text of a CHECK expression ("" otherwise).
    check: str
    offset: int


def _type_text(toks: list[Tok]) -> str:
    parts: list[str] = []
    for t in toks:
        if t.kind == STRING:
            parts.append("'" + t.value + "'")
        elif t.kind == QIDENT:
            parts.append(t.value.lower())
        else:
            parts.append(t.raw.lower())
    text = " ".join(parts)
    return re.sub(r"\s*([(),])\s*", r"\1", text).strip()


def _expr_text(text: str, toks: list[Tok]) -> str:
    return text[toks[0].start:toks[-1].end] if toks else ""


def column_def(text: str, cur: Cursor, start: int, end: int) -> ColumnDef | None:
    """Read the column definition in tokens ``start..end`` (name first)."""
    name, i = cur.name(start)
    if name is None or i > end:
        return None
    depth = cur.toks[start].depth
    type_toks: list[Tok] = []
    while i < end:
        t = cur.toks[i]
        if t.depth == depth and t.kind == WORD and (
                t.value in _TYPE_STOP or (t.value == "CHARACTER" and cur.word(i + 1) == "SET")):
            break
        type_toks.append(t)
        i += 1
    ctype = _type_text(type_toks)
    not_null = primary = unique = False
    default = generated = ""
    references: tuple[str, str | None] | None = None
    if ctype.split("(")[0] in _SERIAL_TYPES:
        generated = "identity"
    while i < end:
        w = cur.word(i)
        if cur.toks[i].depth != depth:
            i += 1
            continue
        if w == "NOT" and cur.word(i + 1) == "NULL":
            not_null, i = True, i + 2
        elif w == "PRIMARY" and cur.word(i + 1) == "KEY":
            primary, not_null, i = True, True, i + 2
        elif w == "UNIQUE":
            unique, i = True, i + 1
        elif w == "DEFAULT":
            j = i + 1
            expr: list[Tok] = []
            while j < end:
                t = cur.toks[j]
                if t.depth == depth and t.kind == WORD and t.value in _DEFAULT_STOP and expr:
                    break
                expr.append(t)
                j += 1
            default, i = _expr_text(text, expr), j
        elif w == "REFERENCES":
            table, j = cur.name(i + 1)
            cols, j = cur.name_list(j)
            if table:
                references = (table, cols[0] if cols else None)
            i = j
        elif w == "GENERATED":
            j = cur.skip(i + 1, ("ALWAYS",), ("BY", "DEFAULT"), ("ON", "NULL"))
            if cur.word(j) == "AS" and cur.word(j + 1) == "IDENTITY":
                generated, i = "identity", j + 2
            else:
                generated = "stored" if _stored_after(cur, j, end, depth) else "virtual"
                i = j + 1
        elif w == "AS" and cur.punct(i + 1, "("):  # MySQL / SQLite generated column
            generated = "stored" if _stored_after(cur, i, end, depth) else "virtual"
            i += 1
        elif w in ("AUTO_INCREMENT", "AUTOINCREMENT", "IDENTITY"):
            generated, i = "identity", i + 1
        else:
            i += 1
    return ColumnDef(name=name, type=ctype, not_null=not_null, default=default,
                     generated=generated, primary_key=primary, unique=unique,
                     references=references, offset=cur.toks[start].start)


def _stored_after(cur: Cursor, i: int, end: int, depth: int) -> bool:
    return any(cur.toks[j].depth == depth and cur.word(j) in ("STORED", "PERSISTED")
               for j in range(i, end))


def table_constraint(text: str, cur: Cursor, start: int, end: int) -> TableConstraint | None:
    """Read a table constraint in tokens ``start..end`` (``[CONSTRAINT name] kind …``)."""
    i = start
    name: str | None = None
    if cur.word(i) == "CONSTRAINT":
        name, i = cur.name(i + 1)
    w = cur.word(i)
    kind = {"PRIMARY": "primary", "UNIQUE": "unique", "FOREIGN": "foreign", "CHECK": "check",
            "EXCLUDE": "exclude", "KEY": "index", "INDEX": "index", "FULLTEXT": "index",
            "SPATIAL": "index"}.get(w)
    if kind is None:
        return None
    i = cur.skip(i + 1, ("KEY",), ("INDEX",))
    if kind in ("unique", "index") and not cur.punct(i, "(") and cur.word(i) not in ("USING",):
        _, i = cur.name(i)  # MySQL index name
    cols: list[str] = []
    check = ""
    if kind == "check":
        if cur.punct(i, "("):
            j = cur.close(i)
            check = text[cur.toks[i].start:cur.toks[j - 1].end].lower()
            i = j
    else:
        cols, i = cur.name_list(i)
    ref_table: str | None = None
    ref_cols: list[str] = []
    words = [cur.word(j) for j in range(i, end)]
    if kind == "foreign" and "REFERENCES" in words:
        j = i + words.index("REFERENCES")
        ref_table, j = cur.name(j + 1)
        ref_cols, _ = cur.name_list(j)
    not_valid = any(words[k] == "NOT" and k + 1 < len(words) and words[k + 1] == "VALID"
                    for k in range(len(words)))
    using_index = any(words[k] == "USING" and k + 1 < len(words) and words[k + 1] == "INDEX"
                      for k in range(len(words)))
    return TableConstraint(kind=kind, name=name, columns=tuple(cols), ref_table=ref_table,
                           ref_columns=tuple(ref_cols), not_valid=not_valid,
                           using_index=using_index, check=check,
                           offset=cur.toks[start].start)


@lru_cache(maxsize=1024)
def _create_table_elements(stmt: Statement, mysql: bool
                           ) -> tuple[tuple[ColumnDef, ...], tuple[TableConstraint, ...]]:
    columns, constraints = _read_create_table(stmt, mysql)
    return tuple(columns), tuple(constraints)


def create_table_elements(stmt: Statement, mysql: bool
                          ) -> tuple[list[ColumnDef], list[TableConstraint]]:
    """Columns and table constraints of a ``CREATE TABLE`` statement (memoised)."""
    columns, constraints = _create_table_elements(stmt, mysql)
    return list(columns), list(constraints)


def _read_create_table(stmt: Statement, mysql: bool
                       ) -> tuple[list[ColumnDef], list[TableConstraint]]:
    toks = tokenize(stmt.text, mysql)
    cur = Cursor(toks)
    i = next((k for k, t in enumerate(toks) if t.kind == WORD and t.value == "TABLE"), -1)
    if i < 0:
        return [], []
    i = cur.skip(i + 1, ("IF", "NOT", "EXISTS"))
    _, i = cur.name(i)
    if not cur.punct(i, "("):
        return [], []
    end = cur.close(i) - 1
    columns: list[ColumnDef] = []
    constraints: list[TableConstraint] = []
    for a, b in cur.split(i + 1, end, toks[i].depth + 1):
        if a >= b:
            continue
        if cur.word(a) in _TABLE_CONSTRAINT_WORDS and toks[a].kind == WORD:
            c = table_constraint(stmt.text, cur, a, b)
            if c is not None:
                constraints.append(c)
                continue
        col = column_def(stmt.text, cur, a, b)
        if col is not None:
            columns.append(col)
    return columns, constraints


def action_cursor(action: AlterAction, mysql: bool) -> Cursor:
    """Tokens of one ``ALTER TABLE`` action."""
    return Cursor(tokenize(action.text, mysql))


def added_column(action: AlterAction, mysql: bool) -> ColumnDef | None:
    """The column an ``ADD [COLUMN]`` action defines."""
    cur = action_cursor(action, mysql)
    i = cur.skip(1, ("COLUMN",), ("IF", "NOT", "EXISTS"))
    if cur.punct(i, "("):  # MySQL ADD (col1 …, col2 …): read the first
        i += 1
    return column_def(action.text, cur, i, len(cur))


def modified_column(action: AlterAction, mysql: bool) -> tuple[str | None, ColumnDef | None]:
    """(old name, new definition) of a MySQL ``MODIFY`` / ``CHANGE`` action."""
    cur = action_cursor(action, mysql)
    i = cur.skip(1, ("COLUMN",))
    old, j = cur.name(i)
    if action.action == "CHANGE COLUMN":
        i = j
    return old, column_def(action.text, cur, i, len(cur))


def new_type(action: AlterAction, mysql: bool) -> tuple[str, bool]:
    """(new type, has USING) of ``ALTER COLUMN … [SET DATA] TYPE``."""
    cur = action_cursor(action, mysql)
    words = [cur.word(k) for k in range(len(cur))]
    if "TYPE" not in words:
        return "", False
    i = words.index("TYPE") + 1
    depth = cur.toks[i - 1].depth
    end = i
    while end < len(cur) and not (cur.toks[end].depth == depth and cur.word(end) in (
            "USING", "COLLATE")):
        end += 1
    return _type_text(cur.toks[i:end]), "USING" in words[end:]


def renamed_to(action: AlterAction, mysql: bool) -> str | None:
    """The new name of a ``RENAME [COLUMN] a TO b`` action."""
    cur = action_cursor(action, mysql)
    for i in range(len(cur)):
        if cur.word(i) in ("TO", "AS") and i > 0:
            name, _ = cur.name(i + 1)
            return name
    return None


# Types -----------------------------------------------------------------------------------

_INT_BYTES = {
    "tinyint": 1, "smallint": 2, "int2": 2, "smallserial": 2, "serial2": 2, "mediumint": 3,
    "int": 4, "integer": 4, "int4": 4, "serial": 4, "serial4": 4,
    "bigint": 8, "int8": 8, "bigserial": 8, "serial8": 8,
}
_TEXTLIKE = frozenset({"text", "citext", "varchar", "character varying", "longtext",
                       "mediumtext"})


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """A parsed column type."""

    base: str
    args: tuple[str, ...]
    unsigned: bool

    @property
    def int_bytes(self) -> int | None:
        return _INT_BYTES.get(self.base)

    @property
    def length(self) -> int | None:
        if self.args and self.args[0].isdigit():
            return int(self.args[0])
        return None


def type_info(ctype: str) -> TypeInfo:
    """Split ``varchar(255)`` / ``int unsigned`` / ``numeric(12,2)`` into its parts."""
    text = " ".join(ctype.lower().split())
    args: tuple[str, ...] = ()
    if "(" in text:
        head, _, rest = text.partition("(")
        inside, _, tail = rest.partition(")")
        args = tuple(a.strip() for a in inside.split(",") if a.strip())
        words = head.split() + tail.split()
    else:
        words = text.split()
    unsigned = "unsigned" in words
    base = " ".join(w for w in words if w not in ("unsigned", "signed", "zerofill"))
    base = {"character varying": "varchar", "character": "char", "decimal": "numeric",
            "bool": "boolean", "timestamp without time zone": "timestamp",
            "timestamp with time zone": "timestamptz", "double": "double precision",
            "float8": "double precision", "float4": "real"}.get(base, base)
    return TypeInfo(base, args, unsigned)


def is_text_type(ctype: str) -> bool:
    """True for unbounded text types (``text``, ``varchar`` without a length…)."""
    info = type_info(ctype)
    return info.base in _TEXTLIKE and info.length is None


def int_narrower(child: str, parent: str) -> bool:
    """True when integer type ``child`` cannot hold every value of ``parent``."""
    c, p = type_info(child), type_info(parent)
    cb, pb = c.int_bytes, p.int_bytes
    if cb is None or pb is None:
        return False
    return cb < pb or (cb == pb and p.unsigned and not c.unsigned)


def widening(old: str, new: str) -> str | None:
    """Why ``old`` → ``new`` is a safe widening, or None when it is not (or unknown)."""
    o, n = type_info(old), type_info(new)
    if o.base in ("varchar", "char") and n.base in ("text", "citext") and not n.args:
        return f"{old} → {new} widens a string type"
    if o.base == "varchar" and n.base == "varchar" and (
            n.length is None or (o.length is not None and n.length >= o.length)):
        return f"{old} → {new} only raises the length limit"
    if o.base == "numeric" and n.base == "numeric":
        if not n.args:
            return f"{old} → {new} removes the precision limit"
        if len(o.args) == len(n.args) == 2 and o.args[1] == n.args[1] \
                and o.args[0].isdigit() and n.args[0].isdigit() \
                and int(n.args[0]) >= int(o.args[0]):
            return f"{old} → {new} only raises the precision"
        if len(o.args) == len(n.args) == 1 and o.args[0].isdigit() and n.args[0].isdigit() \
                and int(n.args[0]) >= int(o.args[0]):
            return f"{old} → {new} only raises the precision"
    if o.base == "varbit" and n.base == "varbit" and (
            n.length is None or (o.length is not None and n.length >= o.length)):
        return f"{old} → {new} only raises the length limit"
    if o.base == "cidr" and n.base == "inet":
        return "cidr → inet is binary compatible"
    return None


# Script context --------------------------------------------------------------------------

#: Commands that can start a statement inside a PL/pgSQL ``DO`` block.
_DO_COMMANDS = frozenset({"DELETE", "UPDATE", "INSERT", "DROP", "TRUNCATE", "ALTER", "CREATE",
                          "GRANT", "REVOKE", "SET", "REINDEX", "WITH", "RENAME", "MERGE"})
_DO_CONTROL = frozenset({"BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"})


def expand_do_blocks(doc: SqlScript) -> tuple[Statement, ...]:
    """The script's statements with the SQL inside ``DO $$ … $$`` blocks added after each block.

    The PL/pgSQL around the statements (``BEGIN``, ``IF … THEN``, ``END IF``…) is blanked out
    and the body is parsed again, so a ``DELETE`` inside a ``DO`` block is a statement like
    any other (lines are the file's lines). Dynamic SQL (``EXECUTE '…'``) stays invisible.
    """
    if not any(s.verb == "DO" for s in doc.statements):
        return doc.statements
    out: list[Statement] = []
    for stmt in doc.statements:
        out.append(stmt)
        if stmt.verb == "DO":
            out.extend(_do_statements(doc, stmt))
    return tuple(out)


def do_body(stmt: Statement) -> tuple[str, int] | None:
    """(body, offset of the body in the statement text) of a ``DO`` statement."""
    for t in tokenize(stmt.text):
        if t.kind == STRING:
            return t.value, t.inner
    return None


def _do_statements(doc: SqlScript, stmt: Statement) -> tuple[Statement, ...]:
    return _do_statements_cached(doc.path, stmt)


@lru_cache(maxsize=256)
def _do_statements_cached(path: str, stmt: Statement) -> tuple[Statement, ...]:
    """The statements of one DO block (memoised: every detector of a run asks for them)."""
    found = do_body(stmt)
    if found is None:
        return ()
    body, offset = found
    toks = tokenize(body)
    keep: list[tuple[int, int, int]] = []  # (start, end, semicolon) character offsets
    seg: list[Tok] = []
    for t in [*toks, Tok(PUNCT, ";", len(body), len(body), 0, ";")]:
        if t.kind == PUNCT and t.value == ";" and t.depth == 0:
            for k, s in enumerate(seg):
                prev = seg[k - 1].value if k > 0 and seg[k - 1].kind == WORD else ""
                if s.kind == WORD and s.value in _DO_COMMANDS and s.depth == 0 and (
                        k == 0 or prev in _DO_CONTROL):
                    keep.append((s.start, seg[-1].end, t.start))
                    break
            seg = []
        else:
            seg.append(t)
    if not keep:
        return ()
    chars = [c if c == "\n" else " " for c in body]
    for a, b, semi in keep:
        chars[a:b] = body[a:b]
        if semi < len(chars):
            chars[semi] = ";"
    try:
        inner = parse_sql("".join(chars), path)
    except InputError:
        return ()
    base = stmt.line + stmt.text[:offset].count("\n") - 1
    return tuple(dataclasses.replace(
        s, line=s.line + base, end_line=s.end_line + base, direction=stmt.direction,
        index=stmt.index,
        alter_actions=tuple(dataclasses.replace(a, line=a.line + base)
                            for a in s.alter_actions))
        for s in inner.statements if not s.is_transaction_control)


_TEST_DIRS = frozenset({"test", "tests", "spec", "specs", "fixture", "fixtures", "testdata",
                        "test_data", "__tests__", "e2e", "seed", "seeds", "testing"})


def is_test_path(path: str) -> bool:
    """True for test fixtures and seed scripts (their drops and deletes are routine)."""
    p = PurePosixPath(path.replace("\\", "/").lower())
    if any(part in _TEST_DIRS for part in p.parts[:-1]):
        return True
    name = p.name
    return name.startswith(("test_", "seed")) or name.endswith(
        ("_test.sql", "_spec.sql", ".test.sql", "_seed.sql", "_seeds.sql"))


_TIMEOUT_SETTINGS = frozenset({"LOCK_TIMEOUT", "STATEMENT_TIMEOUT", "LOCK_WAIT_TIMEOUT",
                               "INNODB_LOCK_WAIT_TIMEOUT", "MAX_EXECUTION_TIME"})


class Script:
    """One SQL document with the per-file facts the detectors share (computed on demand)."""

    def __init__(self, doc: SqlScript) -> None:
        self.doc = doc
        self.mysql = doc.dialect == "mysql"
        self.test_path = is_test_path(doc.path)

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        """Every statement, ``DO`` blocks expanded, in file order."""
        return expand_do_blocks(self.doc)

    @cached_property
    def up(self) -> tuple[Statement, ...]:
        """Statements that run when migrating up."""
        return tuple(s for s in self.statements if s.direction != DOWN)

    def reviewed(self) -> Iterator[Statement]:
        """Up statements the change touches (all of them for a whole file)."""
        doc = self.doc
        for s in self.up:
            if doc.touches(s.line, s.end_line):
                yield s

    def touches_action(self, action: AlterAction) -> bool:
        """True when the change touches one ``ALTER TABLE`` action."""
        return self.doc.touches(action.line, action.line + action.text.count("\n"))

    # objects created / renamed in the file ---------------------------------------------

    @cached_property
    def created_tables(self) -> NameIndex:
        """Tables (and views) the up direction creates, with the line of creation."""
        index = NameIndex()
        for s in self.up:
            if s.verb in ("CREATE TABLE", "CREATE FOREIGN TABLE", "CREATE VIEW",
                          "CREATE MATERIALIZED VIEW") and s.target:
                index.add(s.target, s.line)
        return index

    @cached_property
    def created_schemas(self) -> NameIndex:
        index = NameIndex()
        for s in self.up:
            if s.verb in ("CREATE SCHEMA", "CREATE DATABASE") and s.target:
                index.add(s.target, s.line)
        return index

    @cached_property
    def created_indexes(self) -> dict[str, tuple[int, bool, str | None]]:
        """Index name → (line, unique, table) for indexes the up direction creates."""
        out: dict[str, tuple[int, bool, str | None]] = {}
        for s in self.up:
            if s.verb == "CREATE INDEX" and s.target:
                out.setdefault(bare(s.target), (s.line, "UNIQUE" in s.words[:3], s.table))
            elif s.verb == "ALTER TABLE":
                for a in s.alter_actions:
                    if a.action in ("ADD INDEX", "ADD CONSTRAINT") and a.name:
                        out.setdefault(bare(a.name), (a.line, "UNIQUE" in a.text.upper(),
                                                      s.table))
        return out

    def is_new_table(self, name: str | None, line: int) -> bool:
        """True when the file created the table before ``line``."""
        return self.created_tables.before(name, line)

    @cached_property
    def table_renames(self) -> list[tuple[str, str, int]]:
        """(old name, new name, line) of every table rename in the up direction."""
        out: list[tuple[str, str, int]] = []
        for s in self.up:
            if s.verb == "ALTER TABLE" and s.table:
                for a in s.alter_actions:
                    if a.action == "RENAME TO" and a.name:
                        out.append((s.table, a.name, a.line))
            elif s.verb == "RENAME TABLE":
                out.extend((old, new, s.line) for old, new in rename_table_pairs(s, self.mysql))
        return out

    # column facts ------------------------------------------------------------------------

    @cached_property
    def table_defs(self) -> dict[str, tuple[list[ColumnDef], list[TableConstraint], int]]:
        """key(table) → (columns, constraints, line) of each ``CREATE TABLE`` in the file.

        Down-direction definitions count too (after the up ones): they describe the same
        tables.
        """
        out: dict[str, tuple[list[ColumnDef], list[TableConstraint], int]] = {}
        for s in self.statements:
            if s.verb == "CREATE TABLE" and s.target and key(s.target) not in out:
                cols, cons = create_table_elements(s, self.mysql)
                out[key(s.target)] = (cols, cons, s.line)
        return out

    @cached_property
    def _table_defs_by_bare(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k in self.table_defs:
            out.setdefault(bare(k), []).append(k)
        return out

    def table_def(self, name: str | None
                  ) -> tuple[list[ColumnDef], list[TableConstraint], int] | None:
        """The ``CREATE TABLE`` definition of a table in this file, if any."""
        k = key(name)
        if k in self.table_defs:
            return self.table_defs[k]
        for tk in self._table_defs_by_bare.get(bare(k), ()):
            if "." not in tk or "." not in k:
                return self.table_defs[tk]
        return None

    @cached_property
    def alters_by_table(self) -> dict[str, list[Statement]]:
        """Up-direction ``ALTER TABLE`` statements by bare table name, in file order."""
        out: dict[str, list[Statement]] = {}
        for st in self.up:
            if st.verb == "ALTER TABLE" and st.table:
                out.setdefault(bare(st.table), []).append(st)
        return out

    @cached_property
    def writes_by_table(self) -> dict[str, list[Statement]]:
        """INSERT / REPLACE / COPY statements by bare target table, in file order."""
        out: dict[str, list[Statement]] = {}
        for st in self.up:
            if st.verb in ("INSERT", "REPLACE", "COPY") and st.target:
                out.setdefault(bare(st.target), []).append(st)
        return out

    def refilled(self, table: str | None, after: int) -> int | None:
        """Line of the first INSERT / COPY into ``table`` after line ``after``."""
        for st in self.writes_by_table.get(bare(table), ()):
            if st.line > after and same_object(st.target, table):
                return st.line
        return None

    @cached_property
    def added_columns(self) -> dict[tuple[str, str], tuple[ColumnDef, int]]:
        """(bare table, column) → (definition, line) of ``ADD COLUMN`` in the up direction."""
        out: dict[tuple[str, str], tuple[ColumnDef, int]] = {}
        for s in self.up:
            if s.verb != "ALTER TABLE" or not s.table:
                continue
            for a in s.alter_actions:
                if a.action == "ADD COLUMN":
                    col = added_column(a, self.mysql)
                    if col is not None:
                        out.setdefault((bare(s.table), col.name.lower()), (col, a.line))
        return out

    def column_type(self, table: str | None, column: str | None) -> str | None:
        """The declared type of ``table.column`` in this script, if any."""
        if not table or not column:
            return None
        found = self.table_def(table)
        if found is not None:
            for col in found[0]:
                if col.name.lower() == column.lower():
                    return col.type
        added = self.added_columns.get((bare(table), column.lower()))
        return added[0].type if added else None

    def primary_key(self, table: str | None) -> str | None:
        """The single primary-key column of a table defined in this script."""
        found = self.table_def(table)
        if found is None:
            return None
        cols, cons, _ = found
        pk = [c.name.lower() for c in cols if c.primary_key]
        pk += [c for con in cons if con.kind == "primary" for c in con.columns]
        return pk[0] if len(pk) == 1 else None

    # settings ----------------------------------------------------------------------------

    def timeout_line(self) -> int | None:
        """Line of the first statement setting a lock or statement timeout (non-zero)."""
        for s in self.up:
            if _sets_timeout(s):
                return s.line
        return None


def _sets_timeout(s: Statement) -> bool:
    if s.verb == "SET":
        names = [w for w in s.words if w in _TIMEOUT_SETTINGS]
        if not names:
            return False
        value = s.text.rsplit("=", 1)[-1] if "=" in s.text else s.text.split()[-1]
        return value.strip().strip("'\";").strip() not in ("0", "DEFAULT", "default")
    if s.verb in ("SELECT", "PERFORM") and "SET_CONFIG" in s.words:
        return any(x in s.text.lower() for x in ("lock_timeout", "statement_timeout"))
    return s.verb in ("ALTER ROLE", "ALTER USER", "ALTER DATABASE") and any(
        w in s.words for w in ("LOCK_TIMEOUT", "STATEMENT_TIMEOUT"))


def rename_table_pairs(stmt: Statement, mysql: bool) -> list[tuple[str, str]]:
    """(old, new) pairs of MySQL ``RENAME TABLE a TO b, c TO d``.

    Works around the parser, which records only the first old name as the target.
    """
    cur = Cursor(tokenize(stmt.text, mysql))
    i = cur.skip(0, ("RENAME",), ("TABLE",), ("TABLES",))
    pairs: list[tuple[str, str]] = []
    while i < len(cur):
        old, i = cur.name(i)
        if old is None or cur.word(i) != "TO":
            break
        new, i = cur.name(i + 1)
        if new is None:
            break
        pairs.append((old, new))
        if not cur.punct(i, ","):
            break
        i += 1
    return pairs


# Findings --------------------------------------------------------------------------------

_SECRET = re.compile(
    r"((?:ENCRYPTED\s+|UNENCRYPTED\s+)?PASSWORD\s*(?:=\s*)?|IDENTIFIED\s+(?:WITH\s+\S+\s+)?"
    r"(?:BY|AS)\s+(?:PASSWORD\s+)?|SECRET\s*(?:=\s*)?)'[^']*'", re.I)


def evidence(text: str, limit: int = 200) -> str:
    """The statement on one line, passwords masked, trimmed to ``limit`` characters."""
    flat = " ".join(text.split())
    flat = _SECRET.sub(lambda m: m.group(1) + "'…[masked]'", flat)
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def location(script: Script, line: int, address: str | None = None) -> Location:
    """Where a finding is: the file (its repository path for diffs) and the line."""
    return Location(path=script.doc.path, line=line, address=address)


def judged(script: Script, severity: Severity, confidence: Confidence
           ) -> tuple[Severity, Confidence]:
    """Severity and confidence after the file's context: test fixtures and seeds are low."""
    if script.test_path and severity > Severity.LOW:
        return Severity.LOW, Confidence.LOW
    return severity, confidence


def qualified(table: str | None, column: str | None) -> str:
    """``table.column`` for messages and addresses."""
    return f"{table}.{column}" if table and column else (table or column or "?")

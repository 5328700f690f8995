"""SQL scripts and migrations → :class:`SqlScript` of :class:`Statement`.

Two passes:

1. A lexer splits the text into statements. It knows string literals (``'…'``, ``E'…'``),
   quoted identifiers (``"…"``, MySQL backticks), comments (``--``, ``/* */`` nested, MySQL
   ``#``), PostgreSQL dollar quoting (``$$ … $$``, ``$body$ … $body$``), the MySQL client's
   ``DELIMITER`` command and goose's ``StatementBegin``/``StatementEnd``, so a ``;`` inside any
   of them never ends a statement.
2. Each statement is parsed with the tree-sitter SQL grammar; a statement the grammar cannot
   read (dialect features it lacks: MySQL options, ``DO`` blocks, PL/pgSQL bodies…) is kept
   with ``parsed_ok=False``. The verb (``"DROP TABLE"``), the targets and ``has_where`` are
   read from the lexer's tokens for every statement, so they are the same whatever the
   dialect; the grammar only supplies a target when the tokens name none.

Migration direction comes from the path (``*.down.sql``, ``down.sql``, ``…/down/…``, Flyway
``U1__…``) and from markers inside the file (``-- +goose Down``, ``-- +migrate Down``,
``-- migrate:down``, ``-- //@UNDO``): statements after a down marker have direction ``down``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from tree_sitter import Parser

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Lazy, Problem, ProblemLevel, lines_touched
from reviewer.parsers.treesitter import parser as ts_parser

_KIND = InputKind.SQL

UP = "up"
DOWN = "down"

#: Verbs of transaction control: harmless when the grammar cannot read them.
TRANSACTION_VERBS = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE",
                               "START TRANSACTION"})
#: Verbs whose ``has_where`` is meaningful.
WHERE_VERBS = frozenset({"DELETE", "UPDATE"})

_IDENT_START = re.compile(r"[A-Za-z_\u0080-\uffff]")
_IDENT = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")
_PARAM = re.compile(r"\$\d+")

_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^--\s*\+goose\s+up\b", re.I), UP),
    (re.compile(r"^--\s*\+goose\s+down\b", re.I), DOWN),
    (re.compile(r"^--\s*\+migrate\s+up\b", re.I), UP),
    (re.compile(r"^--\s*\+migrate\s+down\b", re.I), DOWN),
    (re.compile(r"^--\s*migrate:up\b", re.I), UP),
    (re.compile(r"^--\s*migrate:down\b", re.I), DOWN),
    (re.compile(r"^--\s*//\s*@UNDO\b", re.I), DOWN),
)
_STATEMENT_BEGIN = re.compile(r"^--\s*\+(?:goose|migrate)\s+StatementBegin\b", re.I)
_STATEMENT_END = re.compile(r"^--\s*\+(?:goose|migrate)\s+StatementEnd\b", re.I)
_DELIMITER_CMD = re.compile(r"DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|$)", re.I)

#: Object types that can follow CREATE / ALTER / DROP (multi-word ones first).
_OBJECT_TYPES: tuple[tuple[str, ...], ...] = (
    ("MATERIALIZED", "VIEW"), ("FOREIGN", "DATA", "WRAPPER"), ("FOREIGN", "TABLE"),
    ("EVENT", "TRIGGER"), ("TEXT", "SEARCH", "CONFIGURATION"), ("TEXT", "SEARCH", "DICTIONARY"),
    ("TEXT", "SEARCH", "PARSER"), ("TEXT", "SEARCH", "TEMPLATE"), ("ACCESS", "METHOD"),
    ("USER", "MAPPING"), ("OPERATOR", "CLASS"), ("OPERATOR", "FAMILY"),
    ("DEFAULT", "PRIVILEGES"), ("ROW", "LEVEL", "SECURITY"),
    ("TABLE",), ("INDEX",), ("VIEW",), ("FUNCTION",), ("PROCEDURE",), ("TRIGGER",),
    ("SCHEMA",), ("DATABASE",), ("SEQUENCE",), ("TYPE",), ("EXTENSION",), ("ROLE",), ("USER",),
    ("GROUP",), ("POLICY",), ("DOMAIN",), ("AGGREGATE",), ("OPERATOR",), ("PUBLICATION",),
    ("SUBSCRIPTION",), ("SERVER",), ("RULE",), ("COLLATION",), ("TABLESPACE",), ("EVENT",),
    ("CAST",), ("CONVERSION",), ("LANGUAGE",), ("STATISTICS",), ("TRANSFORM",), ("ROUTINE",),
    ("SYSTEM",), ("OWNED",), ("SYNONYM",), ("PACKAGE",), ("KEYSPACE",), ("STAGE",),
    ("WAREHOUSE",), ("STREAM",), ("TASK",), ("LARGE", "OBJECT"),
)
#: Words that may come between CREATE and the object type.
_CREATE_MODIFIERS = frozenset({
    "OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "CLUSTERED",
    "NONCLUSTERED", "FULLTEXT", "SPATIAL", "RECURSIVE", "TRUSTED", "PROCEDURAL", "CONSTRAINT",
    "ONLINE", "OFFLINE", "TRANSIENT", "VOLATILE", "SECURE", "EXTERNAL",
})
#: Statement keywords the reviewer recognises at the start of a statement.
_COMMANDS = frozenset({
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "CREATE", "ALTER",
    "DROP", "TRUNCATE", "GRANT", "REVOKE", "COMMENT", "SET", "RESET", "BEGIN", "START",
    "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "VACUUM", "ANALYZE",
    "ANALYSE", "REINDEX", "CLUSTER", "LOCK", "UNLOCK", "DO", "CALL", "EXECUTE", "EXEC", "COPY",
    "WITH", "RENAME", "USE", "SHOW", "EXPLAIN", "DESCRIBE", "DESC", "REFRESH", "LISTEN",
    "NOTIFY", "UNLISTEN", "DECLARE", "PREPARE", "DEALLOCATE", "DISCARD", "FETCH", "CLOSE",
    "MOVE", "CHECKPOINT", "LOAD", "SECURITY", "IMPORT", "OPTIMIZE", "FLUSH", "KILL", "PRAGMA",
    "ATTACH", "DETACH", "VALUES", "TABLE", "SOURCE", "PERFORM", "RAISE", "RETURN", "IF",
    "REASSIGN", "CREATEDB", "SIGNAL", "HANDLER", "INSTALL", "UNINSTALL", "PURGE", "RESTORE",
    "BACKUP", "CHECK", "REPAIR", "CHECKSUM", "MSCK", "UNDROP", "PUT", "GET", "REMOVE", "LIST",
    "CACHE", "UNCACHE", "EXPORT",
})


@dataclass(frozen=True, slots=True)
class AlterAction:
    """One comma-separated action of ``ALTER TABLE``."""

    #: Normalised action: ``"ADD COLUMN"``, ``"DROP COLUMN"``, ``"ALTER COLUMN TYPE"``,
    #: ``"SET NOT NULL"``, ``"RENAME COLUMN"``, ``"RENAME TO"``, ``"ADD CONSTRAINT"``…
    action: str
    #: The column / constraint / index it acts on (the new name for ``RENAME TO``).
    name: str | None
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement of the script."""

    text: str
    #: 1-based line of the statement's first token.
    line: int
    #: 1-based line of its last token.
    end_line: int
    #: Normalised verb: ``"CREATE TABLE"``, ``"DROP DATABASE"``, ``"DELETE"``… ("" = unknown).
    verb: str
    #: The object acted on, quotes removed (``"public.users"``); None when there is none.
    target: str | None
    #: ``True``/``False`` for DELETE and UPDATE: whether a top-level WHERE is present.
    has_where: bool | None
    #: False when the tree-sitter grammar found errors in the statement.
    parsed_ok: bool
    #: ``"up"`` or ``"down"`` (migration direction).
    direction: str = UP
    #: Every object named, for statements that take several (``DROP TABLE a, b``).
    targets: tuple[str, ...] = ()
    #: The table affected: the target for table statements, ``ON`` table for indexes,
    #: triggers and policies, the table of a GRANT on a table.
    table: str | None = None
    #: Bare words of the statement, upper-cased (keywords and unquoted names, not strings).
    words: tuple[str, ...] = ()
    alter_actions: tuple[AlterAction, ...] = ()
    #: Comments right before the statement (``-- squawk-ignore``-style annotations).
    leading_comments: tuple[str, ...] = ()
    #: 0-based position in the script.
    index: int = 0

    def has_word(self, *words: str) -> bool:
        """True when any of the (upper-case) words appears as a bare word."""
        return any(w in self.words for w in words)

    @property
    def is_transaction_control(self) -> bool:
        """BEGIN / COMMIT / ROLLBACK and friends."""
        return self.verb in TRANSACTION_VERBS


@dataclass(frozen=True, slots=True)
class SqlScript:
    """A parsed SQL file: its statements in order."""

    kind: ClassVar[InputKind] = InputKind.SQL

    path: str
    statements: tuple[Statement, ...]
    #: Direction implied by the path (statements may override it through markers).
    direction: str = UP
    #: True when the file has migration direction markers.
    has_direction_markers: bool = False
    #: ``"mysql"`` when MySQL syntax was seen (backticks, ``#`` comments…), else ``""``.
    dialect: str = ""
    problems: tuple[Problem, ...] = ()
    #: New-side lines the change touches when this file came from a diff (None: the whole
    #: file is under review).
    changed_lines: frozenset[int] | None = None
    #: The file before the change (parsed on first use), when it came from a diff.
    previous: Lazy[SqlScript | None] | None = field(default=None, compare=False, repr=False)
    #: The diff this file came from, when it did.
    origin: str | None = None

    def touches(self, start: int | None, end: int | None = None) -> bool:
        """True when lines ``start``..``end`` are part of the change under review."""
        return lines_touched(self.changed_lines, start, end)

    def before(self) -> SqlScript | None:
        """The file before the change, when it came from a diff and existed before."""
        return self.previous.get() if self.previous is not None else None

    @property
    def up_statements(self) -> tuple[Statement, ...]:
        """Statements that run when migrating up."""
        return tuple(s for s in self.statements if s.direction == UP)

    @property
    def down_statements(self) -> tuple[Statement, ...]:
        """Statements that run when migrating down."""
        return tuple(s for s in self.statements if s.direction == DOWN)

    def by_verb(self, *verbs: str) -> tuple[Statement, ...]:
        """Statements whose verb is one of ``verbs``."""
        return tuple(s for s in self.statements if s.verb in verbs)

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        down = len(self.down_statements)
        extra = f" ({down} in the down direction)" if down and down != len(self.statements) else ""
        return f"SQL script with {len(self.statements)} statements{extra}"


# Lexing ---------------------------------------------------------------------------------

WORD, QIDENT, STRING, NUMBER, PUNCT, PARAM = "word", "qident", "string", "number", "punct", "param"


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    #: WORD: upper-cased; QIDENT/STRING: content without quotes; others: the text.
    value: str
    start: int
    end: int
    depth: int


@dataclass(slots=True)
class _RawStatement:
    tokens: list[_Tok] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    direction: str = UP



def quoted_end(text: str, start: int, quote: str, backslash: bool) -> int | None:
    """End offset of the quoted run opening at ``text[start]``, None when it never closes.

    A doubled quote is an escaped quote; with ``backslash`` a backslash escapes the next
    character (``E'…'`` strings, MySQL).
    """
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return None


def _first_word(text: str) -> str:
    """The first whitespace-separated word of ``text`` (clipped), or the clipped text."""
    words = text.split(None, 1)
    return (words[0] if words else text)[:40]

def _direction_from_path(path: str) -> str:
    norm = path.replace("\\", "/").lower()
    name = PurePosixPath(norm).name
    if name.endswith((".down.sql", "_down.sql", "-down.sql")) or name == "down.sql":
        return DOWN
    if "/down/" in f"/{norm}":
        return DOWN
    if re.match(r"u\d[\w.]*__", name):  # Flyway undo migration
        return DOWN
    return UP


class _Lexer:
    """Splits SQL text into statements of tokens."""

    def __init__(self, text: str, path: str, direction: str, mysql: bool) -> None:
        self.text = text
        self.path = path
        self.mysql = mysql
        self.direction = direction
        self.statements: list[_RawStatement] = []
        self.problems: list[Problem] = []
        self.current = _RawStatement(direction=direction)
        self.pending_comments: list[str] = []
        self.delimiter = ";"
        self.in_block = False  # between goose StatementBegin and StatementEnd
        self.depth = 0
        self.markers = False
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def finish_statement(self) -> None:
        tokens = self.current.tokens
        while tokens and tokens[-1].kind == PUNCT and tokens[-1].value == ";":
            tokens.pop()  # the end of a StatementBegin/StatementEnd block
        if self.current.tokens:
            self.statements.append(self.current)
        else:
            self.pending_comments.extend(self.current.comments)
        self.current = _RawStatement(direction=self.direction)
        self.depth = 0

    def add(self, kind: str, value: str, start: int, end: int) -> None:
        if not self.current.tokens:
            self.current.comments = self.pending_comments + self.current.comments
            self.pending_comments = []
        self.current.tokens.append(_Tok(kind, value, start, end, self.depth))

    def comment(self, body: str) -> None:
        stripped = body.strip()
        for pattern, direction in _MARKERS:
            if pattern.match(stripped):
                self.finish_statement()
                self.direction = direction
                self.current.direction = direction
                self.markers = True
                return
        if _STATEMENT_BEGIN.match(stripped):
            self.finish_statement()
            self.in_block = True
            return
        if _STATEMENT_END.match(stripped):
            self.in_block = False
            self.finish_statement()
            return
        if self.current.tokens:
            self.current.comments.append(stripped)
        else:
            self.pending_comments.append(stripped)

    def unterminated(self, what: str, start: int) -> int:
        self.problems.append(Problem(
            self.path, f"unterminated {what} starting at line {self.line(start)}; the rest of the "
                       "file was read as part of one statement", ProblemLevel.ERROR,
            line=self.line(start)))
        return len(self.text)

    def quoted(self, start: int, quote: str, backslash: bool) -> int:
        """End offset of a quoted run starting at ``start`` (the opening quote)."""
        end = quoted_end(self.text, start, quote, backslash)
        if end is not None:
            return end
        return self.unterminated("quoted text" if quote != "'" else "string", start)

    def block_comment(self, start: int) -> int:
        text = self.text
        depth = 0
        i = start
        n = len(text)
        while i < n:
            if text.startswith("/*", i):
                depth += 1
                i += 2
            elif text.startswith("*/", i):
                depth -= 1
                i += 2
                if depth == 0 or self.mysql:
                    return i
            else:
                i += 1
        return self.unterminated("/* comment", start)

    def at_line_start(self, i: int) -> bool:
        j = i - 1
        while j >= 0 and self.text[j] in " \t":
            j -= 1
        return j < 0 or self.text[j] == "\n"

    def run(self) -> None:
        text = self.text
        n = len(text)
        i = 0
        while i < n:
            ch = text[i]
            if ch in " \t\r\n\f\v":
                i += 1
                continue
            if not self.current.tokens and self.at_line_start(i):
                m = _DELIMITER_CMD.match(text, i)
                if m:
                    self.delimiter = m.group(1)
                    self.mysql = True
                    i = m.end()
                    continue
                if ch == "\\":  # psql meta-command, e.g. \connect
                    end = text.find("\n", i)
                    end = n if end < 0 else end
                    self.problems.append(Problem(
                        self.path, f"psql meta-command {_first_word(text[i:end])!r} was not "
                                   "reviewed", ProblemLevel.NOTE, line=self.line(i)))
                    i = end
                    continue
            if not self.in_block and text.startswith(self.delimiter, i):
                self.finish_statement()
                i += len(self.delimiter)
                continue
            if text.startswith("--", i) or (self.mysql and ch == "#"):
                end = text.find("\n", i)
                end = n if end < 0 else end
                self.comment(text[i:end])
                i = end
                continue
            if text.startswith("/*", i):
                end = self.block_comment(i)
                body = text[i:end]
                if body.startswith("/*!"):
                    self.mysql = True
                self.comment(body)
                i = end
                continue
            if ch == "'":
                prev = self.current.tokens[-1] if self.current.tokens else None
                escape = self.mysql or (
                    prev is not None and prev.kind == WORD and prev.value == "E"
                    and prev.end == i)
                end = self.quoted(i, "'", escape)
                self.add(STRING, text[i + 1:end - 1], i, end)
                i = end
                continue
            if ch in ('"', "`"):
                end = self.quoted(i, ch, self.mysql)
                if ch == "`":
                    self.mysql = True
                self.add(QIDENT, text[i + 1:end - 1].replace(ch * 2, ch), i, end)
                i = end
                continue
            if ch == "$":
                m = _DOLLAR_TAG.match(text, i)
                if m:
                    tag = m.group(0)
                    close = text.find(tag, m.end())
                    end = self.unterminated(f"{tag} quoted body", i) if close < 0 \
                        else close + len(tag)
                    self.add(STRING, text[m.end():close if close >= 0 else n], i, end)
                    i = end
                    continue
                m = _PARAM.match(text, i)
                if m:
                    self.add(PARAM, m.group(0), i, m.end())
                    i = m.end()
                    continue
            if _IDENT_START.match(ch):
                m = _IDENT.match(text, i)
                end = m.end() if m is not None else i + 1
                self.add(WORD, text[i:end].upper(), i, end)
                i = end
                continue
            m = _NUMBER.match(text, i)
            if m and m.group(0):
                self.add(NUMBER, m.group(0), i, m.end())
                i = m.end()
                continue
            if ch == "(":
                self.add(PUNCT, ch, i, i + 1)
                self.depth += 1
            elif ch == ")":
                self.depth = max(0, self.depth - 1)
                self.add(PUNCT, ch, i, i + 1)
            else:
                self.add(PUNCT, ch, i, i + 1)
            i += 1
        if self.in_block:
            self.problems.append(Problem(self.path, "StatementBegin without StatementEnd",
                                         ProblemLevel.NOTE))
        self.finish_statement()


# Classification -------------------------------------------------------------------------


def _is_name(tok: _Tok | None) -> bool:
    return tok is not None and tok.kind in (WORD, QIDENT)


class _Reader:
    """Reads verb, targets and ALTER TABLE actions from one statement's tokens."""

    def __init__(self, tokens: list[_Tok], text: str, line_of: Callable[[int], int]) -> None:
        self.toks = tokens
        self.text = text
        self.line_of = line_of
        self.base = tokens[0].depth if tokens else 0

    def tok(self, i: int) -> _Tok | None:
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def word(self, i: int) -> str:
        t = self.tok(i)
        return t.value if t is not None and t.kind == WORD else ""

    def is_punct(self, i: int, char: str) -> bool:
        t = self.tok(i)
        return t is not None and t.kind == PUNCT and t.value == char

    def skip_words(self, i: int, *seqs: tuple[str, ...]) -> int:
        """Skip any of the word sequences (repeatedly) starting at ``i``."""
        moved = True
        while moved:
            moved = False
            for seq in seqs:
                if all(self.word(i + k) == w for k, w in enumerate(seq)):
                    i += len(seq)
                    moved = True
        return i

    def name(self, i: int) -> tuple[str | None, int]:
        """A possibly qualified name at ``i`` (``schema.table``), quotes removed."""
        tok = self.tok(i)
        if tok is None or not _is_name(tok):
            return None, i
        parts = [self.text[tok.start:tok.end] if tok.kind == WORD else tok.value]
        i += 1
        while self.is_punct(i, ".") and _is_name(self.tok(i + 1)):
            nxt = self.toks[i + 1]
            parts.append(self.text[nxt.start:nxt.end] if nxt.kind == WORD else nxt.value)
            i += 2
        return ".".join(parts), i

    def skip_parens(self, i: int) -> int:
        """Skip a parenthesised group starting at ``i`` (if any)."""
        if not self.is_punct(i, "("):
            return i
        depth = self.toks[i].depth
        i += 1
        while i < len(self.toks) and not (self.is_punct(i, ")") and self.toks[i].depth == depth):
            i += 1
        return i + 1

    def names_list(self, i: int, stop: frozenset[str] = frozenset()) -> tuple[list[str], int]:
        """Comma-separated names (each may carry a parenthesised signature or ``*``)."""
        out: list[str] = []
        while True:
            if self.word(i) in stop:
                break
            name, j = self.name(i)
            if name is None:
                break
            out.append(name)
            j = self.skip_parens(j)
            if self.is_punct(j, "*"):
                j += 1
            if not self.is_punct(j, ","):
                return out, j
            i = j + 1
        return out, i

    def object_type(self, i: int) -> tuple[str, int]:
        for seq in _OBJECT_TYPES:
            if all(self.word(i + k) == w for k, w in enumerate(seq)):
                return " ".join(seq), i + len(seq)
        return "", i

    def main_verb_index(self) -> int:
        """Index of the main verb after a ``WITH`` clause (or 0)."""
        i = 0
        while self.is_punct(i, "("):
            i += 1
        if self.word(i) != "WITH":
            return i
        for j in range(i + 1, len(self.toks)):
            tok = self.toks[j]
            if tok.depth == self.toks[i].depth and tok.kind == WORD and tok.value in (
                    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"):
                return j
        return i

    def has_where(self, start: int) -> bool:
        depth = self.toks[start].depth
        return any(t.kind == WORD and t.value == "WHERE" and t.depth == depth
                   for t in self.toks[start:])

    # per verb ------------------------------------------------------------------------

    def create(self, i: int) -> tuple[str, list[str], str | None]:
        i += 1
        while True:
            w = self.word(i)
            if w in _CREATE_MODIFIERS or (w == "ALTER" and self.word(i - 1) == "OR"):
                i += 1
            elif w in ("DEFINER", "ALGORITHM") and self.is_punct(i + 1, "="):
                i += 2
                _, i = self.name(i)
                if self.is_punct(i, "@"):
                    _, i = self.name(i + 1)
            elif w == "SQL" and self.word(i + 1) == "SECURITY":
                i += 3
            else:
                break
        otype, i = self.object_type(i)
        if not otype:
            otype = self.word(i)
            i += 1
        verb = f"CREATE {otype}".strip()
        i = self.skip_words(i, ("IF", "NOT", "EXISTS"), ("CONCURRENTLY",))
        if otype == "INDEX":
            name: str | None = None
            if self.word(i) != "ON":
                name, i = self.name(i)
                i = self.skip_words(i, ("IF", "NOT", "EXISTS"))
            table = self.on_table(i)
            return verb, [name] if name else ([table] if table else []), table
        name, i = self.name(i)
        names = [name] if name else []
        if otype in ("TRIGGER", "POLICY", "RULE", "EVENT TRIGGER"):
            return verb, names, self.on_table(i)
        if otype in ("TABLE", "FOREIGN TABLE"):
            return verb, names, name
        return verb, names, None

    def on_table(self, i: int) -> str | None:
        """The table after the first ``ON`` (or ``TO`` for rules) from ``i``."""
        for j in range(i, len(self.toks)):
            if self.word(j) in ("ON", "TO") and self.toks[j].depth == self.base:
                k = self.skip_words(j + 1, ("ONLY",), ("TABLE",))
                name, _ = self.name(k)
                if name is not None and name.upper() not in ("UPDATE", "INSERT", "DELETE",
                                                              "SELECT", "ALL", "TRUNCATE"):
                    return name
        return None

    def alter(self, i: int) -> tuple[str, list[str], str | None, list[AlterAction]]:
        i = self.skip_words(i + 1, ("ONLINE",), ("IGNORE",))
        otype, i = self.object_type(i)
        if not otype:
            otype = self.word(i)
            i += 1
        verb = f"ALTER {otype}".strip()
        i = self.skip_words(i, ("IF", "EXISTS"), ("ONLY",))
        if otype == "DEFAULT PRIVILEGES":
            return verb, [], None, []
        name, i = self.name(i)
        if self.is_punct(i, "*"):
            i += 1
        if otype != "TABLE":
            return verb, [name] if name else [], None, []
        return verb, [name] if name else [], name, self.alter_actions(i)

    def alter_actions(self, i: int) -> list[AlterAction]:
        groups: list[list[_Tok]] = [[]]
        for tok in self.toks[i:]:
            if tok.kind == PUNCT and tok.value == "," and tok.depth == self.base:
                groups.append([])
            else:
                groups[-1].append(tok)
        actions: list[AlterAction] = []
        for group in groups:
            if group:
                actions.append(self.alter_action(group))
        return actions

    def alter_action(self, group: list[_Tok]) -> AlterAction:
        sub = _Reader(group, self.text, self.line_of)
        w0, w1 = sub.word(0), sub.word(1)
        action = " ".join(w for w in (w0, w1) if w) or "?"
        name: str | None = None
        if w0 == "ADD":
            if w1 == "COLUMN":
                action, (name, _) = "ADD COLUMN", sub.name(sub.skip_words(2, ("IF", "NOT",
                                                                              "EXISTS")))
            elif w1 == "CONSTRAINT":
                action, (name, _) = "ADD CONSTRAINT", sub.name(2)
            elif w1 in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE"):
                action = "ADD CONSTRAINT"
            elif w1 in ("INDEX", "KEY", "FULLTEXT", "SPATIAL"):
                action = "ADD INDEX"
                j = sub.skip_words(2, ("INDEX",), ("KEY",))
                if not sub.is_punct(j, "("):
                    name, _ = sub.name(j)
            elif w1 == "PARTITION":
                action = "ADD PARTITION"
            else:
                action, (name, _) = "ADD COLUMN", sub.name(sub.skip_words(1, ("IF", "NOT",
                                                                              "EXISTS")))
        elif w0 == "DROP":
            kinds = {"COLUMN": "DROP COLUMN", "CONSTRAINT": "DROP CONSTRAINT",
                     "INDEX": "DROP INDEX", "KEY": "DROP INDEX", "PARTITION": "DROP PARTITION",
                     "CHECK": "DROP CONSTRAINT"}
            if w1 == "PRIMARY":
                action = "DROP PRIMARY KEY"
            elif w1 == "FOREIGN":
                action, (name, _) = "DROP FOREIGN KEY", sub.name(3)
            elif w1 in kinds:
                action = kinds[w1]
                name, _ = sub.name(sub.skip_words(2, ("IF", "EXISTS")))
            elif w1 in ("DEFAULT", "NOT"):
                action = "DROP " + ("DEFAULT" if w1 == "DEFAULT" else "NOT NULL")
            else:
                action = "DROP COLUMN"
                name, _ = sub.name(sub.skip_words(1, ("IF", "EXISTS")))
        elif w0 == "ALTER":
            if w1 == "CONSTRAINT":
                action, (name, _) = "ALTER CONSTRAINT", sub.name(2)
            else:
                j = sub.skip_words(1, ("COLUMN",))
                name, j = sub.name(j)
                rest = [sub.word(k) for k in range(j, j + 3)]
                if rest[0] == "TYPE" or rest[:3] == ["SET", "DATA", "TYPE"]:
                    action = "ALTER COLUMN TYPE"
                elif rest[:3] == ["SET", "NOT", "NULL"]:
                    action = "SET NOT NULL"
                elif rest[:3] == ["DROP", "NOT", "NULL"]:
                    action = "DROP NOT NULL"
                elif rest[:2] == ["SET", "DEFAULT"]:
                    action = "SET DEFAULT"
                elif rest[:2] == ["DROP", "DEFAULT"]:
                    action = "DROP DEFAULT"
                else:
                    action = "ALTER COLUMN"
        elif w0 == "RENAME":
            if w1 in ("TO", "AS"):
                action, (name, _) = "RENAME TO", sub.name(2)
            elif w1 in ("CONSTRAINT", "INDEX", "KEY"):
                action = f"RENAME {'CONSTRAINT' if w1 == 'CONSTRAINT' else 'INDEX'}"
                name, _ = sub.name(2)
            else:
                action = "RENAME COLUMN"
                name, _ = sub.name(sub.skip_words(1, ("COLUMN",)))
        elif w0 in ("MODIFY", "CHANGE"):
            action = f"{w0} COLUMN"
            name, _ = sub.name(sub.skip_words(1, ("COLUMN",)))
        elif w0 in ("VALIDATE", "ATTACH", "DETACH") or (w0, w1) in (("SET", "SCHEMA"),
                                                                    ("OWNER", "TO")):
            name, _ = sub.name(2)
        start, end = group[0].start, group[-1].end
        return AlterAction(action=action, name=name, text=self.text[start:end],
                           line=self.line_of(start))

    def drop(self, i: int) -> tuple[str, list[str], str | None]:
        i = self.skip_words(i + 1, ("TEMPORARY",))
        otype, i = self.object_type(i)
        if not otype:
            otype = self.word(i)
            i += 1
        verb = f"DROP {otype}".strip()
        i = self.skip_words(i, ("CONCURRENTLY",), ("IF", "EXISTS"))
        names, i = self.names_list(i)
        table: str | None = None
        if otype in ("TABLE", "FOREIGN TABLE"):
            table = names[0] if names else None
        elif otype in ("INDEX", "TRIGGER", "POLICY", "RULE") and self.word(i) == "ON":
            table, _ = self.name(self.skip_words(i + 1, ("ONLY",)))
        return verb, names, table

    def grant(self, i: int, verb: str) -> tuple[str, list[str], str | None]:
        end_word = "TO" if verb == "GRANT" else "FROM"
        for j in range(i + 1, len(self.toks)):
            w = self.word(j)
            if w == end_word and self.toks[j].depth == self.base:
                break
            if w == "ON" and self.toks[j].depth == self.base:
                k = self.skip_words(j + 1, ("ALL", "TABLES", "IN", "SCHEMA"),
                                    ("ALL", "SEQUENCES", "IN", "SCHEMA"),
                                    ("ALL", "FUNCTIONS", "IN", "SCHEMA"),
                                    ("ALL", "PROCEDURES", "IN", "SCHEMA"),
                                    ("ALL", "ROUTINES", "IN", "SCHEMA"))
                on_table = k == j + 1 or self.word(j + 1) == "TABLE"
                k = self.skip_words(k, ("TABLE",), ("SCHEMA",), ("DATABASE",), ("SEQUENCE",),
                                    ("FUNCTION",), ("PROCEDURE",), ("ROUTINE",),
                                    ("FOREIGN", "TABLE"), ("TYPE",), ("DOMAIN",), ("LANGUAGE",),
                                    ("TABLESPACE",), ("LARGE", "OBJECT"))
                names, _ = self.names_list(k, frozenset({end_word}))
                table = names[0] if names and on_table else None
                return verb, names, table
        # GRANT role TO user: the role is the target
        k = self.skip_words(i + 1, ("GRANT", "OPTION", "FOR"), ("ADMIN", "OPTION", "FOR"))
        names, _ = self.names_list(k, frozenset({end_word}))
        return verb, names, None

    def classify(self) -> tuple[str, list[str], str | None, list[AlterAction], bool | None]:
        """(verb, targets, table, alter actions, has_where) of the statement."""
        i = self.main_verb_index()
        w = self.word(i)
        if not w or w not in _COMMANDS:
            return "", [], None, [], None
        if w == "CREATE":
            verb, names, table = self.create(i)
            return verb, names, table, [], None
        if w == "ALTER":
            verb, names, table, actions = self.alter(i)
            return verb, names, table, actions, None
        if w == "DROP":
            verb, names, table = self.drop(i)
            return verb, names, table, [], None
        if w == "TRUNCATE":
            names, _ = self.names_list(self.skip_words(i + 1, ("TABLE",), ("ONLY",)))
            return "TRUNCATE", names, names[0] if names else None, [], None
        if w == "DELETE":
            j = self.skip_words(i + 1, ("LOW_PRIORITY",), ("QUICK",), ("IGNORE",))
            if self.word(j) != "FROM":  # MySQL multi-table: DELETE t1 FROM t1 JOIN …
                j = next((k for k in range(j, len(self.toks)) if self.word(k) == "FROM"), j)
            name, _ = self.name(self.skip_words(j, ("FROM",), ("ONLY",)))
            names = [name] if name else []
            return "DELETE", names, name, [], self.has_where(i)
        if w == "UPDATE":
            j = self.skip_words(i + 1, ("LOW_PRIORITY",), ("IGNORE",), ("ONLY",))
            name, _ = self.name(j)
            names = [name] if name else []
            return "UPDATE", names, name, [], self.has_where(i)
        if w in ("INSERT", "REPLACE", "UPSERT", "MERGE"):
            j = self.skip_words(i + 1, ("LOW_PRIORITY",), ("DELAYED",), ("HIGH_PRIORITY",),
                                ("IGNORE",), ("INTO",), ("OVERWRITE",), ("TABLE",))
            name, _ = self.name(j)
            names = [name] if name else []
            return w, names, name, [], None
        if w in ("GRANT", "REVOKE"):
            verb, names, table = self.grant(i, w)
            return verb, names, table, [], None
        if w == "COMMENT" and self.word(i + 1) == "ON":
            _, j = self.object_type(i + 2)
            j = self.skip_words(j, ("COLUMN",))
            name, _ = self.name(j)
            return "COMMENT ON", [name] if name else [], None, [], None
        if w == "RENAME":
            otype, j = self.object_type(i + 1)
            name, _ = self.name(j)
            return f"RENAME {otype}".strip(), [name] if name else [], \
                name if otype == "TABLE" else None, [], None
        if w in ("BEGIN", "START"):
            return ("START TRANSACTION" if w == "START" else "BEGIN"), [], None, [], None
        if w in ("COMMIT", "END"):
            return "COMMIT", [], None, [], None
        if w in ("ROLLBACK", "ABORT"):
            return "ROLLBACK", [], None, [], None
        if w == "REFRESH":
            j = self.skip_words(i + 1, ("MATERIALIZED",), ("VIEW",), ("CONCURRENTLY",))
            name, _ = self.name(j)
            return "REFRESH MATERIALIZED VIEW", [name] if name else [], None, [], None
        if w in ("SET", "RESET", "SHOW"):
            name, _ = self.name(self.skip_words(i + 1, ("LOCAL",), ("SESSION",), ("GLOBAL",)))
            return w, [name] if name else [], None, [], None
        if w in ("VACUUM", "ANALYZE", "ANALYSE", "REINDEX", "CLUSTER", "LOCK", "OPTIMIZE",
                 "CALL", "EXECUTE", "EXEC", "COPY", "USE"):
            j = self.skip_parens(i + 1) if self.is_punct(i + 1, "(") else i + 1
            j = self.skip_words(j, ("FULL",), ("FREEZE",), ("VERBOSE",), ("ANALYZE",),
                                ("TABLE",), ("INDEX",), ("SCHEMA",), ("DATABASE",), ("SYSTEM",),
                                ("CONCURRENTLY",), ("TABLES",), ("ONLY",), ("NO_WRITE_TO_BINLOG",),
                                ("LOCAL",))
            if self.is_punct(j, "("):
                j = self.skip_parens(j)
            name, _ = self.name(j)
            verb = {"ANALYSE": "ANALYZE", "EXEC": "EXECUTE", "LOCK": "LOCK TABLE",
                    "OPTIMIZE": "OPTIMIZE TABLE"}.get(w, w)
            table = name if w in ("VACUUM", "ANALYZE", "ANALYSE", "CLUSTER", "LOCK", "OPTIMIZE",
                                  "COPY") else None
            return verb, [name] if name else [], table, [], None
        if w == "SELECT":
            for j in range(i + 1, len(self.toks)):
                if self.word(j) == "FROM" and self.toks[j].depth == self.toks[i].depth:
                    name, _ = self.name(j + 1)
                    if name:
                        return "SELECT", [name], name, [], None
                    break
            return "SELECT", [], None, [], None
        return w, [], None, [], None


# Entry point -----------------------------------------------------------------------------


def _grammar_check(parser: Parser, text: str) -> tuple[bool, str | None]:
    """Whether tree-sitter parses the statement cleanly, and the first object it names."""
    tree = parser.parse(text.encode("utf-8"))
    root = tree.root_node
    ok = not root.has_error
    first: str | None = None
    stack = [root]
    while stack and first is None:
        node = stack.pop()
        if node.type == "object_reference" and node.text is not None:
            first = node.text.decode("utf-8", "replace").replace('"', "").replace("`", "")
            break
        stack.extend(reversed(node.children))
    return ok, first


def _looks_mysql(text: str, path: str) -> bool:
    if path.lower().endswith(".mysql"):
        return True
    return "`" in text or re.search(r"\bENGINE\s*=\s*\w+", text, re.I) is not None \
        or re.search(r"^\s*DELIMITER\s", text, re.I | re.M) is not None


def parse_sql(text: str, path: str) -> SqlScript:
    """Parse a SQL script or migration into statements.

    Raises:
        ParseError: the text is not SQL at all (binary, or no statement starts with a
            SQL keyword).
    """
    if "\x00" in text:
        raise ParseError(path, "not SQL: contains NUL bytes", kind=_KIND)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    direction = _direction_from_path(path)
    mysql = _looks_mysql(text, path)
    lexer = _Lexer(text, path, direction, mysql)
    lexer.run()
    problems = list(lexer.problems)
    grammar = ts_parser("sql")
    statements: list[Statement] = []
    unparsed: list[int] = []
    for index, raw in enumerate(lexer.statements):
        first, last = raw.tokens[0], raw.tokens[-1]
        stmt_text = text[first.start:last.end]
        reader = _Reader(raw.tokens, text, lexer.line)
        verb, targets, table, actions, has_where = reader.classify()
        try:
            parsed_ok, ts_target = _grammar_check(grammar, stmt_text)
        except (ValueError, RecursionError):  # pragma: no cover - defensive
            parsed_ok, ts_target = False, None
        if not targets and ts_target and verb and verb not in TRANSACTION_VERBS and verb not in (
                "SET", "RESET", "SHOW", "DO"):
            targets = [ts_target]
        line = lexer.line(first.start)
        if not verb:
            problems.append(Problem(
                path, f"statement at line {line} could not be understood (starts with "
                      f"{_first_word(stmt_text)!r}); it was not reviewed",
                ProblemLevel.ERROR, line=line))
        elif not parsed_ok and verb not in TRANSACTION_VERBS:
            unparsed.append(line)
        statements.append(Statement(
            text=stmt_text,
            line=line,
            end_line=lexer.line(last.end - 1),
            verb=verb,
            target=targets[0] if targets else None,
            has_where=has_where if verb in WHERE_VERBS else None,
            parsed_ok=parsed_ok,
            direction=raw.direction,
            targets=tuple(targets),
            table=table,
            words=tuple(t.value for t in raw.tokens if t.kind == WORD),
            alter_actions=tuple(actions),
            leading_comments=tuple(raw.comments),
            index=index,
        ))
    if statements and not any(s.verb for s in statements):
        raise ParseError(path, "not SQL: no statement starts with a SQL keyword "
                               f"(first: {_first_word(statements[0].text)!r})",
                         kind=_KIND, line=statements[0].line)
    if unparsed:
        shown = ", ".join(str(n) for n in unparsed[:10]) + (", …" if len(unparsed) > 10 else "")
        problems.append(Problem(
            path, f"{len(unparsed)} statement(s) use syntax the SQL grammar does not know "
                  f"(lines {shown}); their verb and target were read from tokens",
            ProblemLevel.NOTE, line=unparsed[0]))
    if not statements:
        problems.append(Problem(path, "no SQL statements found (nothing to review)",
                                ProblemLevel.NOTE))
    return SqlScript(path=path, statements=tuple(statements), direction=direction,
                     has_direction_markers=lexer.markers, dialect="mysql" if lexer.mysql else "",
                     problems=tuple(problems))

"""SQL008: DELETE or UPDATE with no WHERE clause touches every row of a table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    WORD,
    Cursor,
    Script,
    evidence,
    judged,
    key,
    location,
    tokenize,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript, Statement

_TAUTOLOGY = re.compile(
    r"\bWHERE\s+(?:TRUE|1|1\s*=\s*1|'([^']*)'\s*=\s*'\1')\s*(?:$|;|\bRETURNING\b|\bLIMIT\b"
    r"|\bORDER\b)", re.I)
_CTE_DML = re.compile(r"\(\s*(?:DELETE|UPDATE)\b", re.I)


@dataclass(frozen=True, slots=True)
class _Dml:
    verb: str
    table: str | None
    line: int
    why: str  # "no WHERE clause" / "WHERE true"…
    limited: bool


class UnboundedDml(Detector[SqlScript]):
    """A DELETE or UPDATE has no WHERE clause (or an always-true one) and hits every row.

    ## What it detects
    `DELETE` (`critical`) and `UPDATE` (`high`) in the up direction of a script or migration
    whose top-level `WHERE` is missing or always true (`WHERE 1=1`, `WHERE true`), including
    data-modifying CTEs (`WITH gone AS (DELETE FROM t RETURNING *) …`) and statements inside
    `DO` blocks. A `WHERE` that only appears inside a CTE or subquery does not bound the
    statement; a MySQL multi-table `… JOIN … ON` does. Reported lower: `LIMIT`-only batches
    (`medium`), tables emptied and re-filled in the same file (a lookup table being reset:
    `medium`), test fixtures and seed scripts (`low`). Tables created earlier in the same file
    and the down direction are not reported.

    ## Why is this risky?
    Every row is deleted or overwritten in one statement. A missing WHERE is the classic
    one-character mistake that wipes a table, and in a migration it runs unattended on every
    environment, production included; only a backup restore brings the rows back.

    ## Example
    ```sql
    WITH expired AS (SELECT id FROM sessions WHERE expires_at < now())
    DELETE FROM sessions;
    ```

    ## Safer alternative
    Bound the statement with a WHERE on the outer DELETE (and batch large deletes):
    ```sql
    DELETE FROM sessions WHERE expires_at < now() - interval '30 days';
    ```

    ## References
    - DCG `database.postgresql:delete-without-where`, `database.mysql:delete-without-where`
    - strong_migrations "backfilling data"
    - incidents reference: SQL-DESTRUCTIVE
    """

    code = "SQL008"
    name = "unbounded-dml"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.CRITICAL
    remediation = (
        "Add a WHERE clause that selects only the intended rows (check the count with a SELECT "
        "first), batch large changes, and take a backup before destructive data fixes."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb in ("DELETE", "UPDATE", "DO") or "DELETE" in s.words
                   or "UPDATE" in s.words for s in doc.statements):
            return
        script = Script(doc)
        for stmt in script.reviewed():
            for dml in _unbounded(script, stmt):
                if dml.table and script.is_new_table(dml.table, stmt.line):
                    continue
                deleting = dml.verb == "DELETE"
                sev = Severity.CRITICAL if deleting else Severity.HIGH
                conf = Confidence.HIGH
                note = ""
                refill = script.refilled(dml.table, stmt.line) if deleting else None
                if dml.limited:
                    sev, conf = Severity.MEDIUM, Confidence.MEDIUM
                    note = " (bounded only by LIMIT: arbitrary rows)"
                elif refill:
                    sev, conf = Severity.MEDIUM, Confidence.MEDIUM
                    note = f"; the table is re-filled at line {refill}"
                sev, conf = judged(script, sev, conf)
                what = "deletes every row of" if deleting else "updates every row of"
                table = dml.table or "a table"
                yield self.finding(
                    f"{dml.verb} with {dml.why} {what} {table}{note}",
                    location(script, dml.line, key(dml.table) or None),
                    evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _unbounded(script: Script, stmt: Statement) -> Iterator[_Dml]:
    if stmt.verb in ("DELETE", "UPDATE"):
        joined = "JOIN" in stmt.words and "ON" in stmt.words and script.mysql
        limited = "LIMIT" in stmt.words
        if stmt.has_where is False and not joined:
            yield _Dml(stmt.verb, stmt.table, stmt.line, "no WHERE clause", limited)
        elif stmt.has_where:
            m = _TAUTOLOGY.search(stmt.text)
            if m:
                cond = " ".join(m.group(0).split()[:4]).rstrip(";")
                yield _Dml(stmt.verb, stmt.table, stmt.line, f"an always-true '{cond}'",
                           limited)
    if _CTE_DML.search(stmt.text):
        yield from _cte_dml(script, stmt)


def _cte_dml(script: Script, stmt: Statement) -> Iterator[_Dml]:
    """DELETE/UPDATE that open a parenthesised group (data-modifying CTEs) without WHERE."""
    toks = tokenize(stmt.text, script.mysql)
    cur = Cursor(toks)
    for i, t in enumerate(toks):
        if t.kind != WORD or t.value not in ("DELETE", "UPDATE") or not cur.punct(i - 1, "("):
            continue
        depth = t.depth
        bounded = False
        j = i + 1
        while j < len(toks) and toks[j].depth >= depth:
            if toks[j].depth == depth and cur.word(j) == "WHERE":
                bounded = True
                break
            j += 1
        if bounded:
            continue
        k = cur.skip(i + 1, ("FROM",), ("ONLY",))
        table, _ = cur.name(k)
        yield _Dml(t.value, table, stmt.line + stmt.text[:t.start].count("\n"),
                   "no WHERE clause (inside a CTE)", False)


"""SQL006: NOT NULL is imposed on an existing column, or a required column has no default."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    Script,
    action_cursor,
    added_column,
    bare,
    evidence,
    judged,
    location,
    qualified,
    table_constraint,
)
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.sql import AlterAction, SqlScript, Statement


class NotNullAdded(Detector[SqlScript]):
    """A NOT NULL constraint is added to an existing column, or a NOT NULL column without a default.

    ## What it detects
    On tables the file did not create, in the up direction:
    - `ALTER COLUMN c SET NOT NULL`, unless the file first proves the column has no NULLs the
      cheap way: a `CHECK (c IS NOT NULL) NOT VALID` constraint followed by `VALIDATE
      CONSTRAINT` (PostgreSQL 12+ then skips the scan), or the last step of that pattern (the
      check constraint, named after the column, dropped right after `SET NOT NULL`);
    - `ADD COLUMN c … NOT NULL` with no `DEFAULT` (identity, serial, generated and primary-key
      columns are filled by the database and are not reported).

    MySQL `MODIFY … NOT NULL` is a column redefinition and is reported by SQL005.

    ## Why is this risky?
    `SET NOT NULL` scans the whole table under an `ACCESS EXCLUSIVE` lock, blocking every read
    and write, and fails if a single row is NULL. Adding a required column without a default
    fails outright on a table that has rows (PostgreSQL, SQLite), and inserts from the code
    still running, which does not know the column, start failing.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    ```

    ## Safer alternative
    Add the rule as a `NOT VALID` check, validate it (a scan that does not block writes), then
    set NOT NULL, which PostgreSQL 12+ accepts without a scan:
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null
        CHECK (customer_id IS NOT NULL) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;
    ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
    ```

    ## References
    - squawk `adding-not-nullable-field`, `adding-required-field`
    - Atlas `MF103`, `MF104`, `PG303`; strong_migrations `change_column_null`
    - django-migration-linter `NOT_NULL`
    """

    code = "SQL006"
    name = "not-null-added"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.HIGH
    remediation = (
        "Give new required columns a DEFAULT; for existing columns add CHECK (col IS NOT NULL) "
        "NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan)."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any((s.verb == "ALTER TABLE" and any(
                a.action in ("SET NOT NULL", "ADD COLUMN") for a in s.alter_actions))
                or s.verb == "DO" for s in doc.statements):
            return
        script = Script(doc)
        facts: dict[str, _TableFacts] | None = None
        for stmt in script.reviewed():
            if stmt.verb != "ALTER TABLE" or not stmt.table:
                continue
            if script.is_new_table(stmt.table, stmt.line):
                continue
            for action in stmt.alter_actions:
                if not script.touches_action(action):
                    continue
                if action.action == "SET NOT NULL" and action.name:
                    facts = _facts(script) if facts is None else facts
                    yield from self._set_not_null(script, stmt, action, facts)
                elif action.action == "ADD COLUMN":
                    yield from self._add_column(script, stmt, action)

    def _set_not_null(self, script: Script, stmt: Statement, action: AlterAction,
                      facts: dict[str, _TableFacts]) -> Iterator[Finding]:
        table, column = stmt.table, action.name or ""
        added = script.added_columns.get((bare(table), column.lower()))
        if added is not None and added[1] < action.line:
            return
        if _proven_not_null(facts, table, column, action.line):
            return
        name = qualified(table, column)
        sev, conf = judged(script, self.severity, self.confidence)
        yield self.finding(
            f"Column {name} becomes NOT NULL: the whole table is scanned under an exclusive "
            "lock and the migration fails if any row is NULL",
            location(script, action.line, name), evidence=evidence(stmt.text),
            severity=sev, confidence=conf)

    def _add_column(self, script: Script, stmt: Statement,
                    action: AlterAction) -> Iterator[Finding]:
        col = added_column(action, script.mysql)
        if col is None or not col.not_null or col.generated or col.primary_key:
            return
        if col.default and col.default.upper() != "NULL":
            return
        name = qualified(stmt.table, col.name)
        sev, conf = judged(script, self.severity, self.confidence)
        effect = "existing rows get the type's implicit default" if script.mysql else \
            "it fails on a table with rows"
        yield self.finding(
            f"Column {name} is added NOT NULL without a default: {effect}, and inserts from "
            "code that does not set it fail",
            location(script, action.line, name), evidence=evidence(stmt.text),
            severity=sev, confidence=conf)


_IS_NOT_NULL = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*)\W*\s+is\s+not\s+null", re.I)


class _TableFacts:
    """Per table: NOT NULL checks added, constraints validated, null-checks dropped."""

    def __init__(self) -> None:
        #: column → (constraint name, validated when added, line) of CHECK (col IS NOT NULL)
        self.checks: dict[str, list[tuple[str, bool, int]]] = {}
        self.validated: dict[str, int] = {}
        #: (constraint name, line) of dropped constraints whose name mentions "null"
        self.null_drops: list[tuple[str, int]] = []


def _facts(script: Script) -> dict[str, _TableFacts]:
    """Facts for every table with ALTER TABLE statements (read once per document)."""
    out: dict[str, _TableFacts] = {}
    for table, statements in script.alters_by_table.items():
        facts = _TableFacts()
        for s in statements:
            for a in s.alter_actions:
                if a.action == "ADD CONSTRAINT" and "NULL" in a.text.upper():
                    cur = action_cursor(a, script.mysql)
                    con = table_constraint(a.text, cur, 1, len(cur))
                    if con is not None and con.kind == "check":
                        for col in _IS_NOT_NULL.findall(con.check):
                            facts.checks.setdefault(col.lower(), []).append(
                                ((con.name or "").lower(), not con.not_valid, a.line))
                elif a.action == "VALIDATE CONSTRAINT" and a.name:
                    facts.validated.setdefault(a.name.lower(), a.line)
                elif a.action == "DROP CONSTRAINT" and a.name and "null" in a.name.lower():
                    facts.null_drops.append((a.name.lower(), a.line))
        out[table] = facts
    return out


def _proven_not_null(facts: dict[str, _TableFacts], table: str | None, column: str,
                     line: int) -> bool:
    """The CHECK (col IS NOT NULL) NOT VALID → VALIDATE pattern, in this file."""
    found = facts.get(bare(table))
    if found is None:
        return False
    col = column.lower()
    for name, valid, added in found.checks.get(col, ()):
        if added < line and (valid or found.validated.get(name, line) < line):
            return True
    # the final step of the pattern: the (validated) check is dropped right after
    return any(at >= line and col in name for name, at in found.null_drops)

"""SQL003: a migration drops a column of an existing table."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    Script,
    bare,
    evidence,
    judged,
    location,
    qualified,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript, Statement

#: Comments that document the contract phase of an expand/contract column removal.
_RETIRED = re.compile(
    r"\b(unused|no longer (?:used|read|written|referenced)|not (?:used|read) (?:any ?more|since)"
    r"|ignored_columns|ignored column|expand[/ -]contract|contract phase|deprecated since"
    r"|stopped (?:reading|writing|using))\b", re.I)


class ColumnDropped(Detector[SqlScript]):
    """A migration drops a column of an existing table.

    ## What it detects
    `ALTER TABLE … DROP [COLUMN] name` (PostgreSQL, MySQL, SQLite) in the up direction.
    Not reported: columns of tables created, or columns added, earlier in the same file;
    virtual generated columns defined in the file (they hold no data); statements in the down
    direction. When a comment right above the statement documents the contract phase of an
    expand/contract removal ("unused since v37", "ignored_columns", "no longer read") the
    finding is `medium` (also when the file's header comment says so and names the column):
    the claim still needs checking, but it is the documented safe
    pattern. Test fixtures are reported at `low`.

    ## Why is this risky?
    The column's data is deleted, and every running instance of the application that still
    selects, inserts or maps the column starts failing the moment the migration commits
    (ORMs that cache the column list fail even when the code no longer uses it).

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN legacy_email;
    ```

    ## Safer alternative
    Expand/contract: first make the column optional and deploy code that ignores it (Rails
    `ignored_columns`, Django `SeparateDatabaseAndState`); drop it in a later migration whose
    comment records that:
    ```sql
    -- Expand/contract step 1: the code stops writing legacy_email in this release.
    ALTER TABLE users ALTER COLUMN legacy_email DROP NOT NULL;
    ```

    ## References
    - squawk `ban-drop-column`; Atlas `DS103` (non-virtual column dropped)
    - strong_migrations `remove_column`; django-migration-linter `DROP_COLUMN`
    """

    code = "SQL003"
    name = "column-dropped"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.HIGH
    remediation = (
        "Remove the column in two steps: ship code that no longer reads or writes it (and tell "
        "the ORM to ignore it), then drop it in a later migration after a backup."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb == "ALTER TABLE" or s.verb == "DO" for s in doc.statements):
            return
        script = Script(doc)
        for stmt in script.reviewed():
            if stmt.verb != "ALTER TABLE" or script.is_new_table(stmt.table, stmt.line):
                continue
            for action in stmt.alter_actions:
                if action.action != "DROP COLUMN" or not action.name:
                    continue
                if not script.touches_action(action):
                    continue
                if _new_or_virtual(script, stmt, action.name):
                    continue
                column = qualified(stmt.table, action.name)
                sev, conf = self.severity, self.confidence
                message = f"Migration drops column {column}: its data is deleted and code " \
                          "still using it fails"
                if _documented_retirement(script, stmt, action.name):
                    sev, conf = Severity.MEDIUM, Confidence.MEDIUM
                    message = f"Migration drops column {column} (a comment says it is no " \
                              "longer used; confirm before it ships)"
                sev, conf = judged(script, sev, conf)
                yield self.finding(message, location(script, action.line, column),
                                   evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _new_or_virtual(script: Script, stmt: Statement, column: str) -> bool:
    added = script.added_columns.get((bare(stmt.table), column.lower()))
    if added is not None and added[1] < stmt.line:
        return True
    found = script.table_def(stmt.table)
    if found is not None:
        for col in found[0]:
            if col.name.lower() == column.lower() and col.generated == "virtual":
                return True
    return False


def _documented_retirement(script: Script, stmt: Statement, column: str) -> bool:
    """A comment above the statement, or the file's header naming the column, says it is retired."""
    if any(_RETIRED.search(c) for c in stmt.leading_comments):
        return True
    header = " ".join(script.doc.statements[0].leading_comments) if script.doc.statements else ""
    return bool(_RETIRED.search(header)) and column.lower() in header.lower()

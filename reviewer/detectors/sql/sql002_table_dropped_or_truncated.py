"""SQL002: a migration drops or truncates a table that holds data."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    Script,
    bare,
    evidence,
    judged,
    key,
    location,
    same_object,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript, Statement


class TableDroppedOrTruncated(Detector[SqlScript]):
    """A migration drops or truncates an existing table, deleting all of its rows.

    ## What it detects
    `DROP TABLE` and `TRUNCATE` (every table they name; `CASCADE` is called out, since it
    also empties or drops dependent tables) in the up direction, including SQL inside `DO`
    blocks. Not reported:
    - tables created earlier in the same file (scratch and staging tables);
    - the SQLite table-rebuild pattern: `CREATE TABLE new_t …`, `INSERT INTO new_t … SELECT …
      FROM t`, `DROP TABLE t`, `ALTER TABLE new_t RENAME TO t` (the data is copied first);
    - statements in the down direction.

    A table that is emptied and re-filled in the same file (`TRUNCATE` then `INSERT INTO` the
    same table: a lookup table being reset) is reported at `medium`; `DROP TABLE IF EXISTS t`
    followed by `CREATE TABLE t` (a scratch table, or a dump restore) at `high` with medium
    confidence; test fixtures and seed scripts at `low`.

    ## Why is this risky?
    The rows are gone the moment the migration commits. Code that still reads or writes the
    table fails, and getting the data back means restoring a backup and losing everything
    written since.

    ## Example
    ```sql
    DROP TABLE invoices;
    ```

    ## Safer alternative
    Rename the table (or move it to an archive schema), stop the code using it, and drop it in
    a later migration after a backup:
    ```sql
    ALTER TABLE invoices SET SCHEMA archive;
    ```

    ## References
    - squawk `ban-drop-table`, `ban-truncate-cascade`
    - Atlas `DS102` (table dropped)
    - strong_migrations `create_table` (with `force: true`); django-migration-linter `DROP_TABLE`
    """

    code = "SQL002"
    name = "table-dropped-or-truncated"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.CRITICAL
    remediation = (
        "Take a backup, make sure no code reads or writes the table any more, and drop it in a "
        "separate migration (rename or move it to an archive schema first)."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        verbs = {s.verb for s in doc.statements}
        if not verbs & {"DROP TABLE", "TRUNCATE", "DO"}:
            return
        script = Script(doc)
        for stmt in script.reviewed():
            if stmt.verb not in ("DROP TABLE", "TRUNCATE"):
                continue
            dropping = stmt.verb == "DROP TABLE"
            cascade = " with CASCADE (dependent tables too)" if stmt.has_word("CASCADE") else ""
            for table in stmt.targets:
                if script.is_new_table(table, stmt.line):
                    continue
                if dropping and _rebuilt(script, table, stmt):
                    continue
                sev, conf = self.severity, self.confidence
                refilled = script.refilled(table, stmt.line) if not dropping else None
                recreated = _recreated(script, table, stmt) if dropping else None
                note = ""
                if refilled:
                    sev, conf = Severity.MEDIUM, Confidence.MEDIUM
                    note = f"; it is re-filled at line {refilled}"
                elif recreated:
                    sev, conf = Severity.HIGH, Confidence.MEDIUM
                    note = f"; an empty table of that name is created again at line {recreated}"
                sev, conf = judged(script, sev, conf)
                verb = "drops table" if dropping else "truncates table"
                yield self.finding(
                    f"Migration {verb} {table}{cascade}: all of its rows are deleted{note}",
                    location(script, stmt.line, key(table) or table),
                    evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _recreated(script: Script, table: str, drop: Statement) -> int | None:
    """Line of a CREATE TABLE of the same name after a ``DROP TABLE IF EXISTS``."""
    if "EXISTS" not in drop.words:
        return None
    line = script.created_tables.line_of(table)
    if line is not None and line > drop.line:
        return line
    return None


def _rebuilt(script: Script, table: str, drop: Statement) -> bool:
    """The SQLite rebuild: a table created in the file, filled from ``table``, renamed to it."""
    for old, new, line in script.table_renames:
        if line <= drop.line or not same_object(new, table):
            continue
        if not script.created_tables.before(old, drop.line):
            continue
        for s in script.writes_by_table.get(bare(old), ()):
            if s.line >= drop.line:
                break
            if s.verb in ("INSERT", "REPLACE") and same_object(s.target, old) and (
                    bare(table).upper() in s.words or f'"{bare(table)}"' in s.text.lower()
                    or f"`{bare(table)}`" in s.text.lower()):
                return True
    return False


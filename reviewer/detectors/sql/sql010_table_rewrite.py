"""SQL010: a column change that rewrites or copies the whole table."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    Script,
    added_column,
    bare,
    evidence,
    judged,
    location,
    modified_column,
    qualified,
    type_info,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import DOWN, AlterAction, SqlScript, Statement

_VOLATILE = re.compile(
    r"\b(clock_timestamp|random|gen_random_uuid|uuid_generate_v1|uuid_generate_v1mc"
    r"|uuid_generate_v4|uuid|uuid_short|timeofday|nextval|txid_current|rand|sysdate"
    r"|statement_timestamp)\s*\(", re.I)
_STABLE_TIME = re.compile(
    r"\b(now\s*\(|current_timestamp\b|localtimestamp\b|transaction_timestamp\s*\("
    r"|current_date\b|current_time\b)", re.I)
_COPY = re.compile(r"\bALGORITHM\s*=?\s*COPY\b", re.I)


class TableRewrite(Detector[SqlScript]):
    """A column change rewrites or copies the whole table (volatile default, ENUM, COPY…).

    ## What it detects
    On tables the file did not create, in the up direction:
    - `ADD COLUMN … DEFAULT` with a volatile expression (`clock_timestamp()`, `random()`,
      `gen_random_uuid()`, `uuid_generate_v4()`, MySQL `(UUID())`…): every existing row is
      rewritten with its own value. `now()` / `CURRENT_TIMESTAMP` are reported with low
      confidence: PostgreSQL 11+ evaluates them once (no rewrite, but every existing row gets
      the migration's timestamp), older versions and MySQL copy the table;
    - an added `serial` / identity / `AUTO_INCREMENT` column, or a `STORED` generated column
      (MySQL virtual columns are instant and are not reported);
    - MySQL `MODIFY`/`CHANGE` of an `ENUM` or `SET` column unless the old definition is known
      and values are only appended at the end;
    - `ALGORITHM=COPY` on MySQL `ALTER TABLE` or `CREATE INDEX`.

    ## Why is this risky?
    A rewrite holds an `ACCESS EXCLUSIVE` lock (PostgreSQL) or copies the table (MySQL) for as
    long as it takes to write every row: reads or writes queue behind it, disk use doubles
    and replicas lag.

    ## Example
    ```sql
    ALTER TABLE events ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
    ```

    ## Safer alternative
    Add the column without a default (or with a constant one), set the default for new rows,
    and backfill existing rows in batches:
    ```sql
    ALTER TABLE events ADD COLUMN public_id uuid;
    ALTER TABLE events ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
    ```

    ## References
    - squawk `adding-field-with-default`, `adding-serial-primary-key-field`
    - Atlas `PG302`, `MY110`–`MY123`
    - strong_migrations `add_column_default`, `add_column_default_callable`,
      `add_column_generated_stored`, `add_column_auto_incrementing`, `copy_algorithm`
    """

    code = "SQL010"
    name = "table-rewrite"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.MEDIUM
    remediation = (
        "Add the column without a volatile default and backfill it in batches; append ENUM "
        "values at the end only; let MySQL choose INPLACE/INSTANT instead of COPY."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb in ("ALTER TABLE", "CREATE INDEX", "DO") for s in doc.statements):
            return
        script = Script(doc)
        old_enums = _old_enums(script)
        for stmt in script.reviewed():
            if stmt.verb == "CREATE INDEX" and script.mysql and _COPY.search(stmt.text):
                if not script.is_new_table(stmt.table, stmt.line):
                    yield self._report(script, stmt, stmt.line, stmt.table,
                                       f"CREATE INDEX on {stmt.table} with ALGORITHM=COPY "
                                       "copies the whole table")
                continue
            if stmt.verb != "ALTER TABLE" or not stmt.table:
                continue
            if script.is_new_table(stmt.table, stmt.line):
                continue
            for action in stmt.alter_actions:
                if not script.touches_action(action):
                    continue
                if action.action == "ADD COLUMN":
                    yield from self._add_column(script, stmt, action)
                elif action.action in ("MODIFY COLUMN", "CHANGE COLUMN") and script.mysql:
                    yield from self._enum(script, stmt, action, old_enums)
                elif action.action == "ALGORITHM" and _COPY.search(action.text):
                    yield self._report(script, stmt, action.line, stmt.table,
                                       f"ALTER TABLE {stmt.table} forces ALGORITHM=COPY: the "
                                       "whole table is copied while writes are blocked")

    def _add_column(self, script: Script, stmt: Statement,
                    action: AlterAction) -> Iterator[Finding]:
        col = added_column(action, script.mysql)
        if col is None:
            return
        name = qualified(stmt.table, col.name)
        if col.generated == "stored":
            yield self._report(script, stmt, action.line, name,
                               f"Stored generated column {name} is added: every row is "
                               "rewritten to compute it")
        elif col.generated == "identity":
            yield self._report(script, stmt, action.line, name,
                               f"Auto-numbered column {name} ({col.type}) is added: every row "
                               "is rewritten to number it")
        elif col.default and _VOLATILE.search(col.default):
            yield self._report(script, stmt, action.line, name,
                               f"Column {name} is added with volatile DEFAULT {col.default}: "
                               "every existing row is rewritten")
        elif col.default and _STABLE_TIME.search(col.default):
            yield self._report(
                script, stmt, action.line, name,
                f"Column {name} is added with DEFAULT {col.default}: PostgreSQL 11+ stores it "
                "once (every existing row gets the migration's time); older PostgreSQL and "
                "MySQL rewrite the table", confidence=Confidence.LOW)

    def _enum(self, script: Script, stmt: Statement, action: AlterAction,
              old_enums: dict[tuple[str, str], str]) -> Iterator[Finding]:
        _, col = modified_column(action, script.mysql)
        if col is None:
            return
        new = type_info(col.type)
        if new.base not in ("enum", "set"):
            return
        old_type = old_enums.get((bare(stmt.table), col.name.lower())) or script.column_type(
            stmt.table, col.name)
        name = qualified(stmt.table, col.name)
        if old_type is not None:
            old = type_info(old_type)
            if old.base == new.base and tuple(new.args[:len(old.args)]) == old.args \
                    and len(new.args) >= len(old.args):
                return  # values appended at the end: instant
            yield self._report(script, stmt, action.line, name,
                               f"{new.base.upper()} column {name} is redefined with values "
                               "removed or reordered: the table is copied and stored values "
                               "may change")
            return
        yield self._report(script, stmt, action.line, name,
                           f"{new.base.upper()} column {name} is redefined: unless values are "
                           "only appended at the end, MySQL copies the whole table",
                           confidence=Confidence.LOW)

    def _report(self, script: Script, stmt: Statement, line: int, address: str | None,
                message: str, confidence: Confidence = Confidence.HIGH) -> Finding:
        sev, conf = judged(script, self.severity, confidence)
        return self.finding(message, location(script, line, address),
                            evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _old_enums(script: Script) -> dict[tuple[str, str], str]:
    """ENUM/SET definitions the down direction restores (the definition before the change)."""
    out: dict[tuple[str, str], str] = {}
    for s in script.statements:
        if s.direction != DOWN or s.verb != "ALTER TABLE" or not s.table:
            continue
        for a in s.alter_actions:
            if a.action in ("MODIFY COLUMN", "CHANGE COLUMN"):
                _, col = modified_column(a, script.mysql)
                if col is not None and type_info(col.type).base in ("enum", "set"):
                    out[(bare(s.table), col.name.lower())] = col.type
    return out

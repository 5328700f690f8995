"""SQL007: DDL that holds a blocking lock on an existing table for a long time."""

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
    table_constraint,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import AlterAction, SqlScript, Statement

_MYSQL_LOCK = re.compile(r"\bLOCK\s*=?\s*(EXCLUSIVE|SHARED)\b", re.I)
_VERBS = frozenset({"CREATE INDEX", "DROP INDEX", "REINDEX", "ALTER TABLE", "VACUUM",
                    "CLUSTER", "DO"})


class LockHeavyDdl(Detector[SqlScript]):
    """DDL that blocks reads or writes of an existing table while it scans or builds.

    ## What it detects
    On tables the file did not create, in the up direction:
    - PostgreSQL `CREATE INDEX` / `DROP INDEX` / `REINDEX` without `CONCURRENTLY`
      (`CREATE INDEX CONCURRENTLY` is the fix and is never reported; MySQL builds indexes
      online and is reported only with `LOCK=SHARED|EXCLUSIVE`);
    - `ADD CONSTRAINT … FOREIGN KEY` or `CHECK` without `NOT VALID` (MySQL: foreign keys unless
      `foreign_key_checks = 0` was set, and every `CHECK`), and `ADD COLUMN … REFERENCES`;
    - `ADD PRIMARY KEY` / `ADD UNIQUE` / `ADD EXCLUDE` (and inline `PRIMARY KEY`/`UNIQUE` on an
      added column) not built from an existing index (`USING INDEX`);
    - `DETACH PARTITION` without `CONCURRENTLY`, `VACUUM FULL`, `CLUSTER`.

    ## Why is this risky?
    These statements take a lock that blocks writes (or all access) for as long as they scan
    the table or build an index: minutes to hours on a large table. Requests queue behind the
    lock, connection pools fill up and the application stalls.

    ## Example
    ```sql
    CREATE INDEX idx_orders_customer ON orders (customer_id);
    ```

    ## Safer alternative
    Build the index concurrently (outside a transaction), and add constraints as `NOT VALID`
    then `VALIDATE` them:
    ```sql
    CREATE INDEX CONCURRENTLY idx_orders_customer ON orders (customer_id);
    ```

    ## References
    - squawk `require-concurrent-index-creation`, `require-concurrent-index-deletion`,
      `constraint-missing-not-valid`, `adding-foreign-key-constraint`,
      `disallowed-unique-constraint`, `adding-serial-primary-key-field`,
      `require-concurrent-reindex`, `require-concurrent-partition-detach`, `prefer-repack`
    - Atlas `PG101`–`PG105`, `PG305`, `MF101`, `MF102`
    - strong_migrations `add_index`, `add_foreign_key`, `add_check_constraint`,
      `add_unique_constraint`; django-migration-linter `CREATE_INDEX`, `DROP_INDEX`, `REINDEX`,
      `ADD_UNIQUE`
    """

    code = "SQL007"
    name = "lock-heavy-ddl"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.MEDIUM
    remediation = (
        "Use CREATE/DROP INDEX CONCURRENTLY (outside a transaction), add constraints NOT VALID "
        "and VALIDATE them separately, and build unique/primary keys from a concurrent index."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb in _VERBS for s in doc.statements):
            return
        script = Script(doc)
        fk_checks_off = _fk_checks_off_line(script)
        for stmt in script.reviewed():
            verb = stmt.verb
            if verb not in _VERBS or verb == "DO":
                continue
            if verb == "CREATE INDEX":
                yield from self._create_index(script, stmt)
            elif verb == "DROP INDEX":
                yield from self._drop_index(script, stmt)
            elif verb == "REINDEX":
                if not script.mysql and not stmt.has_word("CONCURRENTLY"):
                    yield self._report(script, stmt, stmt.line, stmt.target,
                                       f"REINDEX {stmt.target or ''} without CONCURRENTLY "
                                       "blocks writes while every index is rebuilt")
            elif (verb == "VACUUM" and stmt.has_word("FULL")) or verb == "CLUSTER":
                if stmt.table and script.is_new_table(stmt.table, stmt.line):
                    continue
                what = "VACUUM FULL" if verb == "VACUUM" else "CLUSTER"
                yield self._report(script, stmt, stmt.line, stmt.table,
                                   f"{what} {stmt.table or '(every table)'} rewrites the table "
                                   "under an ACCESS EXCLUSIVE lock")
            elif verb == "ALTER TABLE" and stmt.table and not script.is_new_table(
                    stmt.table, stmt.line):
                for action in stmt.alter_actions:
                    if script.touches_action(action):
                        yield from self._alter(script, stmt, action, fk_checks_off)

    def _create_index(self, script: Script, stmt: Statement) -> Iterator[Finding]:
        table = stmt.table
        if table is None or script.is_new_table(table, stmt.line):
            return
        if script.mysql:
            m = _MYSQL_LOCK.search(stmt.text)
            if m:
                yield self._report(script, stmt, stmt.line, table,
                                   f"CREATE INDEX on {table} with LOCK={m.group(1).upper()} "
                                   "blocks writes while the index builds")
            return
        head = stmt.words[:stmt.words.index("ON")] if "ON" in stmt.words else stmt.words
        if "CONCURRENTLY" in head:
            return
        unique = "unique " if "UNIQUE" in head else ""
        yield self._report(script, stmt, stmt.line, table,
                           f"CREATE {unique.upper()}INDEX on existing table {table} without "
                           "CONCURRENTLY blocks writes while the index builds")

    def _drop_index(self, script: Script, stmt: Statement) -> Iterator[Finding]:
        if script.mysql or stmt.has_word("CONCURRENTLY"):
            return
        names = [n for n in stmt.targets if bare(n) not in script.created_indexes
                 or script.created_indexes[bare(n)][0] > stmt.line]
        if not names:
            return
        yield self._report(script, stmt, stmt.line, names[0],
                           f"DROP INDEX {', '.join(names)} without CONCURRENTLY takes an "
                           "ACCESS EXCLUSIVE lock on the table")

    def _alter(self, script: Script, stmt: Statement, action: AlterAction,
               fk_checks_off: int | None) -> Iterator[Finding]:
        table = stmt.table or "?"
        line = action.line
        if action.action == "ADD CONSTRAINT":
            cur = action_cursor(action, script.mysql)
            con = table_constraint(action.text, cur, 1, len(cur))
            if con is None:
                return
            label = con.name or ", ".join(con.columns) or con.kind
            if con.kind in ("foreign", "check"):
                if script.mysql:
                    if con.kind == "foreign" and fk_checks_off is not None \
                            and fk_checks_off < line:
                        return
                    kind = "foreign key" if con.kind == "foreign" else "check constraint"
                    yield self._report(script, stmt, line, table,
                                       f"Adding {kind} {label} to {table} copies and checks "
                                       "the whole table")
                elif not con.not_valid:
                    kind = "foreign key" if con.kind == "foreign" else "check constraint"
                    yield self._report(script, stmt, line, table,
                                       f"Adding {kind} {label} to {table} without NOT VALID "
                                       "scans the table while blocking writes")
            elif con.kind in ("primary", "unique", "exclude") and not con.using_index:
                kind = {"primary": "primary key", "unique": "unique constraint",
                        "exclude": "exclusion constraint"}[con.kind]
                yield self._report(script, stmt, line, table,
                                   f"Adding {kind} {label} to {table} builds an index under a "
                                   "lock that blocks writes (and fails on duplicates)")
        elif action.action == "ADD COLUMN":
            col = added_column(action, script.mysql)
            if col is None:
                return
            if col.references is not None and not script.mysql:
                yield self._report(script, stmt, line, table,
                                   f"Column {table}.{col.name} is added with a foreign key to "
                                   f"{col.references[0]}: both tables are locked while it is "
                                   "validated")
            if col.primary_key or col.unique:
                kind = "primary key" if col.primary_key else "unique"
                yield self._report(script, stmt, line, table,
                                   f"Column {table}.{col.name} is added as {kind}: the index is "
                                   "built under a lock that blocks writes")
        elif action.action == "DETACH PARTITION" and not script.mysql \
                and "CONCURRENTLY" not in action.text.upper():
            yield self._report(script, stmt, line, table,
                               f"DETACH PARTITION {action.name or ''} without CONCURRENTLY locks "
                               f"{table} exclusively")
        elif action.action == "LOCK" and script.mysql and _MYSQL_LOCK.search(action.text):
            yield self._report(script, stmt, line, table,
                               f"ALTER TABLE {table} asks for {action.text.strip()}, blocking "
                               "writes for the whole operation")

    def _report(self, script: Script, stmt: Statement, line: int, table: str | None,
                message: str) -> Finding:
        sev, conf = judged(script, self.severity, Confidence.HIGH)
        return self.finding(message, location(script, line, table),
                            evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _fk_checks_off_line(script: Script) -> int | None:
    for s in script.up:
        if s.verb == "SET" and "FOREIGN_KEY_CHECKS" in s.words and re.search(
                r"=\s*(0|off|false)\b", s.text, re.I):
            return s.line
    return None

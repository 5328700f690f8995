"""SQL011: a migration lacks its safety rails (lock timeout, sound transaction structure)."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import Script, evidence, judged, location
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript, Statement

#: DDL that queues behind (and then blocks) other sessions' locks on an existing table.
_LOCKING = frozenset({"ALTER TABLE", "CREATE INDEX", "DROP INDEX", "DROP TABLE", "TRUNCATE",
                      "RENAME TABLE", "CREATE TRIGGER", "DROP TRIGGER", "CREATE POLICY",
                      "DROP POLICY", "LOCK TABLE", "REINDEX", "CLUSTER", "VACUUM"})
_BEGIN = frozenset({"BEGIN", "START TRANSACTION"})
_NO_TRANSACTION = frozenset({"CREATE DATABASE", "DROP DATABASE", "CREATE TABLESPACE",
                             "DROP TABLESPACE", "VACUUM", "ALTER SYSTEM"})


class MissingSafetyRails(Detector[SqlScript]):
    """A migration runs locking DDL without a lock timeout, or has broken transaction structure.

    ## What it detects
    - DDL on an existing table (`ALTER TABLE`, non-concurrent `CREATE`/`DROP INDEX`, `DROP
      TABLE`, `TRUNCATE`, triggers, policies…) with no `SET lock_timeout` or
      `SET statement_timeout` earlier in the file (MySQL: `lock_wait_timeout`). One finding
      per file, at the first such statement.
    - `CREATE INDEX CONCURRENTLY` (and the other `CONCURRENTLY` forms, `VACUUM`,
      `CREATE DATABASE`) inside an explicit `BEGIN … COMMIT`: PostgreSQL refuses to run them
      in a transaction block, so the migration fails.
    - `BEGIN` while a transaction is already open (nested), and `BEGIN` without a `COMMIT` or
      `ROLLBACK` before the end of the file (or of the up section).

    Down-direction statements are not reported. Frameworks that set timeouts globally
    (strong_migrations, a wrapper that runs `SET lock_timeout`) make the first rule moot;
    that is why it is `medium` with medium confidence.

    ## Why is this risky?
    An `ALTER TABLE` waiting for its lock behind one long-running query blocks every query
    that arrives after it: a migration that would take milliseconds takes the site down. A
    lock timeout makes it fail fast instead, and it can be retried. Broken transaction
    structure makes the migration fail or leaves it half-applied.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN archived_at timestamptz;
    ```

    ## Safer alternative
    Set a short lock timeout (and a statement timeout) at the top of the migration:
    ```sql
    SET lock_timeout = '3s';
    SET statement_timeout = '15min';
    ALTER TABLE orders ADD COLUMN archived_at timestamptz;
    ```

    ## References
    - squawk `require-timeout-settings`, `require-lock-timeout`, `require-statement-timeout`,
      `ban-concurrent-index-creation-in-transaction`, `transaction-nesting`,
      `ban-uncommitted-transaction`
    - Atlas `PG103` (missing `atlas:txmode none`)
    """

    code = "SQL011"
    name = "missing-safety-rails"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    remediation = (
        "Start the migration with SET lock_timeout (and statement_timeout); run CONCURRENTLY "
        "statements outside any transaction; balance every BEGIN with a COMMIT."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not doc.statements:
            return
        script = Script(doc)
        yield from self._timeout(script)
        yield from self._transactions(script)

    def _timeout(self, script: Script) -> Iterator[Finding]:
        first = next((s for s in script.up if _locking(script, s)
                      and script.doc.touches(s.line, s.end_line)), None)
        if first is None:
            return
        set_at = script.timeout_line()
        if set_at is not None and set_at < first.line:
            return
        setting = "lock_wait_timeout" if script.mysql else "lock_timeout"
        what = f"{first.verb} {first.table or first.target or ''}".strip()
        sev, conf = judged(script, self.severity, self.confidence)
        yield self.finding(
            f"{what} runs with no {setting} set in the migration: if it waits for a lock, "
            "every query on the table queues behind it",
            location(script, first.line, first.table or first.target),
            evidence=evidence(first.text), severity=sev, confidence=conf)

    def _transactions(self, script: Script) -> Iterator[Finding]:
        open_at: Statement | None = None
        doc = script.doc
        for stmt in script.up:
            if stmt.index != _index(stmt, script):
                continue  # statements expanded from DO blocks run inside the block
            verb = stmt.verb
            if verb in _BEGIN:
                if open_at is not None and doc.touches(stmt.line, stmt.end_line):
                    yield self._report(script, stmt, f"{verb} at line {stmt.line} opens a "
                                       f"transaction while the one from line {open_at.line} is "
                                       "still open (nested transactions are not supported)")
                open_at = open_at or stmt
            elif verb in ("COMMIT", "ROLLBACK"):
                if verb == "ROLLBACK" and stmt.has_word("TO"):
                    continue  # ROLLBACK TO SAVEPOINT keeps the transaction open
                open_at = None
            elif open_at is not None and _no_transaction(stmt) and doc.touches(
                    stmt.line, stmt.end_line):
                yield self._report(script, stmt, f"{_label(stmt)} cannot run inside the "
                                   f"transaction opened at line {open_at.line}: the migration "
                                   "fails", confidence=Confidence.HIGH)
        if open_at is not None and doc.touches(open_at.line, open_at.end_line):
            # a file rebuilt from a diff's hunks may not show its COMMIT
            partial = doc.changed_lines is not None
            yield self._report(script, open_at, f"{open_at.verb} at line {open_at.line} is "
                               "never committed: the migration's changes stay uncommitted or "
                               "roll back when the session ends",
                               confidence=Confidence.LOW if partial else None)

    def _report(self, script: Script, stmt: Statement, message: str,
                confidence: Confidence | None = None) -> Finding:
        sev, conf = judged(script, self.severity, confidence or self.confidence)
        return self.finding(message, location(script, stmt.line),
                            evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _index(stmt: Statement, script: Script) -> int:
    """The position of a top-level statement (DO-expanded ones share their block's)."""
    statements = script.doc.statements
    if stmt.index < len(statements) and statements[stmt.index] is stmt:
        return stmt.index
    return -1


def _locking(script: Script, s: Statement) -> bool:
    if s.verb not in _LOCKING:
        return False
    if s.verb in ("CREATE INDEX", "DROP INDEX", "REINDEX") and "CONCURRENTLY" in s.words[:6]:
        return False
    if s.verb == "VACUUM" and "FULL" not in s.words:
        return False
    return s.table is None or not script.is_new_table(s.table, s.line)


def _no_transaction(s: Statement) -> bool:
    if s.verb in _NO_TRANSACTION:
        return True
    if s.verb in ("CREATE INDEX", "DROP INDEX", "REINDEX") and "CONCURRENTLY" in s.words[:6]:
        return True
    return s.verb == "ALTER TABLE" and any(
        a.action == "DETACH PARTITION" and "CONCURRENTLY" in a.text.upper()
        for a in s.alter_actions)


def _label(s: Statement) -> str:
    if "CONCURRENTLY" in s.words[:6]:
        return f"{s.verb} CONCURRENTLY"
    if s.verb == "ALTER TABLE":
        return "DETACH PARTITION CONCURRENTLY"
    return s.verb

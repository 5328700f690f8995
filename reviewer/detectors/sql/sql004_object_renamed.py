"""SQL004: a migration renames a table, column, view, schema or enum value in place."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    Cursor,
    NameIndex,
    Script,
    bare,
    evidence,
    judged,
    key,
    location,
    modified_column,
    qualified,
    rename_table_pairs,
    renamed_to,
    same_object,
    tokenize,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript, Statement

_OBJECT_VERBS = {
    "ALTER SCHEMA": ("schema", Severity.HIGH),
    "ALTER VIEW": ("view", Severity.HIGH),
    "ALTER MATERIALIZED VIEW": ("materialized view", Severity.HIGH),
    "ALTER TYPE": ("type", Severity.MEDIUM),
    "ALTER FUNCTION": ("function", Severity.MEDIUM),
    "ALTER PROCEDURE": ("procedure", Severity.MEDIUM),
}


class ObjectRenamed(Detector[SqlScript]):
    """A migration renames a table, column, view, schema or enum value that code may be using.

    ## What it detects
    In the up direction: `ALTER TABLE … RENAME TO`, `RENAME TABLE a TO b` (MySQL, every
    pair), `ALTER TABLE … RENAME [COLUMN] a TO b`, MySQL `CHANGE old_name new_name …`,
    `ALTER SCHEMA|VIEW|MATERIALIZED VIEW … RENAME`, `ALTER TYPE … RENAME VALUE` (enum value),
    SQL Server `sp_rename`; type, function and procedure renames are `medium`. Not reported:
    objects created earlier in the same file (so the SQLite rebuild's final rename is fine),
    swaps whose old name is taken again in the same file (`RENAME TABLE t TO t_old, t_new TO
    t`, or a compatibility view `CREATE VIEW old_name AS …` added after the rename), and the
    down direction.

    ## Why is this risky?
    Database and code are never deployed at the same instant. Between the migration and the
    rollout of the new code, every running instance that uses the old name fails; a rollback
    of the code fails the same way.

    ## Example
    ```sql
    ALTER TABLE users RENAME COLUMN email TO email_address;
    ```

    ## Safer alternative
    Add the new column, write to both, backfill, switch reads, and only then drop the old one
    (or keep the old name reachable through a view during the switch):
    ```sql
    ALTER TABLE users ADD COLUMN email_address text;
    UPDATE users SET email_address = email WHERE email_address IS NULL;
    ```

    ## References
    - squawk `renaming-column`, `renaming-table`; Atlas `BC101`, `BC102`
    - strong_migrations `rename_column`, `rename_table`, `rename_schema`, `rename_enum_value`
    - django-migration-linter `RENAME_COLUMN`, `RENAME_TABLE`
    """

    code = "SQL004"
    name = "object-renamed"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.HIGH
    remediation = (
        "Rename in steps that keep the old name working: add the new object, write to both, "
        "backfill, move readers, then drop the old one; or leave a compatibility view."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb.startswith(("ALTER", "RENAME", "EXEC")) or s.verb == "DO"
                   for s in doc.statements):
            return
        script = Script(doc)
        names = _Names(script)
        created = _created_objects(script)
        for stmt in script.reviewed():
            if stmt.verb == "ALTER TABLE":
                yield from self._alter_table(script, stmt, names)
            elif stmt.verb == "RENAME TABLE":
                pairs = rename_table_pairs(stmt, script.mysql)
                vacated = [old for old, _ in pairs]
                for k, (old, new) in enumerate(pairs):
                    if script.is_new_table(old, stmt.line) or names.reused(old, stmt.line):
                        continue
                    if any(same_object(new, v) for v in vacated[:k]):
                        continue  # re-occupies a name just vacated: the second half of a swap
                    if any(same_object(old, n) for _, n in pairs[k + 1:]):
                        continue  # the old name is taken again at once: the first half
                    yield self._table(script, stmt, stmt.line, old, new)
            elif stmt.verb in _OBJECT_VERBS and "RENAME" in stmt.words:
                yield from self._object(script, stmt, created)
            elif stmt.verb in ("EXECUTE", "EXEC") and "SP_RENAME" in stmt.words:
                sev, conf = judged(script, Severity.HIGH, Confidence.MEDIUM)
                yield self.finding(f"Migration renames {stmt.target or 'an object'} with "
                                   "sp_rename", location(script, stmt.line),
                                   evidence=evidence(stmt.text), severity=sev, confidence=conf)

    def _alter_table(self, script: Script, stmt: Statement,
                     names: _Names) -> Iterator[Finding]:
        table = stmt.table
        if not table or script.is_new_table(table, stmt.line):
            return
        for action in stmt.alter_actions:
            if not script.touches_action(action):
                continue
            if action.action == "RENAME TO" and action.name:
                if not names.reused(table, stmt.line) and not names.vacated_before(
                        action.name, stmt.line):
                    yield self._table(script, stmt, action.line, table, action.name)
            elif action.action == "RENAME COLUMN" and action.name:
                new = renamed_to(action, script.mysql) or "?"
                yield self._column(script, stmt, action.line, table, action.name, new)
            elif action.action == "CHANGE COLUMN":
                old, col = modified_column(action, script.mysql)
                if old and col is not None and old.lower() != col.name.lower():
                    yield self._column(script, stmt, action.line, table, old, col.name)

    def _table(self, script: Script, stmt: Statement, line: int, old: str,
               new: str) -> Finding:
        sev, conf = judged(script, self.severity, self.confidence)
        return self.finding(
            f"Migration renames table {old} to {new}: code using the old name fails until it "
            "is redeployed", location(script, line, key(old) or old),
            evidence=evidence(stmt.text), severity=sev, confidence=conf)

    def _column(self, script: Script, stmt: Statement, line: int, table: str, old: str,
                new: str) -> Finding:
        sev, conf = judged(script, self.severity, self.confidence)
        column = qualified(table, old)
        return self.finding(
            f"Migration renames column {column} to {new}: code using the old name fails until "
            "it is redeployed", location(script, line, column),
            evidence=evidence(stmt.text), severity=sev, confidence=conf)

    def _object(self, script: Script, stmt: Statement, created: NameIndex) -> Iterator[Finding]:
        what, sev = _OBJECT_VERBS[stmt.verb]
        name = stmt.target or "?"
        if created.before(name, stmt.line):
            return
        cur = Cursor(tokenize(stmt.text, script.mysql))
        words = [cur.word(k) for k in range(len(cur))]
        i = words.index("RENAME")
        if cur.word(i + 1) == "VALUE" and what == "type":
            old = cur.tok(i + 2)
            new = cur.tok(i + 4)
            label = f"enum value {old.value if old else '?'} of type {name}"
            target = new.value if new else "?"
            sev = Severity.HIGH
        elif cur.word(i + 1) in ("COLUMN", "ATTRIBUTE") or (
                cur.word(i + 1) not in ("TO", "") and cur.word(i + 2) == "TO"):
            j = i + 2 if cur.word(i + 1) in ("COLUMN", "ATTRIBUTE") else i + 1
            old_name, j = cur.name(j)
            new_name, _ = cur.name(j + 1)
            label = f"column {qualified(name, old_name)} of {what} {name}"
            target = new_name or "?"
        elif cur.word(i + 1) == "TO":
            new_name, _ = cur.name(i + 2)
            label, target = f"{what} {name}", new_name or "?"
        else:
            return
        sev, conf = judged(script, sev, self.confidence)
        yield self.finding(
            f"Migration renames {label} to {target}: code using the old name fails until it is "
            "redeployed", location(script, stmt.line, key(name) or name),
            evidence=evidence(stmt.text), severity=sev, confidence=conf)


class _Names:
    """Table names the file takes (creates, renames into) or vacates (drops, renames away)."""

    def __init__(self, script: Script) -> None:
        self.taken: dict[str, list[tuple[str, int]]] = {}
        self.vacated: dict[str, list[tuple[str, int]]] = {}
        for old, new, line in script.table_renames:
            self.taken.setdefault(bare(new), []).append((new, line))
            self.vacated.setdefault(bare(old), []).append((old, line))
        for st in script.up:
            if st.target and st.verb in ("CREATE TABLE", "CREATE VIEW",
                                         "CREATE MATERIALIZED VIEW"):
                self.taken.setdefault(bare(st.target), []).append((st.target, st.line))
            elif st.verb == "DROP TABLE":
                for t in st.targets:
                    self.vacated.setdefault(bare(t), []).append((t, st.line))

    def reused(self, name: str, line: int) -> bool:
        """True when ``name`` is taken again after ``line`` (a swap or a compatibility view)."""
        return any(at > line and same_object(n, name) for n, at in self.taken.get(bare(name), ()))

    def vacated_before(self, name: str, line: int) -> bool:
        """True when ``name`` was dropped or renamed away before ``line`` (a swap's end)."""
        return any(at < line and same_object(n, name)
                   for n, at in self.vacated.get(bare(name), ()))


def _created_objects(script: Script) -> NameIndex:
    index = NameIndex()
    for s in script.up:
        if s.verb.startswith("CREATE ") and s.target:
            index.add(s.target, s.line)
    return index

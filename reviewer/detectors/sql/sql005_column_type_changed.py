"""SQL005: a column's type changes, or a foreign key is narrower than the key it references."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    Script,
    action_cursor,
    added_column,
    bare,
    create_table_elements,
    evidence,
    int_narrower,
    is_text_type,
    judged,
    location,
    modified_column,
    new_type,
    qualified,
    table_constraint,
    type_info,
    widening,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import DOWN, AlterAction, SqlScript, Statement

_TYPE_ACTIONS = frozenset({"ALTER COLUMN TYPE", "MODIFY COLUMN", "CHANGE COLUMN"})
_FK_HINTS = ("REFERENCES", "FOREIGN")


class ColumnTypeChanged(Detector[SqlScript]):
    """A column's type changes in place, or a foreign key is narrower than the key it references.

    ## What it detects
    - `ALTER TABLE … ALTER COLUMN c [SET DATA] TYPE t` (PostgreSQL) and MySQL
      `MODIFY [COLUMN]` / `CHANGE [COLUMN]` on a table the file did not create. When the old
      type is known (declared in the same script, or restored by the down section) safe
      widenings are not reported in PostgreSQL (`varchar(n)` → `text` or `varchar(m ≥ n)`,
      `numeric` precision up, `cidr` → `inet`) and are `low` in MySQL (the table may still be
      copied). `timestamp` → `timestamptz` is `low`. When the old type is unknown, a change to
      unbounded `text` without `USING` is `low` (probably a widening) and a new `varchar(n)` /
      `numeric(p, s)` limit is `medium` with low confidence (safe only if the limit goes up).
    - A foreign-key column narrower than the key it references (`customer_id int REFERENCES
      customers(id)` where `customers.id` is `bigint`), when both types are declared in the
      same script: inserts fail once the ids outgrow the narrower type. This is reported for
      new tables too.

    MySQL `ENUM`/`SET` redefinitions with an unknown old definition are left to SQL010;
    renames through `CHANGE` are SQL004's. Down-direction statements are not reported.

    ## Why is this risky?
    Most type changes rewrite the whole table under an `ACCESS EXCLUSIVE` lock (PostgreSQL) or
    copy it (MySQL): reads and writes queue for the duration. Narrowing conversions fail half
    way or silently truncate, and code that binds the old type breaks.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN amount TYPE integer USING amount::integer;
    ```

    ## Safer alternative
    Add a new column of the new type, backfill it in batches, switch the code over and drop the
    old column later; or use a rewrite-free widening:
    ```sql
    -- +goose Up
    ALTER TABLE orders ALTER COLUMN note TYPE varchar(500);
    -- +goose Down
    ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);
    ```

    ## References
    - squawk `changing-column-type`; Atlas `PG301`
    - strong_migrations `change_column`; django-migration-linter `ALTER_COLUMN`
    - incidents reference: SQL-TYPE-MISMATCH (foreign key narrower than the referenced key)
    """

    code = "SQL005"
    name = "column-type-changed"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.HIGH
    remediation = (
        "Add a column of the new type, backfill it in batches, move the code to it and drop the "
        "old column later; make foreign-key columns exactly the type of the key they reference."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        relevant = False
        for s in doc.statements:
            if s.verb == "DO" or (s.verb == "ALTER TABLE" and any(
                    a.action in _TYPE_ACTIONS or a.action in ("ADD COLUMN", "ADD CONSTRAINT")
                    for a in s.alter_actions)) or (s.verb == "CREATE TABLE" and any(
                    w in s.words for w in _FK_HINTS)):
                relevant = True
                break
        if not relevant:
            return
        script = Script(doc)
        old_types = _down_types(script)
        for stmt in script.reviewed():
            if stmt.verb == "CREATE TABLE" and stmt.has_word(*_FK_HINTS):
                yield from self._create_table_fks(script, stmt)
            elif stmt.verb == "ALTER TABLE":
                new_table = script.is_new_table(stmt.table, stmt.line)
                for action in stmt.alter_actions:
                    if not script.touches_action(action):
                        continue
                    if action.action in _TYPE_ACTIONS and not new_table:
                        yield from self._type_change(script, stmt, action, old_types)
                    elif action.action in ("ADD COLUMN", "ADD CONSTRAINT"):
                        yield from self._alter_fk(script, stmt, action)

    # type changes ---------------------------------------------------------------------

    def _type_change(self, script: Script, stmt: Statement, action: AlterAction,
                     old_types: dict[tuple[str, str], str]) -> Iterator[Finding]:
        table = stmt.table
        column = action.name
        if not table or not column:
            return
        added = script.added_columns.get((bare(table), column.lower()))
        if added is not None and added[1] < action.line:
            return  # a column this file added: still empty
        using = False
        if action.action == "ALTER COLUMN TYPE":
            new, using = new_type(action, script.mysql)
        else:
            old_name, col = modified_column(action, script.mysql)
            if col is None:
                return
            if action.action == "CHANGE COLUMN" and old_name and \
                    old_name.lower() != col.name.lower():
                old_known = _old_type(script, table, old_name, old_types)
                if old_known is None or old_known == col.type:
                    return  # a rename (SQL004) restating the type
            new = col.type
        if not new:
            return
        old = _old_type(script, table, column, old_types)
        name = qualified(table, column)
        ev = evidence(stmt.text)
        loc = location(script, action.line, name)
        if old is not None and _same(old, new):
            return
        new_info = type_info(new)
        if new_info.base in ("enum", "set") and (old is None or type_info(old).base in (
                "enum", "set")):
            return  # SQL010 judges ENUM/SET redefinitions
        if old is not None:
            why = widening(old, new)
            if why is not None:
                if script.mysql:
                    sev, conf = judged(script, Severity.LOW, Confidence.MEDIUM)
                    yield self.finding(
                        f"Column {name} widened ({why}); MySQL may still copy the table",
                        loc, evidence=ev, severity=sev, confidence=conf)
                return
            if type_info(old).base == "timestamp" and new_info.base == "timestamptz":
                sev, conf = judged(script, Severity.LOW, Confidence.MEDIUM)
                yield self.finding(
                    f"Column {name} changes timestamp → timestamptz: no rewrite on PostgreSQL "
                    "12+ only when the session time zone is UTC", loc, evidence=ev,
                    severity=sev, confidence=conf)
                return
            sev, conf = judged(script, self.severity, self.confidence)
            yield self.finding(
                f"Column {name} changes type {old} → {new}: the table is rewritten under an "
                "exclusive lock and values may not convert", loc, evidence=ev,
                severity=sev, confidence=conf)
            return
        if not script.mysql and not using and is_text_type(new):
            sev, conf = judged(script, Severity.LOW, Confidence.LOW)
            yield self.finding(
                f"Column {name} changes type to {new}: probably a rewrite-free widening from "
                "varchar; confirm the old type", loc, evidence=ev, severity=sev, confidence=conf)
            return
        if not script.mysql and not using and new_info.base in ("varchar", "numeric") \
                and new_info.args:
            sev, conf = judged(script, Severity.MEDIUM, Confidence.LOW)
            yield self.finding(
                f"Column {name} changes type to {new}: safe if it only raises the limit of a "
                f"{new_info.base} column (no rewrite); a lower limit scans the table and may "
                "fail", loc, evidence=ev, severity=sev, confidence=conf)
            return
        how = "copies the table" if script.mysql else "rewrites the table under an exclusive lock"
        conf = Confidence.HIGH if using else Confidence.MEDIUM
        sev, conf = judged(script, self.severity, conf)
        yield self.finding(
            f"Column {name} changes type to {new}: this {how} and code bound to the old type "
            "may break", loc, evidence=ev, severity=sev, confidence=conf)

    # foreign keys --------------------------------------------------------------------

    def _create_table_fks(self, script: Script, stmt: Statement) -> Iterator[Finding]:
        columns, constraints = create_table_elements(stmt, script.mysql)
        types = {c.name.lower(): c.type for c in columns}
        for col in columns:
            if col.references is not None:
                ref_table, ref_col = col.references
                yield from self._fk(script, stmt, stmt.table, col.name, col.type, ref_table,
                                    ref_col, _line(stmt.line, stmt.text, col.offset))
        for con in constraints:
            if con.kind != "foreign" or not con.ref_table:
                continue
            for k, child in enumerate(con.columns):
                ref_col = con.ref_columns[k] if k < len(con.ref_columns) else None
                yield from self._fk(script, stmt, stmt.table, child, types.get(child),
                                    con.ref_table, ref_col,
                                    _line(stmt.line, stmt.text, con.offset))

    def _alter_fk(self, script: Script, stmt: Statement, action: AlterAction) -> Iterator[Finding]:
        text = action.text.upper()
        if "REFERENCES" not in text:
            return
        if action.action == "ADD COLUMN":
            col = added_column(action, script.mysql)
            if col is not None and col.references is not None:
                ref_table, ref_col = col.references
                yield from self._fk(script, stmt, stmt.table, col.name, col.type, ref_table,
                                    ref_col, action.line)
            return
        cur = action_cursor(action, script.mysql)
        con = table_constraint(action.text, cur, 1, len(cur))
        if con is None or con.kind != "foreign" or not con.ref_table:
            return
        for k, child in enumerate(con.columns):
            ref_col = con.ref_columns[k] if k < len(con.ref_columns) else None
            yield from self._fk(script, stmt, stmt.table, child,
                                script.column_type(stmt.table, child), con.ref_table, ref_col,
                                action.line)

    def _fk(self, script: Script, stmt: Statement, table: str | None, column: str,
            child_type: str | None, ref_table: str, ref_col: str | None,
            line: int) -> Iterator[Finding]:
        if not child_type or not script.doc.touches(line):
            return
        ref_col = ref_col or script.primary_key(ref_table)
        parent_type = script.column_type(ref_table, ref_col)
        if not parent_type or not ref_col:
            return
        narrower = int_narrower(child_type, parent_type)
        if not narrower:
            c, p = type_info(child_type), type_info(parent_type)
            narrower = c.base in ("varchar", "char") and (
                (p.base in ("varchar", "char") and c.length is not None and p.length is not None
                 and c.length < p.length) or (p.base == "text" and c.length is not None))
        if not narrower:
            return
        child = qualified(table, column)
        parent = qualified(ref_table, ref_col)
        sev, conf = judged(script, self.severity, self.confidence)
        yield self.finding(
            f"Foreign key {child} ({child_type}) is narrower than {parent} ({parent_type}) it "
            "references: inserts fail once the referenced values outgrow it",
            location(script, line, child), evidence=evidence(stmt.text), severity=sev,
            confidence=conf)


def _line(first: int, text: str, offset: int) -> int:
    return first + text[:offset].count("\n")


def _same(old: str, new: str) -> bool:
    return type_info(old) == type_info(new)


def _down_types(script: Script) -> dict[tuple[str, str], str]:
    """(bare table, column) → type the down direction restores (the type before the change)."""
    out: dict[tuple[str, str], str] = {}
    for s in script.statements:
        if s.direction != DOWN or s.verb != "ALTER TABLE" or not s.table:
            continue
        for a in s.alter_actions:
            if a.action == "ALTER COLUMN TYPE" and a.name:
                typ, _ = new_type(a, script.mysql)
                if typ:
                    out[(bare(s.table), a.name.lower())] = typ
            elif a.action in ("MODIFY COLUMN", "CHANGE COLUMN"):
                _, col = modified_column(a, script.mysql)
                if col is not None and col.type:
                    out[(bare(s.table), col.name.lower())] = col.type
    return out


def _old_type(script: Script, table: str, column: str,
              old_types: dict[tuple[str, str], str]) -> str | None:
    restored = old_types.get((bare(table), column.lower()))
    if restored:
        return restored
    return script.column_type(table, column)

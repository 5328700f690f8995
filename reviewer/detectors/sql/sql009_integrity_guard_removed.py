"""SQL009: a constraint, unique index, default, trigger, policy or RLS guard is removed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    NameIndex,
    Script,
    action_cursor,
    bare,
    evidence,
    judged,
    location,
    qualified,
    same_object,
    table_constraint,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import AlterAction, SqlScript, Statement

_VERBS = frozenset({"ALTER TABLE", "DROP INDEX", "DROP TRIGGER", "DROP POLICY", "DROP RULE",
                    "DO"})
_UNIQUE_WORD = re.compile(r"(^|_)(uq|ux|uk|uniq|unique)(_|$)", re.I)
_PLAIN_WORD = re.compile(r"(^|_)(idx|ix|index)(_|$)", re.I)


def _kind_from_name(name: str) -> str:
    """Best guess at a constraint's kind from its conventional name."""
    n = name.lower()
    if n.endswith("_pkey") or n.startswith("pk_") or n == "primary":
        return "primary"
    if n.endswith(("_fkey", "_fk")) or n.startswith("fk_") or "_fk_" in n:
        return "foreign"
    if n.endswith(("_check", "_chk")) or n.startswith(("chk_", "ck_")) or "_check_" in n:
        return "check"
    if n.endswith(("_key", "_uniq", "_unique", "_uq")) or n.startswith(("uq_", "uk_", "ux_")):
        return "unique"
    return ""


@dataclass(frozen=True, slots=True)
class _Added:
    """Something the file adds back on a table."""

    table: str
    kind: str  # constraint kind, "index", "default", "trigger", "policy", "rls", "not null"
    name: str
    columns: tuple[str, ...]
    line: int


class IntegrityGuardRemoved(Detector[SqlScript]):
    """A constraint, unique index, default, NOT NULL, trigger, policy or RLS guard is removed.

    ## What it detects
    In the up direction, on tables the file did not create or drop:
    `ALTER TABLE … DROP CONSTRAINT` (MySQL `DROP FOREIGN KEY`, `DROP CHECK`,
    `DROP PRIMARY KEY`), dropping a unique index (`DROP INDEX` of an index created `UNIQUE`
    in the file or named like one: `*_key`, `uq_*`, `ux_*`…), `ALTER COLUMN … DROP DEFAULT`,
    `DROP NOT NULL`, `DROP TRIGGER`, `DROP POLICY`, `DISABLE ROW LEVEL SECURITY`,
    `NO FORCE ROW LEVEL SECURITY` and `DISABLE TRIGGER`.

    Not reported when the same file puts an equivalent guard back: a constraint or index of
    the same name, or of the same kind on the same table (`ADD CONSTRAINT … UNIQUE USING
    INDEX` replacing a unique constraint), a trigger or policy re-created under its name,
    `SET DEFAULT` after `DROP DEFAULT`, RLS enabled again; nor the check constraint dropped
    right after `SET NOT NULL` made it redundant.

    ## Why is this risky?
    These guards are what keeps bad data out: without the foreign key orphans appear, without
    the unique index duplicates, without the policy or RLS rows of other tenants become
    visible. Nothing fails at migration time; the damage accumulates silently and is hard to
    undo, because re-adding the guard later fails on the bad rows.

    ## Example
    ```sql
    ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
    ```

    ## Safer alternative
    Replace the guard in the same migration (here: re-create the foreign key without a long
    lock, then drop the old one):
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey_v2
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT NOT VALID;
    ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
    ```

    ## References
    - Atlas `CD101` (foreign key dropped)
    - squawk `ban-drop-not-null`, and opt-in `ban-drop-constraint`, `ban-drop-index`,
      `ban-drop-default`, `ban-drop-trigger`, `ban-drop-policy`, `ban-alter-row-level-security`,
      `ban-disable-trigger`
    """

    code = "SQL009"
    name = "integrity-guard-removed"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.MEDIUM
    remediation = (
        "Keep the guard, or replace it with an equivalent one in the same migration; if it "
        "must go, say why in the migration and check the application enforces the rule."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb in _VERBS for s in doc.statements):
            return
        script = Script(doc)
        added = _Guards(_additions(script))
        dropped_tables = NameIndex()
        for s in script.up:
            if s.verb == "DROP TABLE":
                for t in s.targets:
                    dropped_tables.add(t, s.line)
        for stmt in script.reviewed():
            table = stmt.table
            if table and (script.is_new_table(table, stmt.line) or table in dropped_tables):
                continue
            if stmt.verb == "ALTER TABLE" and table:
                for action in stmt.alter_actions:
                    if script.touches_action(action):
                        yield from self._alter(script, stmt, action, added)
            elif stmt.verb == "DROP INDEX":
                yield from self._drop_index(script, stmt, added)
            elif stmt.verb in ("DROP TRIGGER", "DROP POLICY", "DROP RULE"):
                kind = stmt.verb.split()[1].lower()
                for name in stmt.targets:
                    if _replaced(added, table, kind, name, ()):
                        continue
                    where = f" on {table}" if table else ""
                    yield self._report(script, stmt, stmt.line, qualified(table, name),
                                       f"{kind.capitalize()} {name}{where} is dropped and not "
                                       "re-created")

    def _alter(self, script: Script, stmt: Statement, action: AlterAction,
               added: _Guards) -> Iterator[Finding]:
        table = stmt.table or ""
        act = action.action
        name = action.name or ""
        if act in ("DROP CONSTRAINT", "DROP FOREIGN KEY", "DROP PRIMARY KEY"):
            kind = {"DROP FOREIGN KEY": "foreign", "DROP PRIMARY KEY": "primary"}.get(
                act, _kind_from_name(name))
            if act == "DROP CONSTRAINT" and "CHECK" in action.text.upper().split()[:2]:
                kind = "check"
            if _replaced(added, table, kind or "constraint", name or "primary", ()):
                return
            if (kind == "check" or "null" in name.lower() or "nn" in name.lower()) \
                    and added.made_redundant(table, name, action.line):
                return
            label = {"foreign": "foreign key", "primary": "primary key", "check":
                     "check constraint", "unique": "unique constraint"}.get(kind, "constraint")
            yield self._report(script, stmt, action.line, qualified(table, name or label),
                               f"The {label} {name or ''} on {table} is dropped and not "
                               "replaced".replace("  ", " "))
        elif act == "DROP INDEX" and name:
            if _is_unique_index(script, name) and not _replaced(added, table, "unique", name, ()):
                yield self._report(script, stmt, action.line, qualified(table, name),
                                   f"Unique index {name} on {table} is dropped and not replaced")
        elif act in ("DROP DEFAULT", "DROP NOT NULL") and name:
            what = "default" if act == "DROP DEFAULT" else "not null"
            if _replaced(added, table, what, name, ()):
                return
            column = qualified(table, name)
            text = "loses its DEFAULT" if what == "default" else "accepts NULL again (DROP NOT " \
                                                                  "NULL)"
            yield self._report(script, stmt, action.line, column, f"Column {column} {text}")
        else:
            upper = " ".join(action.text.upper().split())
            if upper.startswith(("DISABLE ROW LEVEL SECURITY", "NO FORCE ROW LEVEL SECURITY")):
                if not _replaced(added, table, "rls", "", ()):
                    yield self._report(script, stmt, action.line, table,
                                       f"Row-level security is switched off on {table}: its "
                                       "policies stop filtering rows")
            elif upper.startswith("DISABLE TRIGGER") and not _replaced(
                    added, table, "trigger-enabled", "", ()):
                what = upper.split()[2].lower() if len(upper.split()) > 2 else "a trigger"
                extra = " (including foreign-key enforcement)" if what == "all" else ""
                yield self._report(script, stmt, action.line, table,
                                   f"Trigger {what} on {table} is disabled{extra}")

    def _drop_index(self, script: Script, stmt: Statement,
                    added: _Guards) -> Iterator[Finding]:
        for name in stmt.targets:
            if not _is_unique_index(script, name):
                continue
            created = script.created_indexes.get(bare(name))
            if created is not None and created[0] < stmt.line:
                continue
            table = stmt.table or (created[2] if created else None)
            if _replaced(added, table, "unique", name, ()):
                continue
            yield self._report(script, stmt, stmt.line, qualified(table, name),
                               f"Unique index {name} is dropped and not replaced: duplicates "
                               "become possible")

    def _report(self, script: Script, stmt: Statement, line: int, address: str | None,
                message: str) -> Finding:
        sev, conf = judged(script, self.severity, Confidence.HIGH)
        return self.finding(message, location(script, line, address),
                            evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _is_unique_index(script: Script, name: str) -> bool:
    created = script.created_indexes.get(bare(name))
    if created is not None:
        return created[1]
    n = bare(name)
    if _UNIQUE_WORD.search(n):
        return True
    if _PLAIN_WORD.search(n):
        return False
    return n.endswith(("_key", "_pkey"))


def _additions(script: Script) -> list[_Added]:
    """Guards the up direction adds (constraints, unique indexes, defaults, triggers…)."""
    out: list[_Added] = []
    for s in script.up:
        table = s.table or ""
        if s.verb == "ALTER TABLE":
            for a in s.alter_actions:
                upper = " ".join(a.text.upper().split())
                if a.action == "ADD CONSTRAINT":
                    cur = action_cursor(a, script.mysql)
                    con = table_constraint(a.text, cur, 1, len(cur))
                    if con is not None:
                        kind = "unique" if con.kind == "index" and "UNIQUE" in upper else con.kind
                        out.append(_Added(table, kind, (con.name or a.name or "").lower(),
                                          con.columns, a.line))
                        if con.kind == "primary":
                            out.append(_Added(table, "primary", "primary", con.columns, a.line))
                elif a.action == "ADD INDEX" and "UNIQUE" in upper:
                    out.append(_Added(table, "unique", (a.name or "").lower(), (), a.line))
                elif a.action == "SET DEFAULT" and a.name:
                    out.append(_Added(table, "default", a.name.lower(), (), a.line))
                elif a.action == "SET NOT NULL" and a.name:
                    out.append(_Added(table, "not null", a.name.lower(), (), a.line))
                elif upper.startswith(("ENABLE ROW LEVEL SECURITY", "FORCE ROW LEVEL SECURITY")):
                    out.append(_Added(table, "rls", "", (), a.line))
                elif upper.startswith("ENABLE TRIGGER"):
                    out.append(_Added(table, "trigger-enabled", "", (), a.line))
        elif s.verb == "CREATE INDEX" and "UNIQUE" in s.words[:3]:
            out.append(_Added(table, "unique", bare(s.target).lower(), (), s.line))
        elif s.verb in ("CREATE TRIGGER", "CREATE POLICY", "CREATE RULE") and s.target:
            out.append(_Added(table, s.verb.split()[1].lower(), bare(s.target), (), s.line))
    return out


class _Guards:
    """The guards a file adds, indexed by name and by (table, kind)."""

    def __init__(self, added: list[_Added]) -> None:
        self.by_name: dict[str, list[_Added]] = {}
        self.by_kind: dict[tuple[str, str], list[_Added]] = {}
        for a in added:
            if a.name:
                self.by_name.setdefault(a.name, []).append(a)
            self.by_kind.setdefault((bare(a.table), a.kind), []).append(a)

    def made_redundant(self, table: str, name: str, line: int) -> bool:
        """A check named after a column dropped once ``SET NOT NULL`` on that column ran."""
        lowered = name.lower()
        return any(a.line <= line and a.name in lowered
                   for a in self.by_kind.get((bare(table), "not null"), ()))


def _replaced(added: _Guards, table: str | None, kind: str, name: str,
              columns: tuple[str, ...]) -> bool:
    """True when the file adds the same guard back on the same table."""
    name = bare(name) if name else ""
    for a in added.by_name.get(name, ()) if name else ():
        if table and a.table and not same_object(a.table, table):
            continue
        if a.kind == kind or kind in ("constraint", ""):
            return True
    if not table:
        return False
    if kind in ("foreign", "unique", "primary", "check", "exclude"):
        return any(not columns or not a.columns or set(columns) == set(a.columns)
                   for a in added.by_kind.get((bare(table), kind), ()))
    return kind in ("rls", "trigger-enabled") and bool(added.by_kind.get((bare(table), kind)))

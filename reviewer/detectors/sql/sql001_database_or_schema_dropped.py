"""SQL001: a migration drops a whole database or schema."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import Script, evidence, judged, key, location
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript


class DatabaseOrSchemaDropped(Detector[SqlScript]):
    """A migration drops a whole database or schema (or every object a role owns).

    ## What it detects
    `DROP DATABASE`, `DROP SCHEMA` (MySQL's synonym of `DROP DATABASE`) and PostgreSQL
    `DROP OWNED BY role` in the up direction of a SQL script or migration, including SQL run
    from a `DO` block. `CASCADE` is named in the message. Not reported: objects the same file
    created earlier (a scratch schema), statements in the down direction (`*.down.sql`,
    `-- +goose Down`…), and `DROP OWNED BY` after `REASSIGN OWNED BY` of the same role (the
    usual role clean-up, which then only revokes privileges). Test fixtures and seed scripts
    are reported at `low`.

    ## Why is this risky?
    One statement removes every table, view, function and row in the database or schema.
    Nothing asks for confirmation and the only way back is a restore from backup, with the
    data written since the last backup lost.

    ## Example
    ```sql
    DROP SCHEMA analytics CASCADE;
    ```

    ## Safer alternative
    Rename the schema out of the way and drop it in a later, separately reviewed change once
    nothing has missed it (and a backup is confirmed):
    ```sql
    ALTER SCHEMA analytics RENAME TO analytics_retired_2024_08;
    ```

    ## References
    - squawk `ban-drop-database`, `ban-drop-schema`
    - Atlas `DS101` (schema dropped)
    - DCG `database.postgresql:drop-database`, `database.mysql:drop-database`
    """

    code = "SQL001"
    name = "database-or-schema-dropped"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.CRITICAL
    remediation = (
        "Confirm a restorable backup exists and that nothing uses the database or schema; "
        "rename it first and drop it in a later, separately reviewed migration."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb in ("DROP DATABASE", "DROP SCHEMA", "DROP OWNED")
                   for s in doc.statements) and not any(s.verb == "DO" for s in doc.statements):
            return
        script = Script(doc)
        reassigned: set[str] = set()
        for stmt in script.up:
            if stmt.verb == "REASSIGN":
                reassigned.update(_owned_by_roles(stmt.words))
            if stmt.verb not in ("DROP DATABASE", "DROP SCHEMA", "DROP OWNED"):
                continue
            if not doc.touches(stmt.line, stmt.end_line):
                continue
            cascade = " with CASCADE" if stmt.has_word("CASCADE") else ""
            if stmt.verb == "DROP OWNED":
                roles = _owned_by_roles(stmt.words)
                if roles and roles <= reassigned:
                    continue
                who = ", ".join(sorted(r.lower() for r in roles)) or "a role"
                sev, conf = judged(script, Severity.HIGH, Confidence.MEDIUM)
                yield self.finding(
                    f"Migration drops every object owned by {who}{cascade} (no REASSIGN OWNED "
                    "first)", location(script, stmt.line, who), evidence=evidence(stmt.text),
                    severity=sev, confidence=conf)
                continue
            what = "database" if stmt.verb == "DROP DATABASE" or script.mysql else "schema"
            for name in stmt.targets or ("?",):
                if script.created_schemas.before(name, stmt.line):
                    continue
                sev, conf = judged(script, self.severity, self.confidence)
                guard = " (IF EXISTS)" if stmt.has_word("EXISTS") else ""
                yield self.finding(
                    f"Migration drops {what} {name}{cascade}{guard}: every object in it is lost",
                    location(script, stmt.line, key(name) or name),
                    evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _owned_by_roles(words: tuple[str, ...]) -> set[str]:
    if "BY" not in words:
        return set()
    rest = words[words.index("BY") + 1:]
    stop = {"TO", "CASCADE", "RESTRICT"}
    out: set[str] = set()
    for w in rest:
        if w in stop:
            break
        out.add(w)
    return out

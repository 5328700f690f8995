"""SQL012: a migration changes privileges or ownership, or runs SQL the review cannot see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.sql._common import (
    QIDENT,
    STRING,
    WORD,
    Cursor,
    NameIndex,
    Script,
    do_body,
    evidence,
    judged,
    location,
    tokenize,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.sql import SqlScript, Statement

#: Roles whose membership amounts to administrator rights.
_PRIVILEGED_ROLES = frozenset({
    "rds_superuser", "cloudsqlsuperuser", "azure_pg_admin", "alloydbsuperuser", "postgres",
    "pg_write_all_data", "pg_read_all_data", "pg_execute_server_program",
    "pg_read_server_files", "pg_write_server_files", "db_owner", "sysadmin", "admin",
    "superuser", "root", "dba",
})
_BROAD = re.compile(r"\bON\s+ALL\s+(TABLES|SEQUENCES|FUNCTIONS|PROCEDURES|ROUTINES)\s+IN\s+"
                    r"SCHEMA\b|\bON\s+\*\s*\.\s*\*|\bON\s+[`\"\w]+\s*\.\s*\*", re.I)
_DYNAMIC = re.compile(r"\bEXECUTE\b(?!\s+(?:FUNCTION|PROCEDURE)\b)", re.I)
_VERBS = frozenset({"GRANT", "REVOKE", "DROP USER", "DROP ROLE", "DROP GROUP", "REASSIGN",
                    "ALTER DEFAULT PRIVILEGES", "ALTER ROLE", "ALTER USER", "CREATE ROLE",
                    "CREATE USER", "DO", "PREPARE"})


@dataclass(frozen=True, slots=True)
class _Grant:
    privileges: tuple[str, ...]  # upper-case words before ON (or the roles granted)
    on: bool                     # an object privilege (GRANT … ON …) vs a role membership
    grantees: tuple[str, ...]    # lower-case; "public" for PUBLIC
    grant_option: bool


class PrivilegeChange(Detector[SqlScript]):
    """A migration grants broad privileges, revokes access, drops roles or hides its SQL.

    ## What it detects
    In the up direction (`medium` unless stated):
    - `GRANT ALL`, any `GRANT … TO PUBLIC`, grants on every object of a schema (`ON ALL
      TABLES IN SCHEMA`, MySQL `ON *.*` / `ON db.*`), `WITH GRANT OPTION`,
      `ALTER DEFAULT PRIVILEGES … GRANT`, membership of an administrator role
      (`rds_superuser`, `pg_write_all_data`…). `GRANT ALL` on every table of a schema to
      `PUBLIC`, and `GRANT ALL ON *.*`, are `high`; `GRANT ALL` on a table the same file
      created, to a named role, and `EXECUTE`/`USAGE` to `PUBLIC` are `low`;
    - `REVOKE` (revoking from `PUBLIC` is hardening and is not reported);
    - `DROP USER` / `DROP ROLE`, `REASSIGN OWNED`, `ALTER … OWNER TO` on objects the file did
      not create (a schema dump's ownership lines are not reported);
    - `SUPERUSER` or `BYPASSRLS` given to a role (`high`);
    - opaque SQL: dynamic `EXECUTE` inside a `DO` block, MySQL `PREPARE … FROM @variable`
      (`medium`, low confidence: the statement run cannot be reviewed).

    Passwords in `CREATE USER`/`ALTER ROLE` are masked in the evidence.

    ## Why is this risky?
    Broad grants expose data to every role, including ones created later; revokes and dropped
    roles break the application's own access at deploy time; ownership decides who can drop
    an object. Dynamic SQL hides what the migration really does from review.

    ## Example
    ```sql
    GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO PUBLIC;
    ```

    ## Safer alternative
    Grant the specific privileges a named application role needs:
    ```sql
    GRANT SELECT, INSERT, UPDATE ON orders TO app_writer;
    ```

    ## References
    - squawk opt-in `ban-revoke`
    - strong_migrations `execute`; django-migration-linter `RUNSQL_REVERSIBLE`
    - DCG `database.mysql:grant-all`, `database.mysql:drop-user`
    - incidents reference: SQL-PERM-GRANT
    """

    code = "SQL012"
    name = "privilege-change"
    family = "sql"
    kinds = (InputKind.SQL,)
    severity = Severity.MEDIUM
    remediation = (
        "Grant only the privileges a named role needs on named objects; make revokes, role "
        "drops and ownership changes their own reviewed change; avoid dynamic SQL in migrations."
    )

    def detect(self, doc: SqlScript) -> Iterator[Finding]:
        if not any(s.verb in _VERBS or "OWNER" in s.words for s in doc.statements):
            return
        script = Script(doc)
        created = _created(script)
        for stmt in script.reviewed():
            verb = stmt.verb
            if verb == "GRANT":
                yield from self._grant(script, stmt, created)
            elif verb == "ALTER DEFAULT PRIVILEGES" and "GRANT" in stmt.words:
                grant = _read_grant(stmt.text, script.mysql, "GRANT", "TO")
                public = grant is not None and "public" in grant.grantees
                everything = grant is not None and grant.privileges[:1] == ("ALL",)
                sev = Severity.HIGH if public and everything else self.severity
                to = ", ".join(grant.grantees) if grant else "?"
                yield self._report(script, stmt, f"Default privileges grant "
                                   f"{_privs(grant)} on every future object to {to}", sev)
            elif verb == "REVOKE":
                grant = _read_grant(stmt.text, script.mysql, "REVOKE", "FROM")
                if grant is None or "public" in grant.grantees:
                    continue
                if grant.on and stmt.targets and all(
                        created.before(t, stmt.line) for t in stmt.targets):
                    continue
                what = f"{_privs(grant)} on {', '.join(stmt.targets) or 'objects'}" \
                    if grant.on else ", ".join(p.lower() for p in grant.privileges)
                yield self._report(script, stmt, f"REVOKE {what} from "
                                   f"{', '.join(grant.grantees)}: code using that access "
                                   "starts failing")
            elif verb in ("DROP USER", "DROP ROLE", "DROP GROUP"):
                names = [t for t in stmt.targets if not created.before(t, stmt.line)]
                if names or not stmt.targets:
                    who = ", ".join(names) or _first_string(stmt.text) or "a role"
                    yield self._report(script, stmt, f"{verb} {who}: sessions and grants of "
                                       "the role stop working")
            elif verb == "REASSIGN":
                yield self._report(script, stmt, "REASSIGN OWNED moves ownership of every "
                                   "object of a role")
            elif verb in ("ALTER ROLE", "ALTER USER", "CREATE ROLE", "CREATE USER"):
                yield from self._role_attributes(script, stmt)
            elif verb == "DO":
                body = do_body(stmt)
                if body is not None and _DYNAMIC.search(body[0]):
                    yield self._report(script, stmt, "DO block runs dynamic SQL (EXECUTE): "
                                       "what it does cannot be reviewed", confidence=Confidence.LOW)
            elif verb == "PREPARE" and re.search(r"\bFROM\s+@", stmt.text, re.I):
                yield self._report(script, stmt, "PREPARE runs SQL built in a variable: what it "
                                   "does cannot be reviewed", confidence=Confidence.LOW)
            if verb.startswith("ALTER ") and "OWNER" in stmt.words:
                yield from self._owner(script, stmt, created)

    def _grant(self, script: Script, stmt: Statement, created: NameIndex) -> Iterator[Finding]:
        grant = _read_grant(stmt.text, script.mysql, "GRANT", "TO")
        if grant is None:
            return
        to = ", ".join(grant.grantees) or "?"
        public = "public" in grant.grantees
        if not grant.on:
            roles = [p.lower() for p in grant.privileges]
            admin = [r for r in roles if r in _PRIVILEGED_ROLES]
            if admin or public:
                yield self._report(script, stmt, f"GRANT of role {', '.join(admin or roles)} to "
                                   f"{to}: administrator rights")
            return
        everything = grant.privileges[:1] == ("ALL",)
        broad = bool(_BROAD.search(stmt.text))
        objects = ", ".join(stmt.targets) or "objects"
        if broad and "*" in stmt.text:
            objects = "every database" if re.search(r"\*\s*\.\s*\*", stmt.text) else \
                f"every table of {objects}"
        elif broad:
            objects = f"every object in schema {objects}"
        message = f"GRANT {_privs(grant)} on {objects} to {to}"
        if everything and ((broad and public) or re.search(r"\bON\s+\*\s*\.\s*\*", stmt.text)):
            yield self._report(script, stmt, message + ": full access to all data",
                               Severity.HIGH)
        elif public and set(grant.privileges) <= {"EXECUTE", "USAGE"}:
            yield self._report(script, stmt, message + " (PostgreSQL already lets every role "
                               "execute functions by default)", Severity.LOW)
        elif public:
            yield self._report(script, stmt, message + ": every role, current and future, "
                               "gets it")
        elif everything or broad or grant.grant_option:
            new_objects = bool(stmt.targets) and all(
                created.before(t, stmt.line) for t in stmt.targets)
            if everything and not broad and not grant.grant_option and new_objects:
                yield self._report(script, stmt, message + " (objects created in this file)",
                                   Severity.LOW)
                return
            extra = " WITH GRANT OPTION" if grant.grant_option else ""
            yield self._report(script, stmt, message + extra)

    def _role_attributes(self, script: Script, stmt: Statement) -> Iterator[Finding]:
        words = set(stmt.words)
        who = stmt.target or _first_string(stmt.text) or "a role"
        if "SUPERUSER" in words:
            yield self._report(script, stmt, f"Role {who} is given SUPERUSER: it bypasses every "
                               "permission check", Severity.HIGH)
        elif "BYPASSRLS" in words:
            yield self._report(script, stmt, f"Role {who} is given BYPASSRLS: row-level security "
                               "policies no longer filter what it reads", Severity.HIGH)
        elif stmt.verb.startswith("ALTER") and words & {"CREATEROLE", "REPLICATION"}:
            attrs = ", ".join(sorted(words & {"CREATEROLE", "REPLICATION"}))
            yield self._report(script, stmt, f"Role {who} is given {attrs}")

    def _owner(self, script: Script, stmt: Statement, created: NameIndex) -> Iterator[Finding]:
        words = stmt.words
        idx = [k for k in range(len(words) - 1) if words[k] == "OWNER" and words[k + 1] == "TO"]
        if not idx:
            return
        target = stmt.target or "?"
        if created.before(target, stmt.line + 1):
            return
        cur = Cursor(tokenize(stmt.text, script.mysql))
        owner = "?"
        for k in range(len(cur)):
            if cur.word(k) == "OWNER" and cur.word(k + 1) == "TO":
                owner = cur.name(k + 2)[0] or "?"
        kind = stmt.verb.removeprefix("ALTER ").lower()
        yield self._report(script, stmt, f"Ownership of {kind} {target} moves to {owner}: the "
                           "owner can alter or drop it")

    def _report(self, script: Script, stmt: Statement, message: str,
                severity: Severity | None = None, confidence: Confidence = Confidence.HIGH
                ) -> Finding:
        sev, conf = judged(script, severity or self.severity, confidence)
        return self.finding(message, location(script, stmt.line, stmt.target),
                            evidence=evidence(stmt.text), severity=sev, confidence=conf)


def _read_grant(text: str, mysql: bool, verb: str, to_word: str) -> _Grant | None:
    cur = Cursor(tokenize(text, mysql))
    words = [cur.word(k) for k in range(len(cur))]
    if verb not in words:
        return None
    start = words.index(verb) + 1
    start = cur.skip(start, ("GRANT", "OPTION", "FOR"), ("ADMIN", "OPTION", "FOR"))
    on = next((k for k in range(start, len(cur)) if words[k] == "ON"
               and cur.toks[k].depth == 0), None)
    to = next((k for k in range(start, len(cur)) if words[k] == to_word
               and cur.toks[k].depth == 0), None)
    if to is None:
        return None
    end = on if on is not None and on < to else to
    privileges = tuple(words[k] for k in range(start, end)
                       if words[k] and cur.toks[k].depth == 0 and words[k] != "PRIVILEGES")
    if not privileges:
        privileges = tuple(t.value.lower() for t in cur.toks[start:end] if t.kind == QIDENT)
    grantees: list[str] = []
    grant_option = False
    k = to + 1
    while k < len(cur):
        t = cur.toks[k]
        if t.kind == WORD and t.value in ("WITH", "GRANTED", "CASCADE", "RESTRICT",
                                          "IDENTIFIED", "REQUIRE", "AS"):
            grant_option = t.value == "WITH" and cur.word(k + 1) == "GRANT"
            break
        if t.kind in (WORD, QIDENT, STRING):
            grantees.append("public" if t.kind == WORD and t.value == "PUBLIC"
                            else t.raw.lower())
            k += 1
            if cur.punct(k, "@"):
                k += 2  # MySQL 'user'@'host'
            continue
        k += 1
    if not privileges and on is None:
        return None
    return _Grant(privileges=privileges, on=on is not None and on < to,
                  grantees=tuple(grantees), grant_option=grant_option)


def _privs(grant: _Grant | None) -> str:
    if grant is None or not grant.privileges:
        return "privileges"
    if grant.privileges[0] == "ALL":
        return "ALL"
    return ", ".join(grant.privileges)


def _first_string(text: str) -> str | None:
    for t in tokenize(text, True):
        if t.kind in (STRING, QIDENT):
            return t.value
    return None


def _created(script: Script) -> NameIndex:
    index = NameIndex()
    for s in script.up:
        if s.verb.startswith("CREATE ") and s.target:
            index.add(s.target, s.line)
    return index

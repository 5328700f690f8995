"""SH005: database CLIs that drop, truncate or wipe data (psql -c DROP, dropdb, FLUSHALL…)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    Script,
    commands,
    env_value,
    is_prod,
    parse_cli,
    program_of,
    trim,
    unquote,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import Command, ShellScript
from reviewer.parsers.workflow import Workflow

_PSQL_VALUE_OPTS = frozenset({"-c", "--command", "-h", "--host", "-p", "--port", "-U",
                              "--username", "-d", "--dbname", "-f", "--file", "-v", "--set",
                              "--variable", "-o", "--output", "-P", "--pset", "-F", "-R", "-L"})
_MYSQL_VALUE_OPTS = frozenset({"-e", "--execute", "-h", "--host", "-P", "--port", "-u", "--user",
                               "-D", "--database", "-S", "--socket", "--defaults-file",
                               "--default-character-set", "--protocol", "--login-path"})
_MONGO_VALUE_OPTS = frozenset({"--eval", "--host", "--port", "-u", "--username", "-p",
                               "--password", "--authenticationDatabase", "--db", "-d",
                               "--uri", "--archive", "--nsInclude", "--nsExclude", "--gzip",
                               "--file", "--dir"})
_REDIS_VALUE_OPTS = frozenset({"-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s"})
_CLICKHOUSE_VALUE_OPTS = frozenset({"-q", "--query", "-h", "--host", "--port", "-u", "--user",
                                    "-d", "--database", "--password"})
_SQL_PROGRAMS = frozenset({"psql", "mysql", "mariadb", "clickhouse-client", "clickhouse", "cqlsh",
                           "sqlcmd", "cockroach", "snowsql"})
_PROGRAMS = (*_SQL_PROGRAMS, "dropdb", "mysqladmin", "pg_restore", "mongorestore", "redis-cli",
             "valkey-cli", "mongosh", "mongo", "clickhouse")
_NEEDLES = ("psql", "mysql", "mariadb", "clickhouse", "cqlsh", "sqlcmd", "cockroach", "snowsql",
            "dropdb", "pg_restore", "mongo", "redis-cli", "valkey-cli")

_STATEMENT_DROP = re.compile(
    r"^\s*DROP\s+(DATABASE|SCHEMA|TABLE|KEYSPACE|COLLECTION)\s+(?:IF\s+EXISTS\s+)?"
    r"([^\s;,(]+)", re.IGNORECASE)
_STATEMENT_TRUNCATE = re.compile(r"^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?([^\s;,(]+)",
                                 re.IGNORECASE)
_STATEMENT_DELETE = re.compile(r"^\s*DELETE\s+FROM\s+(?:ONLY\s+)?([^\s;,(]+)", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_MONGO_WIPE = re.compile(r"dropDatabase\s*\(|\.drop\s*\(\s*\)|\.(deleteMany|remove)\s*\(\s*"
                         r"\{\s*\}\s*\)")
_REDIS_WIPE = frozenset({"FLUSHALL", "FLUSHDB"})
#: Hosts of a local or CI-service database.
_LOCAL_HOSTS = re.compile(r"^(localhost|127\.0\.0\.1|::1|0\.0\.0\.0|host\.docker\.internal"
                          r"|/tmp|/var/run/postgresql|/run/postgresql)$")
_URL_HOST = re.compile(r"://(?:[^@/\s]*@)?([^:/?\s]+)")
_TEST_NAME = re.compile(r"(?<![a-z])(test|tests|testing|ci|dev|tmp|temp|scratch|sandbox|e2e|"
                        r"local)(?![a-z])|_test\b|test_", re.IGNORECASE)
#: Environment variables naming the database a client connects to.
_CONNECTION_ENV = ("PGHOST", "PGDATABASE", "DATABASE_URL", "MYSQL_HOST", "MYSQL_DATABASE",
                   "REDISCLI_HOST", "REDIS_HOST", "REDIS_URL", "MONGODB_URI")
_SHELL_QUOTES = re.compile(r"""^(['"])(.*)\1$""", re.S)


@dataclass(frozen=True, slots=True)
class _Wipe:
    what: str
    #: Database / table names involved (for the test-database check).
    names: tuple[str, ...]
    #: ``what`` is a SQL statement the client runs (else a whole sentence).
    statement: bool = True


def split_statements(sql: str) -> list[str]:
    """SQL text split on ``;`` outside quotes, comments removed."""
    out: list[str] = []
    buf: list[str] = []
    quote = ""
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
            buf.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = len(sql) if end < 0 else end + 2
            continue
        elif ch == ";":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip()]


def sql_wipes(sql: str) -> list[_Wipe]:
    """Statements that drop or empty data: DROP DATABASE/SCHEMA/TABLE, TRUNCATE, DELETE
    without WHERE."""
    found: list[_Wipe] = []
    for statement in split_statements(sql):
        match = _STATEMENT_DROP.match(statement)
        if match:
            kind, name = match.group(1).upper(), match.group(2)
            found.append(_Wipe(f"DROP {kind} {name}", (name,)))
            continue
        match = _STATEMENT_TRUNCATE.match(statement)
        if match:
            found.append(_Wipe(f"TRUNCATE {match.group(1)}", (match.group(1),)))
            continue
        match = _STATEMENT_DELETE.match(statement)
        if match and not _WHERE.search(statement):
            table = match.group(1)
            found.append(_Wipe(f"DELETE FROM {table} without WHERE",  # noqa: S608 - a message
                               (table,)))
    return found


def _piped_text(script: Script, command: Command) -> str:
    """Text piped into the command by ``echo``/``printf`` in the same pipeline."""
    if command.pipeline is None or command.stage == 0:
        return ""
    texts = []
    for other in script.pipeline(command.pipeline):
        if other.stage >= command.stage:
            break
        argv = other.effective_argv
        if argv and program_of(argv[0]) in ("echo", "printf"):
            texts.append(" ".join(a for a in argv[1:] if not a.startswith("-")))
        if other.heredoc:
            texts.append(other.heredoc)
    return "\n".join(texts)


def _here_strings(command: Command) -> str:
    out = []
    for redirect in command.redirects:
        if redirect.startswith("<<<"):
            body = redirect[3:].strip()
            match = _SHELL_QUOTES.match(body)
            out.append(match.group(2) if match else body)
    return "\n".join(out)


def _sql_text(program: str, argv: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(SQL given on the command line, connection words: hosts, URLs, database names)."""
    args = argv[1:]
    if program == "psql":
        cli = parse_cli(args, _PSQL_VALUE_OPTS)
        return ("\n".join(cli.values("-c", "--command")),
                (*cli.values("-h", "--host", "-d", "--dbname"), *cli.positionals))
    if program in ("mysql", "mariadb"):
        cli = parse_cli(args, _MYSQL_VALUE_OPTS)
        return ("\n".join(cli.values("-e", "--execute")),
                (*cli.values("-h", "--host", "-D", "--database"), *cli.positionals))
    if program == "clickhouse-client":
        cli = parse_cli(args, _CLICKHOUSE_VALUE_OPTS)
        return "\n".join(cli.values("-q", "--query")), cli.values("-h", "--host", "-d",
                                                                   "--database")
    if program == "cqlsh":
        cli = parse_cli(args, frozenset({"-e", "--execute", "-u", "-p", "-k", "--keyspace"}))
        return "\n".join(cli.values("-e", "--execute")), (*cli.positionals,
                                                           *cli.values("-k", "--keyspace"))
    if program == "sqlcmd":
        cli = parse_cli(args, frozenset({"-Q", "-q", "-S", "-d", "-U", "-P", "-i"}))
        return "\n".join(cli.values("-Q", "-q")), cli.values("-S", "-d")
    cli = parse_cli(args, frozenset({"-e", "--execute", "--host", "--url", "-q", "--query",
                                     "-d", "--database"}))
    return ("\n".join(cli.values("-e", "--execute", "-q", "--query")),
            cli.values("--host", "--url", "-d", "--database"))


def _wipes(script: Script, command: Command, argv: tuple[str, ...]) -> tuple[list[_Wipe],
                                                                             tuple[str, ...]]:
    program = argv[0]
    args = argv[1:]
    if program in _SQL_PROGRAMS:
        text, conn = _sql_text(program, argv)
        extra = [command.heredoc or "", _here_strings(command), _piped_text(script, command)]
        return sql_wipes("\n;\n".join([text, *extra])), conn
    if program == "dropdb":
        cli = parse_cli(args, _PSQL_VALUE_OPTS)
        names = cli.positionals[-1:]
        return [_Wipe(f"dropdb drops the database {' '.join(names)}".strip(), names,
                      False)], (
            *cli.values("-h", "--host"), *names)
    if program == "mysqladmin":
        cli = parse_cli(args, _MYSQL_VALUE_OPTS)
        words = cli.positionals
        if words[:1] in (("drop",), ("DROP",)):
            return [_Wipe(f"mysqladmin drop drops the database {' '.join(words[1:2])}".strip(),
                          words[1:2], False)], (
                *cli.values("-h", "--host"), *words[1:2])
        return [], ()
    if program == "pg_restore":
        cli = parse_cli(args, (*_PSQL_VALUE_OPTS, "-n", "--schema", "-t", "--table", "-j"))
        if cli.has("-c", "--clean"):
            db = cli.values("-d", "--dbname")
            return [_Wipe(f"pg_restore --clean drops the objects of {' '.join(db) or 'the target'}"
                          " before restoring", db, False)], (*cli.values("-h", "--host"), *db)
        return [], ()
    if program == "mongorestore":
        cli = parse_cli(args, _MONGO_VALUE_OPTS)
        if cli.has("--drop"):
            return [_Wipe("mongorestore --drop drops every collection it restores",
                          cli.values("--db", "-d"), False)], (*cli.values("--host", "--uri"),
                                                      *cli.positionals)
        return [], ()
    if program in ("mongosh", "mongo"):
        cli = parse_cli(args, _MONGO_VALUE_OPTS)
        code = "\n".join((*cli.values("--eval"), command.heredoc or "",
                          _piped_text(script, command)))
        match = _MONGO_WIPE.search(code)
        if match:
            call = match.group(0).rstrip("( ")
            return [_Wipe(f"{program} --eval runs {call}(), which deletes data",
                          cli.positionals, False)], (
                *cli.values("--host"), *cli.positionals)
        return [], ()
    if program in ("redis-cli", "valkey-cli"):
        cli = parse_cli(args, _REDIS_VALUE_OPTS)
        upper = [w.upper() for w in cli.positionals]
        piped = _piped_text(script, command).upper() + (command.heredoc or "").upper()
        hit = next((w for w in upper if w in _REDIS_WIPE), None) or next(
            (w for w in _REDIS_WIPE if re.search(rf"\b{w}\b", piped)), None)
        if hit:
            return [_Wipe(f"{program} {hit} deletes every key", (), False)], (
                *cli.values("-h", "-u"),)
        return [], ()
    return [], ()


def _is_local(conn: tuple[str, ...], script: Script, command: Command) -> bool:
    for word in conn:
        match = _URL_HOST.search(word)
        host = match.group(1) if match else word
        if _LOCAL_HOSTS.match(host) or host in script.services:
            return True
    argv = command.effective_argv
    return bool(argv) and program_of(argv[0]) in ("docker", "docker-compose", "podman",
                                                  "nerdctl")


class DatabaseCliDestruction(Detector[ShellScript | Workflow]):
    """A script or CI step drops or empties a database through its command-line client.

    ## What it detects
    `psql -c`, `mysql -e`, `clickhouse-client -q`, `cqlsh -e`, `sqlcmd -Q` (and the same SQL
    fed by a heredoc, a here-string or `echo … |`) running `DROP DATABASE|SCHEMA|TABLE`,
    `TRUNCATE`, or `DELETE` without `WHERE`; `dropdb`; `mysqladmin drop`; `pg_restore
    --clean`; `mongorestore --drop`; `mongosh --eval` with `dropDatabase()`, `.drop()` or
    `deleteMany({})`; `redis-cli FLUSHALL|FLUSHDB`. A local or CI-service database
    (`localhost`, a `services:` container, `docker compose exec`) whose name says it is a
    test database is not reported; either one alone goes down to `medium`.

    ## Why is this risky?
    These commands run outside any migration review and cannot be rolled back: one wrong
    connection string empties production. Replit's agent wiped a production database this
    way during a declared code freeze.

    ## Example
    ```sh
    #!/bin/bash
    psql "$DATABASE_URL" -c "DELETE FROM executives; DELETE FROM companies;"
    ```

    ## Safer alternative
    Scope the statement and run data changes as reviewed migrations, with a backup first:
    ```sh
    #!/bin/bash
    psql "$DATABASE_URL" -c "DELETE FROM executives WHERE archived_at < now() - interval '2 years';"
    ```

    ## References
    - destructive_command_guard `database.postgresql:drop-database`, `drop-table`,
      `truncate-table`, `delete-without-where`, `dropdb-cli`; `database.mysql:*`;
      `database.mongodb:drop-database`, `mongorestore-drop`; `database.redis:flushall`,
      `flushdb`
    - Incident: Replit agent deletes SaaStr's production database (2025)
    """

    code = "SH005"
    name = "database-cli-destruction"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    remediation = (
        "Run schema and data changes as reviewed, reversible migrations; add a WHERE clause, "
        "take a backup first, and never point clean-up scripts at a production connection."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, _PROGRAMS, _NEEDLES, through_exec=True):
            wipes, conn = _wipes(script, command, argv)
            if not wipes:
                continue
            conn = (*conn, *(unquote(v) for name in _CONNECTION_ENV
                             if (v := env_value(script, command, name))))
            names = tuple(n for w in wipes for n in w.names)
            prod = is_prod(*conn, *names, script.scope)
            local = _is_local(conn, script, command)
            test = bool(names) and all(_TEST_NAME.search(n) for n in names)
            severity, confidence = Severity.CRITICAL, Confidence.HIGH
            note = ""
            if not prod and local and test:
                continue
            if not prod and (local or test):
                severity, confidence = Severity.MEDIUM, Confidence.LOW
                note = " (a local or test database)"
            what = "; ".join(w.what for w in wipes[:3])
            if len(wipes) > 3:
                what += f"; and {len(wipes) - 3} more"
            if wipes[0].statement:
                what = f"{argv[0]} runs {what}"
            yield self.finding(
                script.message(trim(f"{what}{note}", 180), command),
                Location(path=script.path, line=command.line),
                evidence=script.evidence(command), severity=severity, confidence=confidence,
            )

"""SH010: ``rm -rf`` of a database's data directory with no check of the host's role."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import program_of, scripts
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import ShellScript
from reviewer.parsers.workflow import Workflow

_DATA_DIR = re.compile(r"(postgres(ql)?|pgsql|pg)[^ ]*/(data|main)\b|pgdata|/var/lib/mysql\b|"
                       r"mysql[^ ]*/data\b|/var/lib/mongodb\b|mongo[^ ]*/(data|db)\b|"
                       r"/var/lib/cassandra\b|/var/lib/redis\b|/var/lib/etcd\b|etcd[^ ]*/member\b",
                       re.I)
_ROLE_CHECK = re.compile(r"pg_is_in_recovery|read_only|super_read_only|rs\.isMaster|"
                         r"isWritablePrimary|role:\s*slave|ROLE\b|patronictl\s+list|"
                         r"repmgr\s+node\s+status", re.I)


class DatabaseDataDirRemoved(Detector[ShellScript | Workflow]):
    """`rm -rf` of a database's data directory with no check of the host's role.

    ## What it detects
    `rm -r`/`rm -rf` (directly, through `sudo`, or inside an `ssh host '…'` string) whose
    target is a database data directory: PostgreSQL (`…/postgresql/…/data`, `$PGDATA`),
    MySQL (`/var/lib/mysql`), MongoDB, Cassandra, Redis, etcd. It is `critical` unless the
    script checks the host's role first (`pg_is_in_recovery()`, `read_only`,
    `rs.isMaster`, `patronictl list`), then `medium`.

    ## Why is this risky?
    Emptying a data directory is a normal step when re-seeding a replica and a disaster on
    the primary. The command is the same on both, and in the middle of an incident the
    terminal of the wrong host looks like the right one: an engineer meaning to reset a
    lagging replica deleted about 300 GB from the primary of a code-hosting service, and
    every backup then turned out not to work.

    ## Example
    ```sh
    ssh db1.example 'sudo rm -rf /var/opt/app/postgresql/data'
    ```

    ## Safer alternative
    Check the role on the host itself before touching anything, and move the directory
    aside instead of deleting it:
    ```sh
    ssh db2.example 'sudo mv /var/opt/app/postgresql/data /var/opt/app/postgresql/data.old'
    ```

    ## References
    - GitLab, "Postmortem of database outage of January 31" (2017)
    """

    code = "SH010"
    name = "database-data-dir-removed"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    confidence = Confidence.MEDIUM
    remediation = ("Assert the host's role in the script (pg_is_in_recovery() = true) and move "
                   "the data directory aside instead of deleting it.")

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script in scripts(doc, ("rm",)):
            raws = [c.raw for c in script.shell.commands]
            for index, command in enumerate(script.shell.commands):
                argv = command.effective_argv
                if not argv or program_of(argv[0]) != "rm" or not script.touches(command):
                    continue
                flags = "".join(a.lstrip("-") for a in argv[1:] if a.startswith("-"))
                if "r" not in flags.lower() and "recursive" not in flags:
                    continue
                targets = [a for a in argv[1:] if not a.startswith("-") and _DATA_DIR.search(a)]
                if not targets:
                    continue
                guarded = any(_ROLE_CHECK.search(raw) for raw in raws[:index])
                message = (f"the database data directory {targets[0]} is deleted"
                           + (" after a role check" if guarded else
                              " with no check that this host is not the primary"))
                yield self.finding(
                    script.message(message, command),
                    Location(path=script.path, line=command.line),
                    evidence=script.evidence(command),
                    severity=Severity.MEDIUM if guarded else self.severity)

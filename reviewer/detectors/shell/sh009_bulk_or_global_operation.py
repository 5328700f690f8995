"""SH009: a mutating command acts on everything at once: global scope, a large count, a loop."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import Script, program_of, scripts
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import Command, ShellScript
from reviewer.parsers.workflow import Workflow

_MUTATING = frozenset({"drain", "remove", "delete", "decommission", "terminate", "disable",
                       "withdraw", "shutdown", "stop", "destroy", "purge", "evict", "cordon",
                       "deregister", "retire", "wipe", "reboot", "restart"})
_GLOBAL_OPTS = frozenset({"--scope", "--region", "--regions", "--links", "--targets",
                          "--target", "--hosts", "--fleet", "--zone", "--zones", "--cluster",
                          "--clusters", "--ring", "--rings"})
_GLOBAL_VALUES = frozenset({"global", "all", "*", "world", "everywhere", "fleet"})
_ALL_FLAGS = frozenset({"--all", "--all-regions", "--all-hosts", "--everywhere", "--global"})
_COUNT_OPTS = frozenset({"--count", "-n", "--number", "--hosts-count", "--num-hosts"})
_LARGE_COUNT = 50
_HTTP = frozenset({"curl", "wget", "http", "https", "xh"})
_HARD = re.compile(r"(permanent|hard[-_]?delete|purge|force=true|mode=hard|destroy)", re.I)
_MOVERS = frozenset({"move", "mv", "Move-Item", "robocopy"})
_DIR_CHECK = re.compile(r"^(test|\[|\[\[|Test-Path|if|dir|ls|stat)$", re.I)


def _options(argv: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, word in enumerate(argv):
        if word.startswith("-"):
            name, eq, value = word.partition("=")
            if eq:
                out[name] = value
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                out[name] = argv[i + 1]
            else:
                out[name] = ""
    return out


def _fleet_op(argv: tuple[str, ...]) -> str | None:
    words = {w.lower() for w in argv[1:] if not w.startswith("-")}
    flags = {w.split("=", 1)[0].lower() for w in argv if w.startswith("-")}
    verbs = (words | {f.lstrip("-") for f in flags}) & _MUTATING
    if not verbs:
        return None
    opts = _options(argv)
    verb = sorted(verbs)[0]
    for name, value in opts.items():
        if name in _GLOBAL_OPTS and value.lower() in _GLOBAL_VALUES:
            return f"`{verb}` with `{name} {value}`: it acts on every target at once"
    if flags & _ALL_FLAGS:
        return f"`{verb}` with `{sorted(flags & _ALL_FLAGS)[0]}`: it acts on every target at once"
    for name, value in opts.items():
        if name in _COUNT_OPTS and value.isdigit() and int(value) >= _LARGE_COUNT:
            return (f"`{verb}` of {value} targets in one step (`{name} {value}`), with no "
                    "batch limit or minimum-capacity check")
    return None


def _http_delete(command: Command, argv: tuple[str, ...]) -> str | None:
    if program_of(argv[0]) not in _HTTP or "loop" not in command.context:
        return None
    joined = " ".join(argv)
    if not re.search(r"(-X|--request|--method)\s*=?\s*DELETE\b|\bDELETE\b", joined):
        return None
    if _HARD.search(joined):
        return ("an HTTP DELETE in permanent mode runs once per ID of a list: a wrong list "
                "deletes for good, with no dry run")
    return "an HTTP DELETE runs once per ID of a list, with no dry run or count check"


class BulkOrGlobalOperation(Detector[ShellScript | Workflow]):
    """A mutating command acts on everything at once: global scope, a large count, a loop.

    ## What it detects
    Commands of a script, runbook step or CI step that:

    - drain, remove, disable, withdraw, terminate or restart with a global target
      (`--scope global`, `--region all`, `--links all`, `--all`);
    - remove, decommission or terminate 50 or more targets in one step (`--count 300`);
    - send an HTTP `DELETE` once per ID of a list (inside a loop), `critical` when the
      request asks for permanent or hard deletion;
    - move a wildcard (`move *`, `mv *`) into a folder created earlier in the script
      without checking it exists (on Windows every file is renamed onto the same name).

    ## Why is this risky?
    Maintenance tools act on what they are given. A command meant to assess backbone
    capacity with a global scope took down every backbone link; a capacity removal with a
    mistyped count removed the index servers of a storage service; a deletion script fed
    with site IDs instead of app IDs permanently deleted 883 customer sites. The blast
    radius of a bulk or global operation is the whole fleet, and nothing in the command
    limits it.

    ## Example
    ```sh
    fleetctl capacity remove --subsystem billing --count 300 --yes
    ```

    ## Safer alternative
    Run it on a small batch, print the resolved targets first, and let the tool enforce a
    minimum capacity and a maximum per step:
    ```sh
    fleetctl capacity remove --subsystem billing --count 3 --dry-run
    ```

    ## References
    - AWS, "Summary of the Amazon S3 service disruption" (2017-02-28)
    - Meta, "More details about the October 4 outage" (2021)
    - Atlassian, "Post-incident review on the April 2022 outage"
    - Gemini CLI issue 4586 (wildcard move into a folder that was never created)
    """

    code = "SH009"
    name = "bulk-or-global-operation"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Act on a small batch first, print the resolved targets (dry run), and cap "
                   "how much one step may remove.")

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script in scripts(doc):
            made: set[str] = set()
            checked: set[str] = set()
            for command in script.shell.commands:
                argv = command.effective_argv
                if not argv:
                    continue
                prog = program_of(argv[0])
                if prog in ("mkdir", "md", "New-Item"):
                    made.update(a for a in argv[1:] if not a.startswith("-"))
                elif _DIR_CHECK.match(prog):
                    checked.update(a for a in argv[1:] if not a.startswith("-"))
                if not script.touches(command):
                    continue
                what = _fleet_op(argv)
                severity = self.severity
                if what is None:
                    what = _http_delete(command, argv)
                    if what is not None and "permanent" in what:
                        severity = Severity.CRITICAL
                if what is None and prog in _MOVERS:
                    what = self._wildcard_move(argv, made, checked)
                if what is not None:
                    yield self._finding(script, command, what, severity)

    @staticmethod
    def _wildcard_move(argv: tuple[str, ...], made: set[str], checked: set[str]) -> str | None:
        args = [a for a in argv[1:] if not a.startswith(("-", "/"))]
        if len(args) < 2 or not any("*" in a for a in args[:-1]):
            return None
        target = args[-1]
        if target in made and target not in checked:
            return (f"a wildcard is moved into `{target}`, created earlier but never checked: "
                    "if it does not exist, every file is renamed onto that one name")
        return None

    def _finding(self, script: Script, command: Command, what: str,
                 severity: Severity) -> Finding:
        return self.finding(script.message(what, command),
                            Location(path=script.path, line=command.line),
                            evidence=script.evidence(command), severity=severity)

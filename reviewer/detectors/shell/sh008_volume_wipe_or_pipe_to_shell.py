"""SH008: container volumes wiped, rsync --delete onto production, or a download piped to sh."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    Cli,
    Script,
    commands,
    is_prod,
    parse_cli,
    program_of,
    scripts,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import SHELLS, Command, ShellScript
from reviewer.parsers.workflow import Workflow

_DOCKER = ("docker", "podman", "nerdctl", "docker-compose", "podman-compose")
_DOCKER_VALUE_OPTS = frozenset({"-f", "--file", "-p", "--project-name", "--filter", "-H",
                                "--host", "--context", "-c", "--config", "--env-file",
                                "--profile", "--project-directory", "-t", "--timeout",
                                "--log-level", "--ansi", "--rmi"})
_RSYNC_VALUE_OPTS = frozenset({"-e", "--rsh", "--exclude", "--include", "--filter", "-f",
                               "--exclude-from", "--include-from", "--files-from", "--chown",
                               "--chmod", "--rsync-path", "--password-file", "--port", "-T",
                               "--temp-dir", "--log-file", "--backup-dir", "--suffix", "-B",
                               "--block-size", "--timeout", "--bwlimit", "--compare-dest",
                               "--link-dest", "--copy-dest", "-M", "--remote-option"})
_RSYNC_DELETE = ("--delete", "--delete-before", "--delete-during", "--delete-delay",
                 "--delete-after", "--delete-excluded", "--del", "--delete-missing-args")
_REMOTE = re.compile(r"^([\w.@-]+::?|rsync://)")
#: Compose files and projects of test stacks (their volumes are scratch).
_TEST_STACK = re.compile(r"(?i)(^|[^a-z])(test|tests|ci|e2e|integration|dev|local)([^a-z]|$)")
_INTERPRETERS = frozenset({*SHELLS, "python", "python3", "perl", "ruby", "node", "php"})
_DOWNLOADERS = frozenset({"curl", "wget"})
_SUBSTITUTED_DOWNLOAD = re.compile(r"(<\(|\$\()\s*(sudo\s+)?(curl|wget)\b")
_CURL_OUTPUT = frozenset({"-o", "--output", "-O", "--remote-name", "--remote-name-all",
                          "--output-dir"})


@dataclass(frozen=True, slots=True)
class _Op:
    what: str
    severity: Severity
    confidence: Confidence = Confidence.HIGH


def _docker(argv: tuple[str, ...], script: Script) -> _Op | None:
    program = argv[0]
    cli = parse_cli(argv[1:], _DOCKER_VALUE_OPTS)
    words = cli.positionals
    if program in ("docker", "podman", "nerdctl") and words[:1] == ("compose",):
        words = words[1:]
        program = f"{program} compose"
    stack = " ".join((*cli.values("-f", "--file", "-p", "--project-name"), script.scope))
    if script.in_ci and not script.self_hosted:
        return None  # a hosted runner's volumes die with the job
    if words[:2] == ("system", "prune") and cli.has("--volumes"):
        return _Op(f"{program} system prune --volumes deletes every unused volume and its data",
                   Severity.HIGH)
    if words[:2] == ("volume", "prune"):
        return _Op(f"{program} volume prune deletes every unused volume and its data",
                   Severity.HIGH)
    if words[:2] in (("volume", "rm"), ("volume", "remove")):
        names = " ".join(words[2:]) or "volumes"
        return _Op(f"{program} volume rm deletes {names} and their data", Severity.HIGH)
    if words[:1] == ("down",) and cli.has("-v", "--volumes"):
        if _TEST_STACK.search(stack):
            return None
        return _Op(f"{program} down -v deletes the stack's named volumes and their data",
                   Severity.HIGH)
    return None


def _rsync(cli: Cli, script: Script) -> _Op | None:
    deletes = [opt for opt in _RSYNC_DELETE if cli.has(opt)]
    if not deletes or cli.has("-n", "--dry-run") or len(cli.positionals) < 2:
        return None
    dest = cli.positionals[-1]
    if not _REMOTE.match(dest):
        return None
    if is_prod(dest, script.scope):
        return _Op(f"rsync {deletes[0]} deletes files on {dest} (production) that are not in "
                   "the source", Severity.HIGH)
    return _Op(f"rsync {deletes[0]} deletes files on the remote {dest} that are not in the "
               "source", Severity.MEDIUM, Confidence.LOW)


def _curl_to_stdout(argv: tuple[str, ...]) -> bool:
    program = program_of(argv[0])
    if program == "curl":
        cli = parse_cli(argv[1:], frozenset({"-o", "--output", "-H", "--header", "-d", "--data",
                                             "-u", "--user", "-X", "--request", "-A",
                                             "--user-agent", "--output-dir", "-e", "-w",
                                             "--retry", "--max-time", "-m", "--connect-timeout",
                                             "--proto", "--cacert", "--cert", "-T"}))
        outputs = [v for opt in ("-o", "--output") for v in cli.values(opt)]
        if outputs:
            return "-" in outputs or "/dev/stdout" in outputs
        return not cli.has(*_CURL_OUTPUT)
    if program == "wget":
        cli = parse_cli(argv[1:], frozenset({"-O", "--output-document", "-P", "-o",
                                             "--header", "-U", "--user-agent", "-t", "-T"}))
        return any(v in ("-", "/dev/stdout") for v in cli.values("-O", "--output-document"))
    return False


def _pipe_to_shell(script: Script) -> Iterator[tuple[Command, str, str]]:
    """(download command, description, evidence) of every download piped or substituted
    into a shell."""
    for pipeline in script.shell.pipelines:
        stages = script.pipeline(pipeline.index)
        download = next((c for c in stages if c.effective_argv
                         and program_of(c.effective_argv[0]) in _DOWNLOADERS
                         and _curl_to_stdout(c.effective_argv)), None)
        if download is None:
            continue
        shell = next((c for c in stages if c.stage > download.stage and c.effective_argv
                      and program_of(c.effective_argv[0]) in _INTERPRETERS), None)
        if shell is not None:
            yield download, (f"{program_of(download.effective_argv[0])} output is piped into "
                             f"{program_of(shell.effective_argv[0])}"), pipeline.raw
    for command in script.shell.commands:
        argv = command.effective_argv
        if command.via is not None or not argv:
            continue
        program = program_of(argv[0])
        if program in (*SHELLS, "eval", "source", ".") and any(
                _SUBSTITUTED_DOWNLOAD.search(w) for w in argv[1:]):
            yield command, f"a downloaded script is run by {program}", command.raw


class VolumeWipeOrPipeToShell(Detector[ShellScript | Workflow]):
    """A script deletes container volumes, rsync-deletes onto production, or pipes a download to sh.

    ## What it detects
    - `docker system prune --volumes`, `docker volume prune`, `docker volume rm`,
      `docker compose down -v` (also `podman`, `docker-compose`) → `high`. Not reported in
      CI steps on hosted runners (their volumes die with the job) or for test stacks
      (`docker-compose.test.yml`, `-p ci`).
    - `rsync --delete` (and `--delete-after`, `--del`…) to a remote destination → `high`
      when the destination or script names production, else `medium` with low confidence;
      `--dry-run` is not reported.
    - `curl … | sh`, `wget -O- … | bash`, `bash <(curl …)`, `sh -c "$(curl …)"` (a
      download run by a shell or interpreter without being saved and verified) → `medium`.

    ## Why is this risky?
    Named volumes hold databases and uploads; prune and `down -v` delete them with no undo.
    `rsync --delete` from a wrong or empty source directory deletes the destination's files.
    Piping a download into a shell runs whatever the server (or anyone who controls it)
    returns, with the script's credentials.

    ## Example
    ```sh
    #!/bin/bash
    curl -fsSL https://get.example.dev/install.sh | sudo bash
    ```

    ## Safer alternative
    Download, verify the checksum, then run:
    ```sh
    #!/bin/bash
    curl -fsSLo install.sh https://get.example.dev/install.sh
    echo "5f2b…  install.sh" | sha256sum -c -
    bash install.sh
    ```

    ## References
    - destructive_command_guard `containers.docker:system-prune`, `volume-prune`,
      `volume-rm`; `containers.compose:down-volumes`; `remote.rsync:rsync-delete`
    - Checkov CKV_GHA_3; ShellCheck-adjacent guidance on `curl | sh`
    """

    code = "SH008"
    name = "volume-wipe-or-pipe-to-shell"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.HIGH
    remediation = (
        "Back up volumes before pruning and name the ones to remove; dry-run rsync --delete "
        "against production; download scripts to a file, verify a checksum, then run them."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, (*_DOCKER, "rsync"), (*_DOCKER, "rsync")):
            if argv[0] == "rsync":
                op = _rsync(parse_cli(argv[1:], _RSYNC_VALUE_OPTS), script)
            else:
                op = _docker(argv, script)
            if op is not None:
                yield self._finding(script, command, op)
        for script in scripts(doc, ("curl", "wget")):
            for command, what, raw in _pipe_to_shell(script):
                if script.touches(command):
                    yield self._finding(script, command, _Op(
                        f"{what}: remote code runs unverified", Severity.MEDIUM), raw)

    def _finding(self, script: Script, command: Command, op: _Op, raw: str = "") -> Finding:
        return self.finding(
            script.message(op.what, command),
            Location(path=script.path, line=command.line),
            evidence=script.evidence(command, raw), severity=op.severity,
            confidence=op.confidence,
        )

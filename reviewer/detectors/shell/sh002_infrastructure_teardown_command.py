"""SH002: a script tears infrastructure down or edits IaC state (destroy, state rm, stack rm)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    Cli,
    Script,
    commands,
    env_value,
    is_ephemeral,
    is_prod,
    parse_cli,
    preceding,
    unquote,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import Command, ShellScript
from reviewer.parsers.workflow import Workflow

_TERRAFORM = ("terraform", "tofu", "terragrunt", "cdktf")
_PROGRAMS = (*_TERRAFORM, "pulumi", "cdk", "aws", "sam", "serverless", "sls")
_TF_VALUE_OPTS = frozenset({"-chdir", "-var", "-var-file", "-target", "-state", "-lock-timeout",
                            "-parallelism", "-backend-config", "-replace", "-out",
                            "--terragrunt-working-dir", "-terragrunt-working-dir",
                            "-working-dir", "-config"})
_PULUMI_VALUE_OPTS = frozenset({"-s", "--stack", "-C", "--cwd", "-t", "--target", "-m",
                                "--message", "--config-file", "-p", "--parallel"})
_CDK_VALUE_OPTS = frozenset({"-a", "--app", "-c", "--context", "--profile", "--role-arn", "-o",
                             "--output"})
_AWS_VALUE_OPTS = frozenset({"--profile", "--region", "--output", "--endpoint-url", "--query",
                             "--stack-name", "--color", "--ca-bundle", "--role-arn",
                             "--cli-read-timeout", "--cli-connect-timeout", "--retain-resources",
                             "--client-request-token", "--deletion-mode"})
_STATE_SURGERY = frozenset({"rm", "mv", "push", "replace-provider"})


@dataclass(frozen=True, slots=True)
class _Op:
    """A teardown or state operation: what it does and what it acts on."""

    what: str
    #: Names that say which environment (workspace, stack, directory, var files).
    scope: tuple[str, ...]
    #: Only risky on production (auto-approved apply / up).
    prod_only: bool = False
    severity: Severity = Severity.CRITICAL


def _workspace(script: Script, command: Command, program: str) -> tuple[str, ...]:
    """Names of the Terraform workspace in effect: TF_WORKSPACE, the last ``workspace
    select/new`` before the command, the last ``cd``."""
    names: list[str] = []
    value = env_value(script, command, "TF_WORKSPACE")
    if value:
        names.append(unquote(value))
    for other in preceding(script, command, (program,)):
        argv = other.effective_argv
        cli = parse_cli(argv[1:], _TF_VALUE_OPTS, go_flags=True)
        if cli.positionals[:1] == ("workspace",) and len(cli.positionals) >= 3 \
                and cli.positionals[1] in ("select", "new"):
            names.append(cli.positionals[2])
            break
    cd = next(preceding(script, command, ("cd",)), None)
    if cd is not None and len(cd.effective_argv) > 1:
        names.append(cd.effective_argv[-1])
    return tuple(names)


def _terraform(cli: Cli, program: str, script: Script, command: Command) -> _Op | None:
    words = list(cli.positionals)
    if program == "terragrunt" and words[:1] in (["run-all"], ["run"]):
        words = words[1:]
    if not words:
        return None
    sub = words[0]
    scope = (*_workspace(script, command, program), *cli.values("-chdir", "-var-file", "-var",
                                                                 "--terragrunt-working-dir"))
    if cli.has("-help", "-h"):
        return None
    if sub in ("destroy", "destroy-all"):
        return _Op(f"{program} destroy", scope)
    if sub == "apply" and cli.has("-destroy"):
        return _Op(f"{program} apply -destroy", scope)
    if sub == "apply" and cli.has("-auto-approve"):
        return _Op(f"{program} apply -auto-approve", scope, prod_only=True)
    if sub == "state" and len(words) > 1 and words[1] in _STATE_SURGERY:
        return _Op(f"{program} state {words[1]}", scope)
    if sub == "force-unlock":
        return _Op(f"{program} force-unlock", scope)
    if sub == "workspace" and len(words) > 2 and words[1] == "delete":
        return _Op(f"{program} workspace delete {words[2]}", (*scope, words[2]))
    if sub == "taint":
        return _Op(f"{program} taint", scope, severity=Severity.HIGH)
    return None


def _stack(cli: Cli, script: Script, command: Command) -> tuple[str, ...]:
    names = list(cli.values("-s", "--stack", "-C", "--cwd"))
    value = env_value(script, command, "PULUMI_STACK")
    if value:
        names.append(unquote(value))
    if not names:
        for other in preceding(script, command, ("pulumi",)):
            prev = parse_cli(other.effective_argv[1:], _PULUMI_VALUE_OPTS)
            if prev.positionals[:2] == ("stack", "select") and len(prev.positionals) > 2:
                names.append(prev.positionals[2])
                break
            if prev.positionals[:2] == ("stack", "select") and prev.value("-s", "--stack"):
                names.append(prev.value("-s", "--stack") or "")
                break
    return tuple(names)


def _pulumi(cli: Cli, script: Script, command: Command) -> _Op | None:
    words = cli.positionals
    if not words or cli.has("--help", "-h") or cli.has("--preview-only"):
        return None
    scope = _stack(cli, script, command)
    sub = words[0]
    if sub == "destroy":
        return _Op("pulumi destroy", scope)
    if sub in ("up", "update") and cli.has("--yes", "-y", "--skip-preview", "-f"):
        return _Op("pulumi up --yes", scope, prod_only=True)
    if sub == "state" and words[1:2] in (("delete",), ("unprotect",)):
        return _Op(f"pulumi state {words[1]}", scope,
                   severity=Severity.CRITICAL if words[1] == "delete" else Severity.HIGH)
    if sub == "stack" and words[1:2] in (("rm",), ("remove",)):
        return _Op("pulumi stack rm", (*scope, *words[2:3]))
    return None


def _aws(cli: Cli) -> _Op | None:
    words = cli.positionals
    if words[:2] == ("cloudformation", "delete-stack"):
        return _Op("aws cloudformation delete-stack", cli.values("--stack-name"))
    return None


def _operation(program: str, argv: tuple[str, ...], script: Script,
               command: Command) -> _Op | None:
    if program in _TERRAFORM:
        return _terraform(parse_cli(argv[1:], _TF_VALUE_OPTS, go_flags=True), program, script,
                          command)
    if program == "pulumi":
        return _pulumi(parse_cli(argv[1:], _PULUMI_VALUE_OPTS), script, command)
    if program == "cdk":
        cli = parse_cli(argv[1:], _CDK_VALUE_OPTS)
        if cli.positionals[:1] == ("destroy",) and not cli.has("--help", "-h"):
            return _Op("cdk destroy", cli.positionals[1:])
        return None
    if program == "aws":
        return _aws(parse_cli(argv[1:], _AWS_VALUE_OPTS))
    if program == "sam":
        cli = parse_cli(argv[1:], frozenset({"--stack-name", "--region", "--profile"}))
        if cli.positionals[:1] == ("delete",):
            return _Op("sam delete", cli.values("--stack-name"))
        return None
    cli = parse_cli(argv[1:], frozenset({"--stage", "-s", "--region", "-r", "--config", "-c"}))
    if cli.positionals[:1] == ("remove",):
        return _Op(f"{program} remove", cli.values("--stage", "-s"))
    return None


class InfrastructureTeardownCommand(Detector[ShellScript | Workflow]):
    """A script or CI step destroys infrastructure or edits IaC state by hand.

    ## What it detects
    `terraform`/`tofu`/`terragrunt`/`cdktf` `destroy`, `apply -destroy`, `state rm|mv|push`,
    `force-unlock`, `workspace delete` (and `taint`, at `high`); `pulumi destroy`,
    `state delete`, `stack rm`; `cdk destroy`; `aws cloudformation delete-stack`;
    `sam delete`; `serverless remove`. Auto-approved applies (`terraform apply
    -auto-approve`, `pulumi up --yes`) are reported only when they act on production (the
    workspace, stack, directory, var file, CI job, environment or file name says `prod`).

    Teardown scoped to a per-pull-request or preview environment (workspace or stack
    `pr-123`, `preview`, `ephemeral`, a `review-…` app) is reported at `medium`: it is the
    expected clean-up of a short-lived environment, worth a look at its scoping only.

    ## Why is this risky?
    A destroy in a script runs without the plan review a pull request gets, often with
    `-auto-approve`. State surgery (`state rm`, `force-unlock`) makes the next apply
    recreate or orphan real resources. An agent that "deletes and recreates the
    environment" to fix a bug takes production down for hours.

    ## Example
    ```sh
    #!/bin/bash
    terraform workspace select production
    terraform destroy -auto-approve
    ```

    ## Safer alternative
    Plan the change and apply the reviewed plan file:
    ```sh
    #!/bin/bash
    terraform workspace select production
    terraform plan -out=tfplan
    terraform apply tfplan
    ```

    ## References
    - destructive_command_guard `infrastructure.terraform:destroy`, `apply-auto-approve`,
      `state-rm`, `state-mv`, `force-unlock`, `workspace-delete`;
      `infrastructure.pulumi:destroy`, `up-yes`, `state-delete`, `stack-rm`;
      `cloud.aws:cfn-delete-stack`
    - Incident: AWS Cost Explorer / Kiro "delete and recreate the environment" (2025)
    """

    code = "SH002"
    name = "infrastructure-teardown-command"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    remediation = (
        "Remove the teardown from the script, or scope it to an ephemeral workspace/stack and "
        "require a reviewed plan (`plan -destroy -out`, then apply that plan) with a human "
        "approval for anything shared."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, _PROGRAMS):
            op = _operation(argv[0], argv, script, command)
            if op is None:
                continue
            prod = is_prod(*op.scope, script.scope)
            if op.prod_only and not prod:
                continue
            severity, confidence = op.severity, Confidence.HIGH
            message = f"{op.what} in a script"
            where = ", ".join(s for s in op.scope if s)
            if prod:
                message += " on production"
            elif is_ephemeral(*op.scope, script.scope):
                severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
                message += " on an ephemeral (preview / per-PR) environment"
            if where:
                message += f" ({where})"
            yield self.finding(
                script.message(message, command),
                Location(path=script.path, line=command.line),
                evidence=script.evidence(command), severity=severity, confidence=confidence,
            )

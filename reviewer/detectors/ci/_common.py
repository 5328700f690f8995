"""Helpers shared by the CI workflow detectors (gates, deploy jobs, lines, before/after)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from reviewer.environments import environments_in_text
from reviewer.models import Environment, Location
from reviewer.parsers.workflow import Job, Step, Workflow

#: Events whose workflows run with the base repository's token and secrets for fork PRs.
PRIVILEGED_TRIGGERS = ("pull_request_target", "workflow_run")
PR_TRIGGERS = ("pull_request", "pull_request_target")

_GATE_RE = re.compile(
    r"(?<![a-z0-9])("
    r"tests?|testing|unit|e2e|integration|lint|linter|linting|checks?|verify|validate|"
    r"validation|plan|policy|policies|conftest|opa|checkov|tfsec|tflint|trivy|snyk|codeql|"
    r"semgrep|sast|dast|scan|scanning|security|audit|typecheck|type-check|mypy|pyright|"
    r"eslint|flake8|ruff|pylint|rubocop|golangci-lint|pytest|jest|vitest|mocha|rspec|phpunit|"
    r"coverage|dependency-review|hadolint|shellcheck|kube-linter|kubeconform|sonar|"
    r"sonarcloud|gitleaks|trufflehog|approval|approve-check|quality|smoke"
    r")(?![a-z0-9])"
)
_DEPLOY_NAME_RE = re.compile(
    r"(?<![a-z0-9])(deploy|deployment|release|publish|promote|rollout|ship|apply|"
    r"production|prod|live)(?![a-z0-9])"
)
_DEPLOY_CMD_RE = re.compile(
    r"\b(terraform|tofu|terragrunt)\s+(?:-\S+\s+)*apply\b|\bkubectl\s+(apply|rollout|set\s+image)"
    r"|\bhelm\s+(upgrade|install)\b|\b(cdk|serverless|sls|sam|flyctl|fly|firebase)\s+deploy\b"
    r"|\bgcloud\b.*\bdeploy\b|\baws\s+(ecs\s+update-service|deploy\b|lambda\s+update)"
    r"|\bpulumi\s+up\b|\bnpm\s+publish\b|\btwine\s+upload\b|\bdocker\s+push\b"
    r"|\bvercel\b.*--prod\b|\bkustomize\b.*\|\s*kubectl\s+apply"
)


_GATE_CMD = re.compile(
    r"^(sudo\s+)?((npm|yarn|pnpm|bun)\s+(run\s+)?(test|lint|check|typecheck|audit|e2e)\b"
    r"|make\s+(\S+\s+)*(test|tests|check|lint|verify|validate)\b"
    r"|(pytest|py\.test|tox|nox|jest|vitest|mocha|ava|rspec|phpunit|mypy|pyright|ruff|flake8|"
    r"pylint|black\s+--check|eslint|tsc\s+--noEmit|stylelint|rubocop|tflint|tfsec|checkov|"
    r"conftest|trivy|snyk|semgrep|golangci-lint|staticcheck|shellcheck|hadolint|kube-linter|"
    r"kubeconform|gitleaks|trufflehog|codespell|pre-commit)\b"
    r"|go\s+(test|vet)\b|cargo\s+(test|clippy|check|audit)\b|dotnet\s+test\b"
    r"|(terraform|tofu|terragrunt)\s+(plan|validate|fmt\s+-check)\b"
    r"|python[\d.]*\s+-m\s+(pytest|mypy|unittest|ruff|flake8|pylint)\b"
    r"|bundle\s+exec\s+(rspec|rubocop|rake\s+test)\b|(\./)?gradlew?\s+(\S+\s+)*(test|check)\b"
    r"|(\./)?mvnw?\s+(\S+\s+)*(test|verify)\b)"
)


def is_gate_command(line: str) -> bool:
    """True when a shell line runs a check (tests, linters, scanners, a plan)."""
    for segment in re.split(r"&&|\|\||;|\|", line):
        words = segment.strip()
        if not words:
            continue
        if _GATE_CMD.match(words):
            return True
        first = words.split(None, 1)[0]
        program = first.rsplit("/", 1)[-1]
        if ("." in program or "/" in first) and is_gate_text(program.rsplit(".", 1)[0]):
            return True
    return False


def norm(text: str) -> str:
    """Lower-case text with ``_`` read as ``-`` (so ``unit_tests`` splits into words)."""
    return text.lower().replace("_", "-")


def is_gate_text(text: str | None) -> bool:
    """True when a job/step name, action or command names a safety gate (test, lint, plan…)."""
    return bool(text) and bool(_GATE_RE.search(norm(text or "")))


def step_is_gate(step: Step) -> bool:
    """A step that runs a safety check (tests, lint, plan, policy, scan)."""
    if step.uses and step.uses.lower().startswith(("actions/checkout", "actions/setup-",
                                                    "actions/cache", "actions/upload-artifact",
                                                    "actions/download-artifact")):
        return False
    for text in (step.name, step.uses, step.id):
        if is_gate_text(text):
            return True
    if step.run:
        return any(is_gate_command(line) for line in step.run.splitlines()
                   if line.strip() and not line.lstrip().startswith("#"))
    return False


def job_is_gate(job: Job) -> bool:
    """A job whose purpose is a safety check (by its id or name, or all its work steps)."""
    if job.id.startswith("."):
        return False
    if is_gate_text(job.id) or is_gate_text(job.name):
        return not job_is_deploy(job)
    if job.uses and is_gate_text(job.uses.rsplit("/", 1)[-1]):
        return True
    work = [s for s in job.steps if s.run or (s.uses and not s.uses.startswith("actions/"))]
    return bool(work) and all(step_is_gate(s) for s in work)


def job_is_deploy(job: Job) -> bool:
    """A job that deploys or publishes (by name, environment or commands)."""
    if job.environment is not None:
        return True
    for text in (job.id, job.name):
        if text and _DEPLOY_NAME_RE.search(norm(text)):
            return True
    return any(s.run and _DEPLOY_CMD_RE.search(s.run) for s in job.steps)


def job_environments(job: Job, workflow: Workflow) -> set[Environment]:
    """Environments named by the job's id, name, environment or the workflow's name/path."""
    texts = [job.id, job.name or "", job.environment_name or "", workflow.name or "",
             workflow.path.rsplit("/", 1)[-1]]
    found: set[Environment] = set()
    for text in texts:
        found |= environments_in_text(text)
    return found


def is_preview_job(job: Job) -> bool:
    """A deploy job that targets a preview/dev/staging environment only."""
    envs: set[Environment] = set()
    for text in (job.id, job.name or "", job.environment_name or ""):
        envs |= environments_in_text(text)
        if "preview" in text.lower() or "review-app" in text.lower():
            return True
    return bool(envs) and Environment.PROD not in envs


def script_lines(step: Step) -> Iterator[tuple[int, str]]:
    """(line, text) of every line of a ``run:`` script, numbered in the workflow file."""
    if step.run is None:
        return
    start = step.run_line if step.run_line is not None else step.line
    for offset, text in enumerate(step.run.splitlines()):
        yield start + offset, text


def block_lines(value: str, start: int) -> Iterator[tuple[int, str]]:
    """(line, text) of a multi-line string value that starts on ``start``."""
    for offset, text in enumerate(value.splitlines()):
        yield start + offset, text


def value_line(mapping: Any, key: str, default: int) -> int:
    """Line where the value of ``key`` starts in a parsed YAML mapping (``default`` if unknown)."""
    lines = getattr(mapping, "value_lines", None)
    if isinstance(lines, dict):
        line = lines.get(key)
        if isinstance(line, int):
            return line
    return default


def key_line(mapping: Any, key: Any, default: int) -> int:
    """Line of ``key`` in a parsed YAML mapping (``default`` if unknown)."""
    lines = getattr(mapping, "key_lines", None)
    if isinstance(lines, dict):
        line = lines.get(key)
        if isinstance(line, int):
            return line
    return default


def items_with_lines(mapping: Mapping[Any, Any] | None,
                     default: int) -> Iterator[tuple[str, Any, int]]:
    """(key, value, line of the value) for every entry of a YAML mapping."""
    if not isinstance(mapping, Mapping):
        return
    for key, value in mapping.items():
        yield str(key), value, value_line(mapping, key, key_line(mapping, key, default))


def trigger_line(doc: Workflow, event: str) -> int:
    """Line of one trigger under ``on:`` (the ``on:`` line when not known)."""
    on_line = doc.line_of("on")
    raw: dict[Any, Any] = doc.raw
    raw_on = raw.get("on", raw.get(True))
    return key_line(raw_on, event, on_line)


def is_whole_file(doc: Workflow) -> bool:
    """True when the whole file is under review (not a diff), or it is new in the diff."""
    return doc.changed_lines is None or doc.previous is None


def previous(doc: Workflow) -> Workflow | None:
    """The workflow before the change (None outside diffs, for new files or unparsable ones)."""
    return doc.before() if doc.previous is not None else None


def location(doc: Workflow, line: int | None) -> Location:
    """Where a finding in a workflow is."""
    return Location(path=doc.path, line=line)


_TOKEN = re.compile(
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}|\b[sr]k_(live|test)_[A-Za-z0-9]{10,}"
    r"|\bglpat-[A-Za-z0-9_-]{16,}"
    r"|(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/_-]*?\d)(?=[A-Za-z0-9+/_-]*?[a-z])"
    r"(?=[A-Za-z0-9+/_-]*?[A-Z])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])"
)


def mask(text: str) -> str:
    """Text with token-like values (cloud keys, PATs, long random strings) masked."""
    return _TOKEN.sub(lambda m: m.group(0)[:4] + "…[masked]", text)


def trim(text: str, limit: int = 200) -> str:
    """One line of evidence, at most ``limit`` characters, token-like values masked."""
    text = mask(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expr_body(value: str | None) -> str:
    """An ``if:`` condition without ``${{ }}`` and surrounding space, lower-cased."""
    text = (value or "").strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return text.strip().lower()


def is_always_false(condition: str | None) -> bool:
    """True for conditions that disable a job or step (``false``, ``${{ false }}``, ``0``)."""
    body = expr_body(condition)
    if body in ("false", "0", "!true", "'false'", '"false"'):
        return True
    return body.startswith(("false &&", "false&&"))


def step_identity(step: Step) -> str:
    """A key that recognises the same step before and after a change."""
    if step.name:
        return "name:" + step.name.strip().lower()
    if step.uses:
        return "uses:" + step.uses.split("@", 1)[0].lower()
    if step.run:
        return "run:" + " ".join(step.run.split())[:200]
    return f"index:{step.index}"


def matching_step(job: Job | None, step: Step) -> Step | None:
    """The step of ``job`` (another version of the file) that is ``step``, if any."""
    if job is None:
        return None
    wanted = step_identity(step)
    return next((s for s in job.steps if step_identity(s) == wanted), None)

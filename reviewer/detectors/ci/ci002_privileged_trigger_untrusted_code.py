"""CI002: pull_request_target / workflow_run workflows that run the pull request's code."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.ci._common import (
    PRIVILEGED_TRIGGERS,
    expr_body,
    location,
    script_lines,
    trigger_line,
    trim,
    value_line,
)
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.workflow import Step, Workflow

#: Expressions that name the pull request's (or triggering run's) head code.
_HEAD_REF = re.compile(
    r"github\.event\.pull_request\.head\.(sha|ref|label)|github\.head_ref"
    r"|github\.event\.pull_request\.merge_commit_sha"
    r"|github\.event\.workflow_run\.head_(sha|branch)"
    r"|github\.event\.workflow_run\.pull_requests|github\.event\.pull_request\.head\.repo"
    r"|refs/pull/"
)
#: Shell commands that fetch or check out the pull request's code.
_SHELL_CHECKOUT = re.compile(
    r"\bgh\s+pr\s+checkout\b|\bgit\s+(fetch|checkout|switch|pull|merge)\b[^#\n]*"
    r"(pull/|refs/pull|\$\{\{\s*(github\.event\.pull_request\.head|github\.head_ref|"
    r"github\.event\.workflow_run\.head))"
)
_ARTIFACT_ACTIONS = ("actions/download-artifact", "dawidd6/action-download-artifact")
_ARTIFACT_SCRIPT = re.compile(r"downloadArtifact|listWorkflowRunArtifacts|\bgh\s+run\s+download\b")
#: Conditions that limit the job to pull requests from the base repository itself.
_SAME_REPO = re.compile(
    r"head\.repo\.full_name\s*==\s*github\.repository|github\.repository\s*==\s*"
    r"github\.event\.pull_request\.head\.repo\.full_name|head\.repo\.fork\s*==\s*false"
    r"|!\s*github\.event\.pull_request\.head\.repo\.fork"
    r"|workflow_run\.head_repository\.full_name\s*==\s*github\.repository"
)
_LABEL_GATE = re.compile(r"labels\.\*\.name|github\.event\.label\.name|\.labels\b")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class PrivilegedTriggerUntrustedCode(Detector[Workflow]):
    """A `pull_request_target` or `workflow_run` workflow checks out or downloads the PR's code.

    ## What it detects
    Workflows triggered by `pull_request_target` or `workflow_run` (which run with the base
    repository's write token and secrets, even for pull requests from forks) that:

    - check out the pull request's head (`ref: ${{ github.event.pull_request.head.sha }}`,
      `github.head_ref`, `refs/pull/…/merge`, `github.event.workflow_run.head_sha`), with
      `actions/checkout` or with `git fetch`/`git checkout`/`gh pr checkout`;
    - download artifacts produced by the triggering run (`actions/download-artifact` with a
      `run-id`, `dawidd6/action-download-artifact`, `gh run download`).

    Jobs limited to pull requests from the base repository itself
    (`head.repo.full_name == github.repository`) are not reported; a job that waits for a
    label or an environment approval is reported as `high` instead of `critical`. Only
    what the change touches is reported (the trigger or the checkout).

    ## Why is this risky?
    This is the "pwn request": any outsider opens a pull request whose build scripts,
    tests or artifacts run with a token that can push to the repository and with the
    repository's secrets. It has been used to steal publishing tokens and tamper with
    releases.

    ## Example
    ```yaml
    on: pull_request_target
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ github.event.pull_request.head.sha }}
          - run: npm ci && npm test
    ```

    ## Safer alternative
    Build and test untrusted code under `pull_request` (read-only token, no secrets), and keep
    `pull_request_target` for jobs that never run the pull request's code:
    ```yaml
    on: pull_request
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: npm ci && npm test
    ```

    ## References
    - zizmor `dangerous-triggers`; Checkov CKV_GHA_3-style checks on `pull_request_target`
    - GitHub Security Lab: "Keeping your GitHub Actions and workflows secure: Preventing pwn
      requests"
    """

    code = "CI002"
    name = "privileged-trigger-untrusted-code"
    family = "ci"
    kinds = (InputKind.WORKFLOW,)
    severity = Severity.CRITICAL
    remediation = (
        "Run untrusted pull request code under `pull_request` with a read-only token; if a "
        "privileged follow-up is needed, pass data (not code) through artifacts and treat it "
        "as untrusted."
    )

    def detect(self, doc: Workflow) -> Iterator[Finding]:
        if doc.platform != "github":
            return
        triggers = [t for t in PRIVILEGED_TRIGGERS if t in doc.triggers]
        if not triggers:
            return
        trigger_touched = any(doc.touches(trigger_line(doc, t)) for t in triggers) \
            or doc.touches(doc.line_of("on"))
        label = " / ".join(triggers)
        for job in doc.jobs:
            condition = expr_body(job.if_)
            if _SAME_REPO.search(condition):
                continue
            gated = bool(_LABEL_GATE.search(condition)) or job.environment is not None
            severity = Severity.HIGH if gated else None
            for step in job.steps:
                found = self._untrusted(step, "workflow_run" in triggers)
                if found is None:
                    continue
                what, line, evidence = found
                if not (trigger_touched or doc.touches(step.line, line)
                        or doc.touches(job.line_of("if"))):
                    continue
                gate_note = " (behind a label/environment gate)" if gated else ""
                yield self.finding(
                    f"{doc.path}: job '{job.id}' {what} under {label}{gate_note}",
                    location(doc, line), evidence=trim(evidence), severity=severity)

    @staticmethod
    def _untrusted(step: Step, workflow_run: bool) -> tuple[str, int, str] | None:
        uses = (step.uses or "").lower()
        if uses.startswith("actions/checkout"):
            for key in ("ref", "repository"):
                value = _text(step.with_.get(key))
                if _HEAD_REF.search(value):
                    return ("checks out the pull request's head code",
                            value_line(step.with_, key, step.line), f"{key}: {value}")
        if uses.startswith(_ARTIFACT_ACTIONS):
            run_id = _text(step.with_.get("run-id") or step.with_.get("run_id"))
            if uses.startswith("dawidd6/") or (run_id and (workflow_run or "workflow_run"
                                                               in run_id)):
                return ("downloads artifacts of the triggering run",
                        step.line_of("uses"), f"uses: {step.uses} run-id: {run_id or '(auto)'}")
        if uses.startswith("actions/github-script"):
            script = _text(step.with_.get("script"))
            if workflow_run and _ARTIFACT_SCRIPT.search(script):
                return ("downloads artifacts of the triggering run",
                        step.line_of("uses"), "github-script: downloadArtifact")
        for line, text in script_lines(step):
            if _SHELL_CHECKOUT.search(text):
                return "checks out the pull request's head code", line, text.strip()
            if workflow_run and _ARTIFACT_SCRIPT.search(text):
                return "downloads artifacts of the triggering run", line, text.strip()
        return None


"""CI001: a CI safety gate (tests, lint, plan, policy, approval) is removed or weakened."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.ci._common import (
    PR_TRIGGERS,
    expr_body,
    is_always_false,
    is_gate_command,
    is_preview_job,
    job_environments,
    job_is_deploy,
    job_is_gate,
    location,
    matching_step,
    previous,
    script_lines,
    step_is_gate,
    trigger_line,
    trim,
)
from reviewer.environments import environments_in_text
from reviewer.models import Confidence, Environment, Finding, InputKind, Severity
from reviewer.parsers.workflow import Job, Step, Workflow

_NO_VERIFY = re.compile(r"(?<![\w-])--no-verify(?![\w-])")
_SKIP_TESTS = re.compile(
    r"(?<![\w-])(-DskipTests(=true)?|-Dmaven\.test\.skip=true|--skip-tests?|-x\s+test|"
    r"--no-tests|SKIP_TESTS=(1|true))(?![\w-])"
)
_SWALLOWED = re.compile(r"\|\|\s*(true|:|exit\s+0)\s*(;|$|#)")
_AUTO_APPROVE = re.compile(r"(?<![\w-])--?auto-approve(=true)?(?![\w-])")
_TF_APPLY = re.compile(r"\b(terraform|tofu|terragrunt)\b.*?\b(apply|destroy|run-all\s+apply)\b")
_AUTOMATIC_EVENTS = ("pull_request", "push", "merge_group", "pull_request_target")
_REF_GATES = ("github.ref", "event_name", ".merged", "refs/heads", "refs/tags")


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _apply_without_plan(line: str) -> bool:
    """``terraform apply -auto-approve`` that applies an unsaved (unreviewed) plan."""
    match = _TF_APPLY.search(line)
    if match is None:
        return False
    if match.group(2) == "destroy":
        return True
    rest = line[match.end():].split("&&", 1)[0].split(";", 1)[0].split("|", 1)[0]
    try:
        words = shlex.split(rest, comments=True)
    except ValueError:
        words = rest.split()
    return not any(w and not w.startswith("-") and "=" not in w for w in words)


def _unrestricted_event(doc: Workflow, job: Job) -> str | None:
    """The trigger that runs this job for pull requests or any branch, if its ``if`` lets it."""
    condition = expr_body(job.if_)
    if any(gate in condition for gate in _REF_GATES):
        return None
    for event in PR_TRIGGERS:
        if event in doc.triggers:
            return event
    if "push" in doc.triggers:
        config = doc.triggers["push"]
        if not isinstance(config, dict):
            return "push"
        branches = config.get("branches")
        if isinstance(branches, list) and any(str(b) in ("*", "**") for b in branches):
            return "push"
        if "branches" not in config and "tags" not in config:
            return "push"
    return None


class SafetyGateWeakened(Detector[Workflow]):
    """A CI safety gate (tests, lint, plan, policy, deploy approval) is removed or weakened.

    ## What it detects
    Changes to a GitHub Actions workflow or GitLab CI pipeline that stop a check from
    protecting the branch or the deployment:

    - a test/lint/plan/policy/scan job or step deleted (compared with the file before the
      change; renames and jobs moved into a reusable workflow are recognised);
    - `if: false` added to such a job or step, or `continue-on-error: true`
      (GitLab `allow_failure: true`) added to it;
    - `--no-verify`, `-DskipTests`/`--skip-tests`, or a gate command made to always succeed
      with `|| true`;
    - `terraform apply -auto-approve` without a saved plan added to a production deploy;
    - `environment:` (which carries required reviewers) or GitLab `when: manual` removed from
      a deploy job;
    - a deploy job that now runs for pull requests or for pushes to any branch;
    - a workflow of checks that no longer runs on `pull_request`/`push`.

    ## Why is this risky?
    Required checks and environment approvals are the last automated line before code or
    infrastructure reaches users. A check that is skipped or cannot fail lets broken or
    unreviewed changes merge and deploy; a deploy job reachable from any branch or pull
    request ships code nobody approved.

    ## Example
    ```yaml
    on: [push, pull_request]
    jobs:
      test:
        runs-on: ubuntu-latest
        continue-on-error: true
        steps:
          - uses: actions/checkout@v4
          - run: npm test
    ```

    ## Safer alternative
    Fix or quarantine the failing tests instead of letting the job pass whatever happens:
    ```yaml
    on: [push, pull_request]
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: npm test
    ```

    ## References
    - DCG `apply-auto-approve`; Checkov CKV_GITHUB_14 (required status checks)
    - GitHub docs: "Managing environments for deployment" (required reviewers)
    - zizmor `unsound-condition`
    """

    code = "CI001"
    name = "safety-gate-weakened"
    family = "ci"
    kinds = (InputKind.WORKFLOW,)
    severity = Severity.HIGH
    remediation = (
        "Keep the check required and able to fail; if it must be relaxed, do it in its own "
        "reviewed change with an owner and a date to restore it."
    )

    def detect(self, doc: Workflow) -> Iterator[Finding]:
        before = previous(doc)
        if before is not None:
            yield from self._removed(doc, before)
        yield from self._added(doc, before)
        yield from self._widened_deploys(doc, before)

    # ------------------------------------------------------------------ removed gates

    def _removed(self, doc: Workflow, before: Workflow) -> Iterator[Finding]:
        deleted = not doc.jobs
        jobs_line = None if deleted else doc.line_of("jobs")
        current = {j.id: j for j in doc.jobs}
        old_gates = [j for j in before.jobs if job_is_gate(j)]
        new_gates = [j for j in doc.jobs if job_is_gate(j)]
        moved = " ".join(f"{j.id} {j.name or ''} {j.uses or ''}" for j in doc.jobs).lower()
        gone = [j for j in old_gates if j.id not in current
                and not (j.name and j.name.lower() in moved and j.name.lower() != j.id)]
        shortfall = len(old_gates) - len(new_gates)
        if gone and shortfall > 0:
            sure = Confidence.HIGH if shortfall >= len(gone) else Confidence.MEDIUM
            what = "is deleted with the workflow" if deleted else "is removed"
            for job in gone:
                yield self.finding(
                    f"{doc.path}: safety-gate job '{job.id}' {what}",
                    location(doc, jobs_line), evidence=trim(self._job_summary(job)),
                    confidence=sure)
        for old in before.jobs:
            kept = current.get(old.id)
            if kept is None:
                continue
            yield from self._removed_steps(doc, old, kept)
            yield from self._removed_approval(doc, old, kept)
        if deleted or not (new_gates or old_gates):
            return
        if any(e in before.triggers for e in _AUTOMATIC_EVENTS) and not any(
                e in doc.triggers for e in _AUTOMATIC_EVENTS) and doc.triggers:
            yield self.finding(
                f"{doc.path}: checks no longer run on pull requests or pushes "
                f"(triggers now: {', '.join(doc.triggers)})",
                location(doc, doc.line_of("on")),
                evidence=trim(f"on: {', '.join(before.triggers)} → {', '.join(doc.triggers)}"))

    def _removed_steps(self, doc: Workflow, old: Job, job: Job) -> Iterator[Finding]:
        old_gates = [s for s in old.steps if step_is_gate(s)]
        if not old_gates:
            return
        new_count = sum(1 for s in job.steps if step_is_gate(s))
        gone = [s for s in old_gates if matching_step(job, s) is None]
        if not gone or len(old_gates) - new_count <= 0:
            return
        for step in gone:
            yield self.finding(
                f"{doc.path}: job '{job.id}' no longer runs safety-gate step '{step.label}'",
                location(doc, job.line_of("steps")),
                evidence=trim(step.run or step.uses or step.label))

    def _removed_approval(self, doc: Workflow, old: Job, job: Job) -> Iterator[Finding]:
        if not job_is_deploy(old):
            return
        if old.environment is not None and job.environment is None:
            yield self.finding(
                f"{doc.path}: deploy job '{job.id}' no longer uses environment "
                f"'{old.environment_name}' (its required reviewers and branch rules)",
                location(doc, job.line), evidence=trim(f"environment: {old.environment_name}"))
        if doc.platform == "gitlab" and old.raw.get("when") == "manual" \
                and job.raw.get("when") != "manual":
            yield self.finding(
                f"{doc.path}: deploy job '{job.id}' no longer waits for a manual start",
                location(doc, job.line_of("when")),
                evidence=trim(f"when: manual → {job.raw.get('when', '(on_success)')}"))

    @staticmethod
    def _job_summary(job: Job) -> str:
        runs = [s.run.strip().splitlines()[0] for s in job.steps if s.run and s.run.strip()]
        return f"{job.id}: " + ("; ".join(runs) if runs else (job.uses or job.name or ""))

    # ------------------------------------------------------------------ added weakenings

    def _added(self, doc: Workflow, before: Workflow | None) -> Iterator[Finding]:
        for job in doc.jobs:
            if job.id.startswith("."):
                continue
            old_job = before.job(job.id) if before is not None else None
            gate = job_is_gate(job)
            if gate and is_always_false(job.if_) and doc.touches(job.line_of("if")) \
                    and not (old_job is not None and is_always_false(old_job.if_)):
                yield self.finding(f"{doc.path}: safety-gate job '{job.id}' is disabled "
                                   f"with if: {job.if_}",
                                   location(doc, job.line_of("if")), evidence=f"if: {job.if_}")
            coe_key = "allow_failure" if doc.platform == "gitlab" else "continue-on-error"
            if gate and _is_true(job.continue_on_error) and doc.touches(job.line_of(coe_key)) \
                    and not (old_job is not None and _is_true(old_job.continue_on_error)):
                yield self.finding(f"{doc.path}: safety-gate job '{job.id}' can no longer fail "
                                   f"({coe_key}: true)",
                                   location(doc, job.line_of(coe_key)),
                                   evidence=f"{coe_key}: true")
            for step in job.steps:
                yield from self._step(doc, job, step, old_job)

    def _step(self, doc: Workflow, job: Job, step: Step,
              old_job: Job | None) -> Iterator[Finding]:
        old = matching_step(old_job, step)
        if step_is_gate(step) and doc.platform == "github":
            if is_always_false(step.if_) and doc.touches(step.line_of("if")) \
                    and not (old is not None and is_always_false(old.if_)):
                yield self.finding(
                    f"{doc.path}: safety-gate step '{step.label}' in job '{job.id}' is disabled "
                    f"with if: {step.if_}", location(doc, step.line_of("if")),
                    evidence=f"if: {step.if_}")
            if _is_true(step.continue_on_error) and doc.touches(step.line_of("continue-on-error")) \
                    and not (old is not None and _is_true(old.continue_on_error)):
                yield self.finding(
                    f"{doc.path}: safety-gate step '{step.label}' in job '{job.id}' can no "
                    "longer fail (continue-on-error: true)",
                    location(doc, step.line_of("continue-on-error")),
                    evidence="continue-on-error: true")
        old_text = old.run if old is not None and old.run else ""
        prod = Environment.PROD in job_environments(job, doc) or (
            old_job is not None and old_job.environment is not None
            and Environment.PROD in environments_in_text(old_job.environment_name or ""))
        for line, text in script_lines(step):
            if not doc.touches(line) or text.lstrip().startswith("#"):
                continue
            stripped = text.strip()
            if stripped in old_text:
                continue
            if _NO_VERIFY.search(text):
                yield self.finding(f"{doc.path}: job '{job.id}' skips verification hooks "
                                   "with --no-verify", location(doc, line),
                                   evidence=trim(stripped), confidence=Confidence.MEDIUM)
            elif _SKIP_TESTS.search(text):
                yield self.finding(f"{doc.path}: job '{job.id}' skips the test suite",
                                   location(doc, line), evidence=trim(stripped))
            elif (swallowed := _SWALLOWED.search(text)) and is_gate_command(
                    text[: swallowed.start()].split("&&")[-1].split(";")[-1]):
                yield self.finding(f"{doc.path}: job '{job.id}' makes a check always succeed "
                                   "(|| true)", location(doc, line), evidence=trim(stripped))
            elif _AUTO_APPROVE.search(text) and _apply_without_plan(text) and (
                    prod or Environment.PROD in environments_in_text(text)):
                yield self.finding(f"{doc.path}: production job '{job.id}' applies "
                                   "infrastructure changes with -auto-approve and no reviewed "
                                   "plan", location(doc, line), evidence=trim(stripped))

    # ------------------------------------------------------------------ widened deploys

    def _widened_deploys(self, doc: Workflow, before: Workflow | None) -> Iterator[Finding]:
        if doc.platform != "github":
            return
        for job in doc.jobs:
            if not job_is_deploy(job) or job_is_gate(job) or is_preview_job(job):
                continue
            event = _unrestricted_event(doc, job)
            if event is None:
                continue
            old_job = before.job(job.id) if before is not None else None
            where = "pull requests" if event in PR_TRIGGERS else "pushes to any branch"
            if old_job is not None and before is not None:
                if _unrestricted_event(before, old_job) is not None:
                    continue
                line = job.line_of("if") if old_job.if_ and not job.if_ else \
                    trigger_line(doc, event)
                yield self.finding(
                    f"{doc.path}: deploy job '{job.id}' now runs on {where}",
                    location(doc, line),
                    evidence=trim(f"on: {', '.join(doc.triggers)}; if: {job.if_ or '(none)'}"))
                continue
            if Environment.PROD not in job_environments(job, doc):
                continue
            line = trigger_line(doc, event)
            if not (doc.touches(line) or doc.touches(job.line)):
                continue
            yield self.finding(
                f"{doc.path}: production deploy job '{job.id}' runs on {where}",
                location(doc, line),
                evidence=trim(f"on: {', '.join(doc.triggers)}; if: {job.if_ or '(none)'}"),
                confidence=Confidence.HIGH if event in PR_TRIGGERS else Confidence.MEDIUM)


"""CI003: the workflow token or the secrets a job receives are broadened."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.ci._common import (
    items_with_lines,
    key_line,
    location,
    previous,
    trim,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.workflow import Job, Workflow

#: Top-level write scopes that let any job push code, publish packages, mint cloud
#: credentials or rewrite workflows.
_SENSITIVE_SCOPES = ("contents", "packages", "id-token", "actions")
#: Release-style events: workflows that only run on these legitimately need write scopes.
_RELEASE_EVENTS = frozenset({"release", "workflow_dispatch", "schedule"})
_STATIC_KEY = re.compile(
    r"secrets\.([A-Z0-9_]*(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|SECRET_ACCESS_KEY"
    r"|GCP_SA_KEY|GCP_CREDENTIALS|GOOGLE_CREDENTIALS|GOOGLE_APPLICATION_CREDENTIALS"
    r"|GCLOUD_SERVICE_KEY|SERVICE_ACCOUNT_KEY|AZURE_CREDENTIALS|AZURE_CLIENT_SECRET"
    r"|ARM_CLIENT_SECRET)[A-Z0-9_]*)",
    re.IGNORECASE,
)
_OIDC_KEYS = ("role-to-assume", "workload_identity_provider", "workload-identity-provider")


def _scope_level(permissions: Any, scope: str) -> str:
    """``write``/``read``/``none`` for one scope of a permissions value (``""`` if unset)."""
    if permissions == "write-all":
        return "write"
    if permissions == "read-all":
        return "read"
    if isinstance(permissions, Mapping):
        return str(permissions.get(scope, "none")).lower()
    return ""


def _uses_oidc(doc: Workflow) -> bool:
    """True when the workflow gets cloud credentials through OIDC federation."""
    perms = [doc.permissions, *(j.permissions for j in doc.jobs)]
    if any(_scope_level(p, "id-token") == "write" and p != "write-all" for p in perms):
        return True
    return any(key in step.with_ for _, step in doc.all_steps() for key in _OIDC_KEYS)


def _value_refs(doc: Workflow) -> Iterator[tuple[Job | None, str, str, int]]:
    """(job, key, text, line) of every env/with value in the workflow."""
    for key, value, line in items_with_lines(doc.env, doc.line_of("env")):
        yield None, key, str(value), line
    for job in doc.jobs:
        for source, default in ((job.env, job.line_of("env")), (job.with_, job.line_of("with"))):
            for key, value, line in items_with_lines(source, default):
                yield job, key, str(value), line
        if isinstance(job.secrets, Mapping):
            for key, value, line in items_with_lines(job.secrets, job.line_of("secrets")):
                yield job, key, str(value), line
        for step in job.steps:
            for source, default in ((step.env, step.line_of("env")),
                                    (step.with_, step.line_of("with"))):
                for key, value, line in items_with_lines(source, default):
                    yield job, key, str(value), line


class TokenScopeBroadened(Detector[Workflow]):
    """The workflow token gains write scopes, or jobs receive all secrets or long-lived cloud keys.

    ## What it detects
    - `permissions: write-all` at the top of a workflow or on a job;
    - a new top-level `write` grant on `contents`, `packages`, `id-token` or `actions` (every
      job of the workflow gets it; job-level grants are the recommended practice and are not
      reported);
    - `secrets: inherit` added to a job that calls a reusable workflow;
    - long-lived cloud keys (`secrets.AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
      `GCP_SA_KEY`, `AZURE_CREDENTIALS`…) added, `high` when they replace OIDC federation
      (`id-token: write`, `role-to-assume`, `workload_identity_provider`) the workflow used
      before.

    A first permissions block in a workflow that had none (it may be a tightening of the
    repository default) and workflows that only run on releases or by hand are reported as
    `medium`.

    ## Why is this risky?
    Every step of every job, including third-party actions and build scripts, can use the
    token. A write token lets a compromised dependency push to branches, publish packages or
    mint cloud credentials; `secrets: inherit` hands every repository secret to the called
    workflow; static cloud keys never expire and leak in logs and forks.

    ## Example
    ```yaml
    on: push
    permissions: write-all
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: make build
    ```

    ## Safer alternative
    Default to read-only and grant write scopes only to the job that needs them:
    ```yaml
    on: push
    permissions:
      contents: read
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: make build
    ```

    ## References
    - Checkov CKV2_GHA_1 (top-level permissions not write-all)
    - zizmor `excessive-permissions`, `secrets-inherit`, `overprovisioned-secrets`
    - GitHub docs: "Security hardening with OpenID Connect"
    """

    code = "CI003"
    name = "token-scope-broadened"
    family = "ci"
    kinds = (InputKind.WORKFLOW,)
    severity = Severity.HIGH
    remediation = (
        "Set `permissions: contents: read` at the top and grant write scopes per job; pass "
        "only the secrets a reusable workflow needs; use OIDC instead of static cloud keys."
    )

    def detect(self, doc: Workflow) -> Iterator[Finding]:
        if doc.platform != "github":
            return
        before = previous(doc)
        yield from self._write_all(doc, before)
        yield from self._top_scopes(doc, before)
        yield from self._inherit(doc, before)
        yield from self._static_keys(doc, before)

    def _write_all(self, doc: Workflow, before: Workflow | None) -> Iterator[Finding]:
        if doc.permissions == "write-all" and doc.touches(doc.line_of("permissions")) and not (
                before is not None and before.permissions == "write-all"):
            yield self.finding(f"{doc.path}: every job's token gets write-all permissions",
                               location(doc, doc.line_of("permissions")),
                               evidence="permissions: write-all")
        for job in doc.jobs:
            old = before.job(job.id) if before is not None else None
            if job.permissions == "write-all" and doc.touches(job.line_of("permissions")) \
                    and not (old is not None and old.permissions == "write-all"):
                yield self.finding(f"{doc.path}: job '{job.id}' token gets write-all permissions",
                                   location(doc, job.line_of("permissions")),
                                   evidence="permissions: write-all")

    def _top_scopes(self, doc: Workflow, before: Workflow | None) -> Iterator[Finding]:
        perms = doc.permissions
        if not isinstance(perms, Mapping):
            return
        old_perms = before.permissions if before is not None else None
        release_only = bool(doc.triggers) and set(doc.triggers) <= _RELEASE_EVENTS
        first_block = before is not None and old_perms is None
        for scope in _SENSITIVE_SCOPES:
            if _scope_level(perms, scope) != "write":
                continue
            line = key_line(perms, scope, doc.line_of("permissions"))
            if not doc.touches(line) or _scope_level(old_perms, scope) == "write":
                continue
            soft = release_only or first_block
            why = " (release-only workflow)" if release_only else \
                " (first permissions block: may tighten the repository default)" \
                if first_block else ""
            yield self.finding(
                f"{doc.path}: every job's token gets {scope}: write{why}",
                location(doc, line), evidence=f"permissions: {scope}: write",
                severity=Severity.MEDIUM if soft else None,
                confidence=Confidence.MEDIUM if soft else None)

    def _inherit(self, doc: Workflow, before: Workflow | None) -> Iterator[Finding]:
        for job in doc.jobs:
            if job.secrets != "inherit" or not doc.touches(job.line_of("secrets")):
                continue
            old = before.job(job.id) if before is not None else None
            if old is not None and old.secrets == "inherit":
                continue
            local = (job.uses or "").startswith("./")
            yield self.finding(
                f"{doc.path}: job '{job.id}' passes every repository secret to "
                f"{job.uses or 'the called workflow'}",
                location(doc, job.line_of("secrets")),
                evidence=trim(f"uses: {job.uses} secrets: inherit"),
                severity=Severity.MEDIUM if local else None)

    def _static_keys(self, doc: Workflow, before: Workflow | None) -> Iterator[Finding]:
        had_oidc = before is not None and _uses_oidc(before)
        old_refs: set[str] = set()
        if before is not None:
            old_refs = {m.group(1).upper() for _, _, text, _ in _value_refs(before)
                        for m in _STATIC_KEY.finditer(text)}
        seen: set[str] = set()
        for job, key, text, line in _value_refs(doc):
            for match in _STATIC_KEY.finditer(text):
                secret = match.group(1).upper()
                if secret in seen or secret in old_refs or not doc.touches(line):
                    continue
                seen.add(secret)
                where = f"job '{job.id}'" if job is not None else "the workflow"
                replacing = had_oidc and not _uses_oidc(doc)
                message = (f"{doc.path}: {where} now uses long-lived cloud key secret {secret}"
                           + (" instead of OIDC federation" if replacing else ""))
                yield self.finding(
                    message, location(doc, line), evidence=f"{key}: ${{{{ secrets.{secret} }}}}",
                    severity=None if replacing else Severity.MEDIUM)

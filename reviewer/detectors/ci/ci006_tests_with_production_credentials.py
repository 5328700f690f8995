"""CI006: a CI job that runs tests gets production credentials or a production host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.workflow import Job, Workflow

_TEST_RUN = re.compile(r"\b(pytest|py\.test|tox|nox|go\s+test|npm\s+(run\s+)?test|yarn\s+test|"
                       r"pnpm\s+test|jest|vitest|mocha|rspec|rake\s+test|mvn\s+(\S+\s+)*test|"
                       r"gradle\w*\s+(\S+\s+)*test|phpunit|dotnet\s+test|cargo\s+test|"
                       r"make\s+(test|check|integration))\b")
_PROD_SECRET = re.compile(r"secrets\.[A-Z0-9_]*(PROD|PRODUCTION|PRD|LIVE)[A-Z0-9_]*", re.I)
_PROD_HOST = re.compile(r"(^|[.\-_/@])(prod|production|prd|live)([.\-_]|$)", re.I)
_PROD_ENV = re.compile(r"^(prod|production|prd|live)([-_].*)?$", re.I)
_HOSTISH = re.compile(r"(host|url|dsn|endpoint|server|addr|database_url)$", re.I)


def _env_name(job: Job) -> str:
    env: Any = job.environment
    if isinstance(env, dict):
        env = env.get("name")
    return str(env or "")


def _prod_values(job: Job) -> list[str]:
    """The job's env entries that point at production (secrets or hosts)."""
    found: list[str] = []
    envs: list[dict[str, Any]] = [job.env] + [s.env for s in job.steps]
    for env in envs:
        for key, value in env.items():
            text = str(value)
            secret = _PROD_SECRET.search(text)
            if secret:
                found.append(f"{key} from {secret.group(0)}")
            elif _HOSTISH.search(str(key)) and _PROD_HOST.search(text):
                found.append(f"{key}={text}")
    return found


class ProductionCredentialsInTests(Detector[Workflow]):
    """A CI job that runs tests gets production credentials or a production host.

    ## What it detects
    A workflow job whose steps run a test suite (`pytest`, `go test`, `npm test`, `rspec`,
    `mvn test`…) while the job runs in a production deployment environment, or its `env`
    points a host, URL or DSN at a production name or passes a secret named for production
    (`secrets.PROD_DB_PASSWORD`). Only jobs the change adds or edits are reported.

    ## Why is this risky?
    Test suites create, truncate and drop: fixtures reset schemas, teardown deletes rows.
    Pointed at production they do the same there. A cloud provider lost the primary
    database behind its control panel and API because an automated test process was
    configured with production credentials.

    ## Example
    ```yaml
    on: {schedule: [{cron: "0 3 * * *"}]}
    jobs:
      integration:
        runs-on: ubuntu-latest
        env:
          DB_HOST: panel-db.prod.internal
          DB_PASSWORD: ${{ secrets.PROD_DB_PASSWORD }}
        steps:
          - run: pytest tests/integration
    ```

    ## Safer alternative
    Run tests against a database created for the job (a service container or a throwaway
    instance) and keep production secrets in deployment environments that only deploy jobs
    can use:
    ```yaml
    on: {schedule: [{cron: "0 3 * * *"}]}
    jobs:
      integration:
        runs-on: ubuntu-latest
        services:
          postgres: {image: "postgres:16", env: {POSTGRES_PASSWORD: postgres}}
        env:
          DB_HOST: localhost
        steps:
          - run: pytest tests/integration
    ```

    ## References
    - DigitalOcean, "Update on the April 5th, 2017 outage"
    - GitHub Docs, "Using environments for deployment" (environment protection rules)
    """

    code = "CI006"
    name = "tests-with-production-credentials"
    family = "ci"
    kinds = (InputKind.WORKFLOW,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Give test jobs their own throwaway database and keep production secrets in "
                   "a protected environment used only by deploy jobs.")

    def detect(self, doc: Workflow) -> Iterator[Finding]:
        for job in doc.jobs:
            end = max([job.line, *(s.line for s in job.steps)]) + 50
            if not doc.touches(job.line, end):
                continue
            runs_tests = any(s.run and _TEST_RUN.search(s.run) for s in job.steps)
            if not runs_tests:
                continue
            reasons = _prod_values(job)
            env_name = _env_name(job)
            if _PROD_ENV.match(env_name):
                reasons.insert(0, f"environment {env_name}")
            if not reasons:
                continue
            yield self.finding(
                f"{doc.path}: job '{job.id}' runs a test suite with production access "
                f"({'; '.join(reasons[:3])}): test fixtures and teardown act on production",
                Location(path=doc.path, line=job.line),
                evidence=f"job {job.id}: {', '.join(reasons[:3])}")

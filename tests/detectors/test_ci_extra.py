"""Extra tests for the CI family: gate recognition, expressions, odd workflow shapes."""

from __future__ import annotations

import pytest

from reviewer.detectors.ci import DETECTORS
from reviewer.detectors.ci._common import is_always_false, is_gate_command
from reviewer.detectors.ci.ci004_template_injection import untrusted_expressions
from reviewer.detectors.engine import run_detectors
from tests.detectors.case_tables import documents_for


@pytest.mark.parametrize(("line", "gate"), [
    ("npm test", True), ("cd web && npm run lint", True), ("pytest -q", True),
    ("./scripts/run-tests.sh", True), ("terraform plan -out tfplan", True),
    ("./gradlew clean test", True), ("docker rm -f test-db", False), ("make build", False),
    ("echo test", False), ("terraform apply tfplan", False),
])
def test_gate_commands(line: str, gate: bool) -> None:
    assert is_gate_command(line) is gate


@pytest.mark.parametrize(("condition", "disabled"), [
    ("false", True), ("${{ false }}", True), ("0", True), ("false && github.ref", True),
    ("github.ref == 'refs/heads/main'", False), (None, False), ("${{ always() }}", False),
])
def test_always_false(condition: str | None, disabled: bool) -> None:
    assert is_always_false(condition) is disabled


def test_untrusted_expressions() -> None:
    assert untrusted_expressions("echo ${{ github.event.pull_request.title }}")
    assert untrusted_expressions("echo ${{ github.event.commits[0].message }}")
    assert untrusted_expressions("echo '${{ toJSON(github.event.issue) }}'")
    assert not untrusted_expressions("echo ${{ github.event.pull_request.number }}")
    assert not untrusted_expressions("echo ${{ github.sha }} $TITLE")


@pytest.mark.parametrize("text", [
    "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: >\n          echo "
    "${{ github.head_ref }}\n          && make test || true\n",
    "on: push\njobs:\n  a:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n",
    "on: [pull_request_target]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: "
    "actions/checkout\n        with: {ref: refs/pull/1/merge}\n      - uses: docker://alpine\n",
    "stages: [test]\ntest:\n  script: make test || true\n  allow_failure: true\n",
])
def test_odd_workflows_do_not_crash(text: str) -> None:
    path = ".gitlab-ci.yml" if text.startswith("stages") else ".github/workflows/x.yml"
    run_detectors(list(DETECTORS), documents_for(text, path), strict=True)

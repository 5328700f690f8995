"""Shell family: helpers, masking, workflow line mapping and larger inputs."""

from __future__ import annotations

import pytest

from reviewer.detectors.shell import DETECTORS
from reviewer.detectors.shell._common import classify_path, mask_secrets, parse_cli, unwrap
from reviewer.detectors.shell.sh001_rm_rf_dangerous_target import RmRfDangerousTarget
from reviewer.detectors.shell.sh005_database_cli_destruction import (
    DatabaseCliDestruction,
    sql_wipes,
)
from tests.detectors.case_tables import run_text


def test_parse_cli_splits_short_clusters_and_values() -> None:
    cli = parse_cli(("-rf", "--namespace=x", "-n", "y", "--", "-z"), ("-n", "--namespace"))
    assert cli.has("-r")
    assert cli.has("-f")
    assert cli.values("--namespace", "-n") == ("x", "y")
    assert cli.positionals == ("-z",)


def test_parse_cli_go_flags() -> None:
    cli = parse_cli(("-chdir=envs/prod", "--auto-approve", "apply"), ("-chdir",), go_flags=True)
    assert cli.value("-chdir") == "envs/prod"
    assert cli.has("-auto-approve")
    assert cli.positionals == ("apply",)


def test_unwrap_package_runners() -> None:
    assert unwrap(("npx", "-y", "cdk", "destroy")) == ("cdk", "destroy")
    assert unwrap(("npx", "@google/gemini-cli@0.1.0", "--yolo"))[0] == "gemini-cli"
    assert unwrap(("pnpm", "exec", "tf", "plan")) == ("tf", "plan")
    assert unwrap(("npm", "install")) == ("npm", "install")


@pytest.mark.parametrize(("path", "kind"), [
    ("/", "root"), ("/*", "root"), ("//", "root"), ("~", "home"), ("$HOME/", "home"),
    ("/etc/", "system"), ("/usr/local/*", "system"), ("/var/lib/mysql/data", "data"),
])
def test_classify_dangerous_paths(path: str, kind: str) -> None:
    found = classify_path(path)
    assert found is not None
    assert found[0] == kind


@pytest.mark.parametrize("path", ["/tmp/x", "/opt/app/build", "~/.cache/x", "build/", "$X/"])
def test_classify_ordinary_paths(path: str) -> None:
    assert classify_path(path) is None


def test_secrets_are_masked() -> None:
    text = ("mysql -uroot -pHunter2 -e 'x'; psql postgres://app:s3cret@db/x; "
            "AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP")
    masked = mask_secrets(text)
    assert "Hunter2" not in masked
    assert "s3cret" not in masked
    assert "ABCDEFGHIJKLMNOP" not in masked


def test_evidence_never_carries_a_password() -> None:
    script = '#!/bin/bash\nmysql -h db.prod -uadmin -pS3cretPass -e "DROP DATABASE billing"\n'
    findings = run_text(DatabaseCliDestruction, script, "scripts/x.sh")
    assert findings
    assert all("S3cretPass" not in f.evidence and "S3cretPass" not in f.message
               for f in findings)


def test_workflow_expression_is_shown_as_written() -> None:
    workflow = (
        "on: workflow_dispatch\njobs:\n  clean:\n    runs-on: self-hosted\n    steps:\n"
        "      - run: rm -rf ${{ inputs.dir }}/*\n"
    )
    (finding,) = run_text(RmRfDangerousTarget, workflow, ".github/workflows/clean.yml")
    assert finding.location.line == 6
    assert "${{ inputs.dir }}" in finding.message
    assert "${{ inputs.dir }}" in finding.evidence
    assert "GHA_EXPR" not in finding.message + finding.evidence


def test_gitlab_script_lines_map_to_items() -> None:
    gitlab = "job:\n  script:\n    - echo one\n    - echo two\n    - terraform destroy\n"
    (cls,) = [c for c in DETECTORS if c.code == "SH002"]
    (finding,) = run_text(cls, gitlab, ".gitlab-ci.yml")
    assert finding.location.line == 5


def test_sql_statement_split_ignores_quoted_semicolons() -> None:
    wipes = sql_wipes("UPDATE t SET note = 'a; DROP TABLE x'; DELETE FROM logs WHERE id = 1;"
                      " -- DROP TABLE y\nTRUNCATE audit")
    assert [w.what for w in wipes] == ["TRUNCATE audit"]


def test_many_commands_each_reported_once() -> None:
    lines = ["#!/bin/bash"]
    for i in range(1500):
        lines += [f'D{i}="$(mktemp -d)"', f'rm -rf "$D{i}"/*', f'rm -rf "$U{i}/"*', "cd build"]
    findings = run_text(RmRfDangerousTarget, "\n".join(lines) + "\n", "big.sh")
    assert len(findings) == 1500
    assert {f.location.line for f in findings} == {2 + 4 * i + 2 for i in range(1500)}

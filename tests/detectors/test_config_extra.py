"""Extra tests for the config family: the line trackers, value parsing, masking, speed."""

from __future__ import annotations

import pytest

from reviewer.detectors.config import DETECTORS
from reviewer.detectors.config._common import config_files, safe_value, trim
from reviewer.detectors.config.cfg003_risky_operational_knob import quantity
from reviewer.detectors.engine import run_detectors
from reviewer.parsers.diff import parse_diff
from tests.detectors.case_tables import documents_for


def _paths(diff: str) -> dict[str, list[tuple[str, str | None, int, str]]]:
    doc = parse_diff(diff, "change.diff")
    return {cfg.path: [(".".join(e.path), e.value, e.line, e.kind) for e in cfg.added]
            for cfg in config_files(doc)}


def test_yaml_paths_follow_indentation_lists_and_git_heading() -> None:
    diff = (
        "diff --git a/c.yaml b/c.yaml\n--- a/c.yaml\n+++ b/c.yaml\n"
        "@@ -10,4 +10,5 @@ production:\n"
        "   db:\n"
        "     host: a  # primary\n"
        "+    pool: 5\n"
        "   queues:\n"
        "+    - name: orders\n"
    )
    got = _paths(diff)["c.yaml"]
    assert ("production.db.pool", "5", 12, "+") in got
    assert ("production.queues.orders.name", "orders", 14, "+") in got


def test_json_toml_env_properties_paths() -> None:
    diff = (
        "diff --git a/f.json b/f.json\n--- a/f.json\n+++ b/f.json\n@@ -1,3 +1,3 @@\n"
        ' {\n-  "a": {"b": 1}\n+  "a": {"b": 2}\n }\n'
        "diff --git a/s.toml b/s.toml\n--- a/s.toml\n+++ b/s.toml\n@@ -1,2 +1,2 @@\n"
        " [server.http]\n-timeout = 3\n+timeout = 4 # s\n"
        "diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n"
        "-export A=1\n+export A=\"2\"\n"
        "diff --git a/app.properties b/app.properties\n--- a/app.properties\n"
        "+++ b/app.properties\n@@ -1 +1 @@\n-x.y.z=1\n+x.y.z: 2\n"
    )
    got = _paths(diff)
    assert got["f.json"] == [("a", None, 2, "+"), ("a.b", "2", 2, "+")]
    assert got["s.toml"] == [("server.http.timeout", "4", 2, "+")]
    assert got[".env"] == [("A", "2", 1, "+")]
    assert got["app.properties"] == [("x.y.z", "2", 1, "+")]


def test_lockfiles_workflows_and_translations_are_not_config() -> None:
    diff = "".join(
        f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a: 1\n+a: 2\n"
        for p in ("package-lock.json", ".github/workflows/ci.yml", "locales/en.json",
                  "charts/x/templates/deploy.yaml"))
    assert _paths(diff) == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("30", (30.0, False)), ("30s", (30.0, True)), ("1m30s", (90.0, True)),
    ("250ms", (0.25, True)), ("512Mi", (512 * 1024.0**2, True)), ("abc", None), ("", None),
])
def test_quantity(text: str, expected: tuple[float, bool] | None) -> None:
    assert quantity(text) == expected


def test_evidence_never_shows_secret_values() -> None:
    assert "hunter2" not in safe_value("db_password", "hunter2")
    assert "s3cr3t" not in safe_value("url", "postgres://app:s3cr3t@db/app")
    assert "AKIAIOSFODNN7EXAMPLE" not in trim("key = AKIAIOSFODNN7EXAMPLE")
    assert safe_value("auth_timeout", "30") == "30"


def test_large_config_diff_is_reviewed() -> None:
    # Speed is measured in benchmarks/; this checks a 20,000-line config diff is handled.
    lines = [f"-  key{i}: {i}" for i in range(10000)]
    lines += [f"+  key{i}: {i * 20}" for i in range(10000)]
    text = ("diff --git a/config/production.yaml b/config/production.yaml\n"
            "--- a/config/production.yaml\n+++ b/config/production.yaml\n"
            "@@ -1,10000 +1,10000 @@\n" + "\n".join(lines) + "\n")
    docs = documents_for(text, "change.diff")
    findings = run_detectors(list(DETECTORS), docs, strict=True).findings
    assert {f.location.path for f in findings} <= {"config/production.yaml"}


def test_each_diff_is_read_on_its_own() -> None:
    first = documents_for(
        "diff --git a/config/production.yaml b/config/production.yaml\n"
        "--- a/config/production.yaml\n+++ b/config/production.yaml\n@@ -1,2 +1,2 @@\n"
        " db:\n-  pool_size: 20\n+  pool_size: 0\n", "change.diff")
    second = documents_for(
        "diff --git a/config/production.yaml b/config/production.yaml\n"
        "--- a/config/production.yaml\n+++ b/config/production.yaml\n@@ -1,2 +1,2 @@\n"
        " db:\n-  pool_size: 20\n+  pool_size: 25\n", "change.diff")
    assert run_detectors(list(DETECTORS), first, strict=True).findings
    assert not run_detectors(list(DETECTORS), second, strict=True).findings
    assert run_detectors(list(DETECTORS), first, strict=True).findings

"""Extra checks for the code family: line convention, odd diffs, scale, helpers."""

from __future__ import annotations

import pytest

from reviewer.detectors.code import DETECTORS
from reviewer.detectors.code._common import (
    classify_call,
    is_test_path,
    new_line_for,
    read_side,
    words,
)
from reviewer.models import Finding
from reviewer.parsers.diff import parse_diff
from tests.detectors.case_tables import run_text


def _findings(diff: str, code: str | None = None) -> list[Finding]:
    found = [f for cls in DETECTORS for f in run_text(cls, diff, "change.diff")]
    return [f for f in found if code is None or f.code == code]


def _diff(path: str, header: str, body: str) -> str:
    return (f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n"
            f"+++ b/{path}\n{header}\n{body}")


# --------------------------------------------------------------------------- line convention

GUARD_AT_END = _diff("jobs/wipe.py", "@@ -1,5 +1,3 @@ def wipe(path, dry_run):", """\
 def wipe(path, dry_run):
     shutil.rmtree(path)
-    if dry_run:
-        return
""")

GUARD_REPLACED = _diff("jobs/wipe.py", "@@ -1,5 +1,4 @@ def wipe(path, dry_run):", """\
 def wipe(path, dry_run):
-    if dry_run:
-        return
+    log.info("wiping %s", path)
     shutil.rmtree(path)
""")


def test_removed_guard_without_following_lines_is_reported_at_previous_context_line() -> None:
    found = _findings(GUARD_AT_END, "CODE003")
    assert [(f.location.path, f.location.line) for f in found] == [("jobs/wipe.py", 2)]


def test_removed_guard_is_reported_at_the_first_added_line_after_it() -> None:
    found = _findings(GUARD_REPLACED, "CODE003")
    assert [(f.location.path, f.location.line) for f in found] == [("jobs/wipe.py", 2)]


def test_new_line_for_added_removed_and_context_lines() -> None:
    doc = parse_diff(GUARD_REPLACED, "change.diff")
    hunk = doc.files[0].hunks[0]
    kinds = [line.kind for line in hunk.lines]
    assert kinds == [" ", "-", "-", "+", " "]
    assert [new_line_for(hunk, i) for i in range(5)] == [1, 2, 2, 2, 3]


# --------------------------------------------------------------------------- odd diffs

DELETED_FILE = """\
diff --git a/jobs/purge.py b/jobs/purge.py
deleted file mode 100644
index 1111111..0000000
--- a/jobs/purge.py
+++ /dev/null
@@ -1,4 +0,0 @@
-def purge(db, dry_run):
-    if dry_run:
-        return
-    db.drop_database("billing")
"""


def test_deleting_a_whole_file_with_its_guard_reports_nothing() -> None:
    assert _findings(DELETED_FILE) == []


def test_crlf_diff_is_read_like_lf() -> None:
    diff = _diff("app/reset.py", "@@ -1,2 +1,3 @@ def reset(client):", """\
 def reset(client):
+    client.drop_database("billing")
     return True
""").replace("\n", "\r\n")
    found = _findings(diff, "CODE001")
    assert [(f.location.line, f.severity.value) for f in found] == [(2, "high")]


def test_tsx_component_teardown_is_not_flagged_but_api_delete_is() -> None:
    diff = _diff("web/src/Chart.tsx", "@@ -1,3 +1,5 @@ export function Chart() {", """\
 export function Chart() {
+  useEffect(() => () => chart.destroy(), []);
+  const onReset = async () => { await api.projects.deleteMany({}); };
   return <canvas ref={ref} />;
 }
""")
    found = _findings(diff, "CODE001")
    assert [(f.location.line, f.severity.value) for f in found] == [(3, "high")]


def test_go_raw_string_sql_in_exec() -> None:
    diff = _diff("internal/store/reset.go", "@@ -1,3 +1,4 @@ func Reset(db *sql.DB) error {", """\
 func Reset(db *sql.DB) error {
+\t_, err := db.Exec(`TRUNCATE TABLE ledger_entries`)
 \treturn err
 }
""")
    found = _findings(diff, "CODE001")
    assert [(f.location.line, f.severity.value) for f in found] == [(2, "high")]
    assert "TRUNCATE ledger_entries" in found[0].message


def test_message_names_the_enclosing_symbol() -> None:
    diff = _diff("app/exports.py", "@@ -1,2 +1,3 @@ def rotate(s3, bucket):", """\
 def rotate(s3, bucket):
+    s3.delete_bucket(Bucket=bucket)
     return True
""")
    (finding,) = _findings(diff, "CODE001")
    assert "s3.delete_bucket" in finding.message
    assert "in rotate" in finding.message


def test_large_new_file_is_read_once_and_fast_enough() -> None:
    body = "".join(f"+def f{i}(x):\n+    return helper(x, {i})\n" for i in range(10000))
    diff = (f"diff --git a/app/big.py b/app/big.py\nnew file mode 100644\nindex 0..1\n"
            f"--- /dev/null\n+++ b/app/big.py\n@@ -0,0 +1,20001 @@\n{body}"
            "+Order.objects.all().delete()\n")
    found = _findings(diff)
    assert [(f.code, f.location.line) for f in found] == [("CODE001", 20001)]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(("name", "expected"), [
    ("delete_db_instance", ("delete", "db", "instance")),
    ("deleteMany", ("delete", "many")),
    ("RemoveAll", ("remove", "all")),
    ("DBInstance", ("db", "instance")),
])
def test_words_split_snake_camel_and_pascal(name: str, expected: tuple[str, ...]) -> None:
    assert words(name) == expected


@pytest.mark.parametrize(("path", "test"), [
    ("tests/test_cleanup.py", True), ("app/cleanup_test.go", True),
    ("src/cleanup.spec.ts", True), ("src/test/java/CleanupTest.java", True),
    ("vendor/lib/cleanup.go", True), ("app/cleanup.py", False),
    ("src/main/java/Cleanup.java", False), ("app/latest.py", False),
])
def test_test_paths(path: str, test: bool) -> None:
    assert is_test_path(path) is test


@pytest.mark.parametrize(("line", "language", "destructive"), [
    ("s3.delete_bucket(Bucket=b)", "python", True),
    ("df.drop(columns=['x'])", "python", False),
    ("proc.terminate()", "python", False),
    ("cache.delete(key)", "python", False),
    ("title.truncate(40)", "javascript", False),
    ("router.delete('/users/:id', handler)", "javascript", False),
    ("delete(m, k)", "go", False),
    ("os.RemoveAll(dir)", "go", True),
    ("repo.deleteAll()", "java", True),
    ("skip_destroy(rc)", "python", False),
    ("collection.drop()", "javascript", True),
])
def test_classify_call(line: str, language: str, destructive: bool) -> None:
    diff = _diff("x", "@@ -0,0 +1 @@", f"+{line}\n")
    hunk = parse_diff(diff, "change.diff").files[0].hunks[0]
    calls = read_side(language, hunk, True).calls
    ops = [op for op in (classify_call(c, language) for c in calls) if op is not None]
    assert bool(ops and ops[-1].strong) is destructive

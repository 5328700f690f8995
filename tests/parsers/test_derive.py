"""Whole-file documents derived from the files a diff changes."""

from __future__ import annotations

from reviewer.models import InputKind
from reviewer.parsers.derive import derive_documents, file_kind
from reviewer.parsers.diff import parse_diff
from reviewer.parsers.hcl import HclFile
from reviewer.parsers.sources import FileContents
from reviewer.parsers.sql import SqlScript

SQL_ADDED = """diff --git a/db/migrate/002_drop.sql b/db/migrate/002_drop.sql
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/db/migrate/002_drop.sql
@@ -0,0 +1,3 @@
+-- remove legacy data
+DROP TABLE legacy_orders;
+ALTER TABLE users DROP COLUMN nickname;
"""

TF_MODIFIED = """diff --git a/infra/main.tf b/infra/main.tf
index 1111111..2222222 100644
--- a/infra/main.tf
+++ b/infra/main.tf
@@ -1,6 +1,5 @@
 resource "aws_db_instance" "main" {
   identifier = "app"
   lifecycle {
-    prevent_destroy = true
   }
 }
"""

OLD_TF = """resource "aws_db_instance" "main" {
  identifier = "app"
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
"""
NEW_TF = OLD_TF.replace("    prevent_destroy = true\n", "")


def test_file_kinds() -> None:
    assert file_kind("db/migrate/001.sql") is InputKind.SQL
    assert file_kind("deploy/run.sh") is InputKind.SHELL
    assert file_kind("infra/main.tf") is InputKind.HCL
    assert file_kind(".github/workflows/ci.yml") is InputKind.WORKFLOW
    assert file_kind("k8s/app.yaml", "apiVersion: v1\nkind: Service\n") is InputKind.KUBERNETES
    assert file_kind("config/app.yaml", "port: 8080\n") is None
    assert file_kind("src/app.py") is None
    assert file_kind("bin/deploy", "#!/bin/bash\nset -e\n") is InputKind.SHELL


def test_added_sql_file_is_whole_and_every_line_changed() -> None:
    diff = parse_diff(SQL_ADDED, "change.diff")
    docs, problems = derive_documents(diff, None)
    assert problems == []
    (doc,) = docs
    assert isinstance(doc, SqlScript)
    assert doc.path == "db/migrate/002_drop.sql"
    assert doc.origin == "change.diff"
    assert [(s.verb, s.target, s.line) for s in doc.statements] == [
        ("DROP TABLE", "legacy_orders", 2), ("ALTER TABLE", "users", 3)]
    assert doc.changed_lines == frozenset({1, 2, 3})
    assert doc.touches(2)
    assert doc.before() is None


def test_modified_file_from_hunks_keeps_line_numbers_and_old_side() -> None:
    diff = parse_diff(TF_MODIFIED, "change.diff")
    docs, _ = derive_documents(diff, None)
    (doc,) = docs
    assert isinstance(doc, HclFile)
    assert doc.changed_lines == frozenset()
    assert doc.find("aws_db_instance.main") is not None
    before = doc.before()
    assert before is not None
    block = before.find("aws_db_instance.main")
    assert block is not None
    assert block.nested("lifecycle")[0].attributes["prevent_destroy"] == "true"
    assert doc.find("aws_db_instance.main").nested("lifecycle")[0].attributes == {}  # type: ignore[union-attr]


def test_full_contents_are_preferred_over_hunks() -> None:
    diff = parse_diff(TF_MODIFIED, "change.diff")
    contents = FileContents(old={"infra/main.tf": OLD_TF}, new={"infra/main.tf": NEW_TF})
    (doc,), _ = derive_documents(diff, contents)
    assert isinstance(doc, HclFile)
    assert [b.address for b in doc.resources] == ["aws_db_instance.main", "aws_s3_bucket.logs"]
    before = doc.before()
    assert before is not None
    assert [b.address for b in before.resources] == ["aws_db_instance.main",
                                                     "aws_s3_bucket.logs"]


def test_deleted_file_gives_empty_document_with_old_side() -> None:
    text = """diff --git a/db/001.sql b/db/001.sql
deleted file mode 100644
index 1111111..0000000
--- a/db/001.sql
+++ /dev/null
@@ -1,2 +0,0 @@
-CREATE TABLE t (id int);
-CREATE INDEX i ON t (id);
"""
    (doc,), _ = derive_documents(parse_diff(text, "d.diff"), None)
    assert isinstance(doc, SqlScript)
    assert doc.statements == ()
    before = doc.before()
    assert before is not None
    assert [s.verb for s in before.statements] == ["CREATE TABLE", "CREATE INDEX"]


def test_unparseable_partial_yaml_is_skipped_not_an_error() -> None:
    text = """diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
index 1111111..2222222 100644
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -20,3 +20,3 @@ jobs:
       - run: make test
-      - run: make lint
+      - run: make lint || true
       - run: make build
"""
    docs, problems = derive_documents(parse_diff(text, "d.diff"), None)
    assert docs == []
    assert [p.level.value for p in problems] == ["skipped"]
    assert "--git" in problems[0].message


def test_old_side_text_answers_mention_checks_without_parsing() -> None:
    from reviewer.parsers.base import before_may_mention

    diff = parse_diff(TF_MODIFIED, "change.diff")
    (doc,) = derive_documents(diff, None)[0]
    assert before_may_mention(doc, "prevent_destroy")
    assert before_may_mention(doc, "nothing_like_this", "aws_db_instance")
    assert not before_may_mention(doc, "aws_secretsmanager_secret")
    # A document with no known old text can always mention anything: parse to find out.
    assert before_may_mention(object(), "aws_secretsmanager_secret")

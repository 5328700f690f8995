"""Tests for reviewer.parsers.diff: real git output, patches, broken input, random text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.diff import (
    Commit,
    DiffDocument,
    DiffLine,
    FileChange,
    Hunk,
    _Reader,
    _split_lines,
    commit_from_message,
    parse_diff,
    split_trailers,
)
from reviewer.parsers.sources import FileContents

FixtureReader = Callable[[str], str]

ALL_FIXTURES = ("git.diff", "format_patch_series.patch", "github.patch", "crlf.diff",
                "truncated.diff", "binary_mode.diff", "plain_unified.diff")


def _file(doc: DiffDocument, path: str) -> FileChange:
    change = doc.file(path)
    assert change is not None, f"{path} not in {[f.path for f in doc.files]}"
    return change


def _texts(hunk: Hunk) -> list[str]:
    return [f"{line.kind}{line.text}" for line in hunk.lines]


def _errors(doc: DiffDocument) -> list[str]:
    return [p.message for p in doc.problems if p.level is ProblemLevel.ERROR]


# --------------------------------------------------------------------------- git diff


def test_git_diff_files_statuses_and_symbols(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("git.diff"), "git.diff")

    assert doc.kind is InputKind.DIFF
    assert doc.describe() == "diff of 9 files (+14 −15 lines)"
    assert doc.problems == ()
    assert [(f.path, f.status) for f in doc.files] == [
        ("OLD_README.md", "deleted"),
        ("README.md", "added"),
        ("db/002_users.sql", "modified"),
        ("infra/main.tf", "modified"),
        ("k8s/deploy.yaml", "modified"),
        ("obsolete.cfg", "deleted"),
        ("services/api/server.go", "modified"),
        ("src/payments.py", "modified"),
        ("web/src/client.ts", "modified"),
    ]
    symbols = {(f.path, h.new_start): (h.symbol, h.symbol_kind) for f in doc.files
               for h in f.hunks}
    assert symbols[("infra/main.tf", 3)] == ("aws_db_instance.main", "resource")
    assert symbols[("k8s/deploy.yaml", 5)] == ("spec.replicas", "key")
    # the second YAML hunk starts below "template:", which is outside the hunk
    assert symbols[("k8s/deploy.yaml", 13)] == ("spec.….spec.containers.image", "key")
    assert symbols[("db/002_users.sql", 5)] == ("ALTER TABLE users", "statement")
    assert symbols[("services/api/server.go", 12)] == ("Server.Handle", "method")
    assert symbols[("web/src/client.ts", 3)] == ("ApiClient.fetchUser", "method")
    # without the file contents the method header is out of reach: git's heading names the class
    assert symbols[("src/payments.py", 21)] == ("PaymentService", "class")


def test_git_diff_line_numbers(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("git.diff"), "git.diff")
    tf = _file(doc, "infra/main.tf")
    (hunk,) = tf.hunks
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (3, 8, 3, 8)
    assert hunk.section == 'resource "aws_db_instance" "main" {'
    assert hunk.removed == (
        DiffLine("-", "  deletion_protection = true", 6, None),
        DiffLine("-", "  skip_final_snapshot = false", 7, None),
    )
    assert hunk.added == (
        DiffLine("+", "  deletion_protection = false", None, 6),
        DiffLine("+", "  skip_final_snapshot = true", None, 7),
    )
    assert hunk.first_changed_line == 6
    assert hunk.lines[0] == DiffLine(" ", '  engine              = "postgres"', 3, 3)
    assert (tf.old_mode, tf.new_mode, tf.language) == ("100644", "100644", "hcl")
    assert (tf.added_lines, tf.removed_lines) == (2, 2)

    deleted = _file(doc, "obsolete.cfg")
    assert (deleted.old_path, deleted.new_path, deleted.old_mode) == ("obsolete.cfg", None,
                                                                      "100644")
    assert _texts(deleted.hunks[0]) == ["-obsolete = true"]
    assert deleted.hunks[0].first_changed_line == 1
    added = _file(doc, "README.md")
    assert (added.old_path, added.new_path, added.new_mode) == (None, "README.md", "100644")
    assert [line.new_lineno for line in added.hunks[0].lines] == [1, 2, 3, 4]

    payments = _file(doc, "src/payments.py")
    assert _texts(payments.hunks[0])[3:6] == [
        "-        if amount > payment.amount:",
        '-            raise ValueError("refund exceeds the charge")',
        "+        # goodwill refunds may exceed the original charge",
    ]
    assert payments.hunks[0].first_changed_line == 24


def test_crlf_copy_of_a_diff_parses_identically(diff_fixture: FixtureReader) -> None:
    text = diff_fixture("git.diff")
    lf = parse_diff(text, "x.diff")
    crlf = parse_diff(text.replace("\n", "\r\n"), "x.diff")
    assert crlf.files == lf.files
    assert crlf.problems == ()


# --------------------------------------------------------------------------- patches


def test_format_patch_series_commits(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("format_patch_series.patch"), "series.patch")
    first, second = doc.commits
    assert first == Commit(
        sha="043333aaf54dfcdbd786a5ad8de3923ae227c7f1",
        author="Ada Lovelace <ada@example.com>",
        date="2024-06-05T09:30:00+02:00",
        subject="Tighten refund handling",
        body="Refunds now go straight to the gateway; the replica count and the\n"
             "database settings follow the new sizing.",
        trailers=(("Signed-off-by", "Ada Lovelace <ada@example.com>"),
                  ("Co-authored-by", "Claude <noreply@anthropic.com>")),
    )
    assert first.trailer_values("co-authored-by") == ("Claude <noreply@anthropic.com>",)
    assert first.message.startswith("Tighten refund handling\n\nRefunds now go straight")
    assert first.message.endswith("Co-authored-by: Claude <noreply@anthropic.com>")
    assert second.sha == "45094e5480187897a340cce30c5419b5db3692c5"
    assert second.subject == "Move notes, drop legacy file, new logo"
    assert second.body == ""
    assert second.trailers == (("Assisted-by", "GitHub Copilot"),
                               ("Reviewed-by", "Grace Hopper <grace@example.com>"))
    assert doc.describe() == "diff of 8 files (+8 −7 lines) in 2 commits"


def test_format_patch_series_files(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("format_patch_series.patch"), "series.patch")
    assert [(f.path, f.status) for f in doc.files] == [
        ("db/002_users_email.sql", "added"),
        ("infra/main.tf", "modified"),
        ("k8s/deploy.yaml", "modified"),
        ("src/payments.py", "modified"),
        ("deploy.sh", "modified"),
        ("docs/notes.md", "renamed"),
        ("legacy.txt", "deleted"),
        ("logo.png", "modified"),
    ]
    payments = _file(doc, "src/payments.py")
    (hunk,) = payments.hunks
    # the mail's "-- " signature and git version after the hunk are not diff lines
    assert _texts(hunk)[-3:] == [" ", " ", " def helper():"]
    assert (hunk.symbol, hunk.symbol_kind) == ("PaymentService.refund", "method")
    assert hunk.first_changed_line == 20

    notes = _file(doc, "docs/notes.md")
    assert (notes.old_path, notes.new_path, notes.similarity) == ("notes.txt", "docs/notes.md",
                                                                  66)
    assert _texts(notes.hunks[0]) == [" old notes", "+more"]
    script = _file(doc, "deploy.sh")
    assert (script.old_mode, script.new_mode, script.mode_changed) == ("100644", "100755", True)
    assert script.hunks == ()
    logo = _file(doc, "logo.png")
    assert logo.is_binary
    assert logo.hunks == ()
    assert logo.language is None
    assert [(p.level, p.message) for p in doc.problems] == [
        (ProblemLevel.SKIPPED, "logo.png: binary file, contents not analysed")]
    legacy = _file(doc, "legacy.txt")
    assert _texts(legacy.hunks[0]) == ["-legacy"]
    assert _file(doc, "db/002_users_email.sql").hunks[0].symbol == "ALTER TABLE users"
    assert _file(doc, "k8s/deploy.yaml").hunks[0].symbol == "spec.replicas"


def test_github_patch(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("github.patch"), "pull-42.patch")
    (commit,) = doc.commits
    assert commit.sha == "fcceac7789ee86b22ab0dd34aadfe208852e4a62"
    assert commit.author == "Octo Cat <octocat@users.noreply.github.com>"
    assert commit.date == "2024-07-02T16:20:11+02:00"
    # RFC 2047 encoded, folded subject; "[PATCH]" removed
    assert commit.subject == "Allow goodwill refunds — skip the amount check"
    assert commit.body == ("The support team needs to refund more than the original charge.\n\n"
                           "🤖 Generated with [Claude Code](https://claude.com/claude-code)")
    assert commit.trailers == (("Co-authored-by", "Claude <noreply@anthropic.com>"),)

    workflow = _file(doc, ".github/workflows/deploy.yml")
    assert workflow.language == "yaml"
    assert workflow.hunks[0].symbol == "jobs.deploy.permissions.contents"
    java = _file(doc, "src/main/java/com/shop/PaymentService.java")
    (hunk,) = java.hunks
    assert (hunk.symbol, hunk.symbol_kind) == ("PaymentService.refund", "method")
    assert _texts(hunk)[-1] == " }"
    assert doc.problems == ()


def test_git_log_p_output() -> None:
    text = (
        "commit 0123456789abcdef0123456789abcdef01234567\n"
        "Author: Grace Hopper <grace@example.com>\n"
        "Date:   Tue Jun 4 10:00:00 2024 +0200\n"
        "\n"
        "    Drop the sessions table\n"
        "\n"
        "    It is unused since the migration.\n"
        "\n"
        "    Assisted-by: Claude <noreply@anthropic.com>\n"
        "\n"
        "diff --git a/db/003.sql b/db/003.sql\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/db/003.sql\n"
        "@@ -0,0 +1 @@\n"
        "+DROP TABLE sessions;\n"
    )
    doc = parse_diff(text, "log.txt")
    assert doc.commits == (Commit(
        sha="0123456789abcdef0123456789abcdef01234567",
        author="Grace Hopper <grace@example.com>",
        date="2024-06-04T10:00:00+02:00",
        subject="Drop the sessions table",
        body="It is unused since the migration.",
        trailers=(("Assisted-by", "Claude <noreply@anthropic.com>"),),
    ),)
    (change,) = doc.files
    assert (change.path, change.status) == ("db/003.sql", "added")
    assert change.hunks[0].symbol == "DROP TABLE sessions"


def test_quoted_printable_mail_is_decoded() -> None:
    text = (
        "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n"
        "From: =?UTF-8?q?Ren=C3=A9e?= <renee@example.com>\n"
        "Date: Mon, 3 Jun 2024 08:00:00 +0000\n"
        "Subject: [PATCH v2 3/7] Raise the limit\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Caf=C3=A9 limits.\n"
        "---\n"
        "diff --git a/limits.py b/limits.py\n"
        "--- a/limits.py\n"
        "+++ b/limits.py\n"
        "@@ -1 +1 @@\n"
        "-LIMIT =3D 10\n"
        "+LIMIT =3D 10000  # caf=C3=A9\n"
    )
    doc = parse_diff(text, "mail.eml")
    (commit,) = doc.commits
    assert (commit.author, commit.subject, commit.body) == (
        "Renée <renee@example.com>", "Raise the limit", "Café limits.")
    assert _texts(doc.files[0].hunks[0]) == ["-LIMIT = 10", "+LIMIT = 10000  # café"]


# --------------------------------------------------------------------------- line endings


def test_crlf_fixture_folds_line_ending_only_changes(diff_fixture: FixtureReader) -> None:
    text = diff_fixture("crlf.diff")
    assert "\r\n" in text
    doc = parse_diff(text, "crlf.diff")
    ini = _file(doc, "config/app.ini")
    assert _texts(ini.hunks[0]) == [" [server]", " port = 8080", " workers = 4",
                                    "-debug = false", "+debug = true"]
    assert [(line.old_lineno, line.new_lineno) for line in ini.hunks[0].lines] == [
        (1, 1), (2, 2), (3, 3), (4, None), (None, 4)]
    assert [(p.level, p.message) for p in doc.problems] == [(
        ProblemLevel.NOTE,
        "config/app.ini: 3 line(s) changed only their line endings (CRLF/LF); read as unchanged",
    )]
    tf = _file(doc, "infra/s3.tf")
    assert _texts(tf.hunks[0])[2:4] == ["-  force_destroy = false", "+  force_destroy = true"]
    assert tf.hunks[0].symbol == "aws_s3_bucket.logs"
    assert not any("\r" in line.text for f in doc.files for h in f.hunks for line in h.lines)


def test_no_newline_markers(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("binary_mode.diff"), "b.diff")
    eof = _file(doc, "lib/eof.txt")
    assert eof.hunks[0].lines == (
        DiffLine("-", "no newline", 1, None, no_newline_at_eof=True),
        DiffLine("+", "no newline, changed", None, 1, no_newline_at_eof=True),
    )


# --------------------------------------------------------------------------- headers


def test_binary_modes_renames_copies_symlinks(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("binary_mode.diff"), "b.diff")
    summary = {f.path: (f.status, f.is_binary, f.old_mode, f.new_mode, f.similarity)
               for f in doc.files}
    assert summary == {
        "assets/logo.png": ("modified", True, "100644", "100644", None),
        "assets/new.bin": ("added", True, None, "100644", None),
        "lib/empty.py": ("added", False, None, "100644", None),
        "lib/eof.txt": ("modified", False, "100644", "100644", None),
        "lib/new_name.txt": ("renamed", False, None, None, 100),
        "lib/template_copy.txt": ("copied", False, None, None, 100),
        "scripts/build.sh": ("modified", False, "100644", "100755", None),
        "scripts/release.sh": ("modified", False, "100644", "100755", None),
        "scripts/util_link.py": ("added", False, None, "120000", None),
    }
    assert _file(doc, "lib/new_name.txt").old_path == "lib/old_name.txt"
    assert _file(doc, "lib/template_copy.txt").old_path == "lib/template.txt"
    link = _file(doc, "scripts/util_link.py")
    assert link.is_symlink
    assert link.language is None
    release = _file(doc, "scripts/release.sh")
    assert release.language == "bash"
    assert _texts(release.hunks[0])[1:3] == ["-set -e", "+set -eu"]
    assert [(p.level, p.message, p.line) for p in doc.problems] == [
        (ProblemLevel.SKIPPED, "assets/logo.png: binary file, contents not analysed", 1),
        (ProblemLevel.SKIPPED, "assets/new.bin: binary file, contents not analysed", 4),
    ]


def test_plain_diff_u_without_git_headers(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("plain_unified.diff"), "plain.diff")
    assert [(f.old_path, f.new_path, f.status) for f in doc.files] == [
        ("app/cleanup.py", "app/cleanup.py", "modified"),
        (None, "app/drop.sql", "added"),
        ("app/gone.txt", None, "deleted"),
    ]
    cleanup = _file(doc, "app/cleanup.py")
    assert cleanup.old_mode is None
    assert cleanup.language == "python"
    assert _texts(cleanup.hunks[0])[:2] == ["-import os", "+import shutil"]
    assert _file(doc, "app/drop.sql").hunks[0].symbol == "DROP TABLE sessions"
    assert doc.problems == ()


def test_quoted_and_spaced_paths() -> None:
    text = (
        'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"\n'
        "new file mode 100644\n"
        "index 0000000..975fbec\n"
        "--- /dev/null\n"
        '+++ "b/caf\\303\\251.py"\n'
        "@@ -0,0 +1 @@\n"
        "+y\n"
        "diff --git a/my file.txt b/my file.txt\n"
        "index 587be6b..bb0d1b4 100644\n"
        "--- a/my file.txt\t\n"
        "+++ b/my file.txt\t\n"
        "@@ -1 +1 @@\n"
        "-x\n"
        "+z\n"
    )
    doc = parse_diff(text, "q.diff")
    assert [(f.old_path, f.new_path) for f in doc.files] == [(None, "café.py"),
                                                             ("my file.txt", "my file.txt")]


def test_plain_binary_and_svn_style_headers() -> None:
    text = (
        "Index: web/app.js\n"
        "===================================================================\n"
        "--- web/app.js\t(revision 12)\n"
        "+++ web/app.js\t(working copy)\n"
        "@@ -1,2 +1,2 @@\n"
        " function boot() {\n"
        "-  start();\n"
        "+  start({ unsafe: true });\n"
        "Binary files old/img/a.png and new/img/a.png differ\n"
    )
    doc = parse_diff(text, "svn.diff")
    assert [(f.path, f.status, f.is_binary) for f in doc.files] == [
        ("web/app.js", "modified", False), ("img/a.png", "modified", True)]
    assert doc.files[0].hunks[0].symbol == "boot"


def test_combined_merge_diff_is_skipped() -> None:
    text = (
        "diff --cc src/app.py\n"
        "index 1111111,2222222..3333333\n"
        "--- a/src/app.py\n"
        "+++ b/src/app.py\n"
        "@@@ -1,1 -1,1 +1,1 @@@\n"
        "- a\n"
        " -b\n"
        "++c\n"
        "diff --git a/src/other.py b/src/other.py\n"
        "--- a/src/other.py\n"
        "+++ b/src/other.py\n"
        "@@ -1 +1 @@\n"
        "-old\n"
        "+new\n"
    )
    doc = parse_diff(text, "merge.diff")
    assert [f.path for f in doc.files] == ["src/other.py"]
    assert [(p.level, p.message) for p in doc.problems] == [
        (ProblemLevel.SKIPPED, "combined (merge) diff of src/app.py is not analysed")]


# --------------------------------------------------------------------------- broken input


def test_truncated_and_corrupt_diff_keeps_readable_lines(diff_fixture: FixtureReader) -> None:
    doc = parse_diff(diff_fixture("truncated.diff"), "broken.diff")
    assert [(p.level, p.message, p.line) for p in doc.problems] == [
        (ProblemLevel.ERROR, "2 unreadable line(s) after src/ok.py were skipped "
                             "(diff lines 10-11)", 10),
        (ProblemLevel.ERROR, "hunk @@ -10,7 +10,9 @@ in src/a.py is truncated "
                             "(expected 9 new lines, found 4)", 16),
        (ProblemLevel.ERROR, "hunk @@ -1,6 +1,6 @@ in infra/db.tf is truncated "
                             "(expected 6 old and 6 new lines, found 3 and 3)", 29),
    ]
    assert [f.path for f in doc.files] == ["src/ok.py", "src/a.py", "infra/db.tf"]
    assert _texts(_file(doc, "src/ok.py").hunks[0]) == [" import os", "-DEBUG = False",
                                                        "+DEBUG = True", " "]
    broken = _file(doc, "src/a.py").hunks[0]
    assert broken.added == (DiffLine("+", '    os.system("rm -rf /tmp/cache")', None, 13),)
    assert [line.old_lineno for line in broken.removed] == [13, 14, 15, 16]
    assert (broken.symbol, broken.symbol_kind) == ("process", "function")
    cut = _file(doc, "infra/db.tf").hunks[0]
    assert cut.lines[-1] == DiffLine("+", "  deletion_pro", None, 3)
    assert cut.symbol == "aws_db_instance.main"


def test_hunk_longer_than_its_header_is_read_and_reported() -> None:
    text = (
        "--- a/run.sh\n"
        "+++ b/run.sh\n"
        "@@ -1,2 +1,2 @@\n"
        " set -e\n"
        "-echo hi\n"
        "+echo hello\n"
        "+rm -rf /\n"
        "+echo done\n"
    )
    doc = parse_diff(text, "llm.diff")
    (hunk,) = doc.files[0].hunks
    assert _texts(hunk) == [" set -e", "-echo hi", "+echo hello", "+rm -rf /", "+echo done"]
    assert [line.new_lineno for line in hunk.added] == [2, 3, 4]
    assert _errors(doc) == ["hunk @@ -1,2 +1,2 @@ in run.sh has 2 more line(s) than its header "
                            "says; they were read with guessed line numbers"]


def test_hunk_without_file_header() -> None:
    doc = parse_diff("@@ -3,2 +3,2 @@\n ctx\n-a\n+b\n", "pasted.diff")
    (change,) = doc.files
    assert change.path == "<unknown file>"
    assert _texts(change.hunks[0]) == [" ctx", "-a", "+b"]
    assert _errors(doc) == ["hunk @@ -3,2 +3,2 @@ has no file header; the file it changes is "
                            "unknown"]


def test_header_without_hunks_and_leading_text() -> None:
    text = "Here is my change:\n\ndiff --git a/x.py b/x.py\nindex 1..2 100644\n"
    doc = parse_diff(text, "cut.diff")
    assert [(p.level, p.message) for p in doc.problems] == [
        (ProblemLevel.NOTE, "1 line(s) of text before the first file header were ignored "
                            "(diff line 1)"),
        (ProblemLevel.ERROR, "x.py: file header without any hunk (diff cut short?)"),
    ]


@pytest.mark.parametrize("text", ["", "   \n\n", "hello world\n", "just some\ntext\n",
                                  "--- only one header line\n"])
def test_unreadable_input_raises_one_line_parse_error(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_diff(text, "notes.txt")
    assert info.value.kind == InputKind.DIFF
    assert info.value.path == "notes.txt"
    assert "\n" not in str(info.value)


def test_commits_can_be_attached_and_empty_patch_keeps_them() -> None:
    commit = commit_from_message("abc", "A <a@x>", "2024-01-02T03:04:05+00:00", "Subject")
    doc = parse_diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", "d", commits=[commit])
    assert doc.commits == (commit,)
    empty = parse_diff("", "d", commits=[commit])
    assert empty.files == ()
    assert empty.commits == (commit,)


# --------------------------------------------------------------------------- contents


PAYMENTS_NEW = """class PaymentService:
    def charge(self, amount):
        return amount

    def refund(self, payment_id, amount):
        log(payment_id)
        check(amount)
        audit(amount)
        allow_override = True
        return self.gateway.refund(payment_id, amount)
"""

PAYMENTS_DIFF = """--- a/pay.py
+++ b/pay.py
@@ -6,4 +6,4 @@ class PaymentService:
         log(payment_id)
         check(amount)
         audit(amount)
-        allow_override = False
+        allow_override = True
"""


def test_contents_give_the_exact_enclosing_symbol() -> None:
    without = parse_diff(PAYMENTS_DIFF, "p.diff")
    assert without.files[0].hunks[0].symbol == "PaymentService"
    contents = FileContents(new={"pay.py": PAYMENTS_NEW})
    with_contents = parse_diff(PAYMENTS_DIFF, "p.diff", contents=contents)
    hunk = with_contents.files[0].hunks[0]
    assert (hunk.symbol, hunk.symbol_kind) == ("PaymentService.refund", "method")


def test_stale_contents_are_not_trusted() -> None:
    stale = FileContents(new={"pay.py": "x = 1\n" * 20})
    doc = parse_diff(PAYMENTS_DIFF, "p.diff", contents=stale)
    assert doc.files[0].hunks[0].symbol == "PaymentService"


# --------------------------------------------------------------------------- internals


def test_split_trailers() -> None:
    assert split_trailers("Body text.\n\nSigned-off-by: A <a@x>\nCo-authored-by: B\n  <b@x>") == (
        "Body text.", (("Signed-off-by", "A <a@x>"), ("Co-authored-by", "B <b@x>")))
    assert split_trailers("See http://example.com: it works") == (
        "See http://example.com: it works", ())
    assert split_trailers("Fixes: #12\nnot a trailer line") == (
        "Fixes: #12\nnot a trailer line", ())


@pytest.mark.parametrize("name", ["git.diff", "github.patch",
                                  "binary_mode.diff", "plain_unified.diff", "crlf.diff"])
def test_unidiff_and_hand_reader_agree(name: str, diff_fixture: FixtureReader) -> None:
    lines, crs = _split_lines(diff_fixture(name))
    reader = _Reader(name, lines, crs)
    reader.read_region(0, len(lines), signature=reader.signature_at(0, len(lines)))
    assert reader.files
    for builder in reader.files:
        if not builder.hunks:
            continue
        by_unidiff = reader.unidiff_lines(builder)
        assert by_unidiff is not None
        assert by_unidiff == [reader.hand_lines(h) for h in builder.hunks]


# --------------------------------------------------------------------------- robustness


def _check(doc: DiffDocument) -> None:
    assert isinstance(doc.describe(), str)
    for change in doc.files:
        assert change.path
        for hunk in change.hunks:
            for line in hunk.lines:
                assert line.kind in ("+", "-", " ")
                assert "\n" not in line.text
                assert line.old_lineno is not None or line.kind == "+"
                assert line.new_lineno is not None or line.kind == "-"
    for problem in doc.problems:
        assert "\n" not in problem.message


def _parse_or_reject(text: str) -> None:
    try:
        doc = parse_diff(text, "fuzz.diff")
    except ParseError as exc:
        message = str(exc)
    else:
        _check(doc)
        return
    assert "\n" not in message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_crashes(text: str) -> None:
    _parse_or_reject(text)


_DIFFISH = st.lists(st.sampled_from([
    "diff --git a/x.py b/x.py", "--- a/x.py", "+++ b/x.py", "@@ -1,3 +1,4 @@",
    "@@ -0,0 +1 @@ def f():", " context", "+added", "-removed", "", "\\ No newline at end of file",
    "Binary files a/x and b/x differ", "GIT binary patch", "literal 5", "rename from a",
    "rename to b", "new file mode 100644", "deleted file mode 100644", "-- ", "2.39.5",
    "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001",
    "From: A <a@x>", "Subject: [PATCH] x", "---", "commit 0123456789abcdef0123456789abcdef01234567",
    "Author: A <a@x>", "    message", "diff --cc x", "\r", "garbage",
]), max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DIFFISH)
def test_diff_shaped_noise_never_crashes(text: str) -> None:
    _parse_or_reject(text)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(ALL_FIXTURES), data=st.data())
def test_mutated_fixtures_never_crash(name: str, data: st.DataObject,
                                      diff_fixture: FixtureReader) -> None:
    text = diff_fixture(name)
    lines = text.split("\n")
    mutation = data.draw(st.sampled_from(["truncate", "drop", "duplicate", "swap"]))
    if mutation == "truncate":
        text = text[: data.draw(st.integers(0, len(text)))]
    else:
        index = data.draw(st.integers(0, len(lines) - 1))
        if mutation == "drop":
            del lines[index]
        elif mutation == "duplicate":
            lines.insert(index, lines[index])
        else:
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        text = "\n".join(lines)
    _parse_or_reject(text)


def test_every_truncation_of_a_patch_is_readable(diff_fixture: FixtureReader) -> None:
    text = diff_fixture("format_patch_series.patch")
    first_header = text.index("diff --git")
    for cut in range(first_header + 20, len(text), 7):
        doc = parse_diff(text[:cut], "cut.patch")
        assert doc.files, cut
        _check(doc)

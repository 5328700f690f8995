"""Tests for reviewer.parsers.git_range against real git repositories made in tmp_path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from reviewer.errors import GitError
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.git_range import MAX_CONTENT_BYTES, GitChange, load_git_range

PAYMENTS = '''"""Payment service."""

import logging

log = logging.getLogger(__name__)


class PaymentService:
    """Charges and refunds."""

    def __init__(self, gateway, ledger):
        self.gateway = gateway
        self.ledger = ledger

    def refund(self, payment_id, amount):
        log.info("refund %s", payment_id)
        payment = self.ledger.get(payment_id)
        if payment is None:
            raise KeyError(payment_id)
        if amount > payment.amount:
            raise ValueError("refund exceeds the charge")
        self.ledger.record_refund(payment_id, amount)
        return self.gateway.refund(payment_id, amount)
'''

MAIN_TF = '''resource "aws_db_instance" "main" {
  identifier          = "prod-db"
  engine              = "postgres"
  instance_class      = "db.r5.large"
  allocated_storage   = 100
  multi_az            = true
  deletion_protection = true
}
'''

CLAUDE = "Claude <noreply@anthropic.com>"


class Repo:
    """A real git repository with deterministic identities and dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._day = 0
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", "-C", str(self.root), *args], check=False,
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def write(self, path: str, content: str | bytes, *, mode: int | None = None) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        if mode is not None:
            target.chmod(mode)

    def commit(self, message: str) -> str:
        self._day += 1
        self.git("add", "-A")
        self.git("-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com",
                 "commit", "-q", "--date", f"2024-06-{self._day:02d}T10:00:00+02:00",
                 "-m", message)
        return self.rev("HEAD")

    def rev(self, rev: str) -> str:
        return self.git("rev-parse", rev).strip()


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the user's git configuration out and pin the committer."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "CI Bot")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ci@example.com")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-06-30T12:00:00+00:00")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> Repo:
    """Three commits: an import, a risky change with an AI trailer, a housekeeping commit."""
    (tmp_path / "repo").mkdir()
    r = Repo(tmp_path / "repo")
    r.write("src/payments.py", PAYMENTS)
    r.write("infra/main.tf", MAIN_TF)
    r.write("notes.txt", "release notes\nline two\nline three\n")
    r.write("legacy.txt", "legacy\n")
    r.write("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
    r.write("deploy.sh", "#!/bin/sh\necho deploy\n", mode=0o644)
    r.write("data/big.txt", "x" * (MAX_CONTENT_BYTES + 10) + "\n")
    r.commit("Initial import")
    r.write("src/payments.py", PAYMENTS.replace(
        '        if amount > payment.amount:\n            raise ValueError("refund exceeds '
        'the charge")\n', "        # goodwill refunds may exceed the charge\n"))
    r.write("infra/main.tf", MAIN_TF.replace("deletion_protection = true",
                                             "deletion_protection = false"))
    r.write("data/big.txt", "y" * (MAX_CONTENT_BYTES + 10) + "\n")
    r.commit("Allow goodwill refunds\n\nSupport needs refunds above the charge.\n\n"
             f"Co-authored-by: {CLAUDE}\n")
    (r.root / "docs").mkdir()
    r.git("mv", "notes.txt", "docs/notes.txt")
    r.write("docs/notes.txt", "release notes\nline two\nline three\nline four\n")
    r.git("rm", "-q", "legacy.txt")
    r.write("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x01")
    r.write("deploy.sh", "#!/bin/sh\necho deploy\n", mode=0o755)
    r.commit("Move notes, drop legacy, new logo\n\nSigned-off-by: Ada Lovelace <ada@example.com>")
    return r


def test_two_dot_range_reads_diff_contents_and_commits(repo: Repo) -> None:
    change = load_git_range("HEAD~2..HEAD", repo=str(repo.root))
    assert isinstance(change, GitChange)
    assert change.base == repo.rev("HEAD~2")
    assert change.head == repo.rev("HEAD")
    assert change.problems == ()

    assert [c.subject for c in change.commits] == ["Allow goodwill refunds",
                                                   "Move notes, drop legacy, new logo"]
    first, second = change.commits
    assert first.sha == repo.rev("HEAD~1")
    assert first.author == "Ada Lovelace <ada@example.com>"
    assert first.date == "2024-06-02T10:00:00+02:00"
    assert first.body == "Support needs refunds above the charge."
    assert first.trailers == (("Co-authored-by", CLAUDE),)
    assert second.trailers == (("Signed-off-by", "Ada Lovelace <ada@example.com>"),)

    assert change.contents.old["src/payments.py"] == PAYMENTS
    assert "goodwill" in change.contents.new["src/payments.py"]
    assert change.contents.old["notes.txt"].endswith("line three\n")
    assert change.contents.new["docs/notes.txt"].endswith("line four\n")
    assert "legacy.txt" in change.contents.old
    assert "legacy.txt" not in change.contents.new
    assert "logo.png" not in change.contents.old  # binary
    assert "data/big.txt" not in change.contents.new  # larger than 2 MiB
    assert "deploy.sh" in change.contents.new


def test_document_carries_commits_symbols_and_file_kinds(repo: Repo) -> None:
    change = load_git_range("HEAD~2..HEAD", repo=str(repo.root))
    doc = change.document()
    assert doc.path == "git:HEAD~2..HEAD"
    assert doc.commits == change.commits
    summary = {f.path: (f.status, f.is_binary, f.old_mode, f.new_mode) for f in doc.files}
    assert summary == {
        "data/big.txt": ("modified", False, "100644", "100644"),
        "deploy.sh": ("modified", False, "100644", "100755"),
        "docs/notes.txt": ("renamed", False, "100644", "100644"),
        "infra/main.tf": ("modified", False, "100644", "100644"),
        "legacy.txt": ("deleted", False, "100644", None),
        "logo.png": ("modified", True, "100644", "100644"),
        "src/payments.py": ("modified", False, "100644", "100644"),
    }
    notes = doc.file("docs/notes.txt")
    assert notes is not None
    assert notes.old_path == "notes.txt"
    assert notes.similarity is not None
    assert notes.similarity >= 50
    # the method header is outside the hunk: only the full file text names the method
    payments = doc.file("src/payments.py")
    assert payments is not None
    (hunk,) = payments.hunks
    assert hunk.section == "class PaymentService:"
    assert (hunk.symbol, hunk.symbol_kind) == ("PaymentService.refund", "method")
    tf = doc.file("infra/main.tf")
    assert tf is not None
    assert tf.hunks[0].symbol == "aws_db_instance.main"
    assert [line.text for line in tf.hunks[0].added] == ["  deletion_protection = false"]
    assert [(p.level, p.message) for p in doc.problems] == [
        (ProblemLevel.SKIPPED, "logo.png: binary file, contents not analysed")]
    assert doc.describe().endswith("in 2 commits")


def test_three_dot_range_and_single_revision_use_the_merge_base(repo: Repo) -> None:
    fork = repo.rev("HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("src/payments.py", PAYMENTS.replace("import logging", "import logging\nimport os"))
    feature = repo.commit("Feature work")
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "main moved on\n")
    repo.commit("Main moves on")

    three_dot = load_git_range("main...feature", repo=str(repo.root))
    assert (three_dot.base, three_dot.head) == (fork, feature)
    assert [c.subject for c in three_dot.commits] == ["Feature work"]
    assert [f.path for f in three_dot.document().files] == ["src/payments.py"]

    two_dot = load_git_range("main..feature", repo=str(repo.root))
    assert two_dot.base == repo.rev("main")
    assert {f.path for f in two_dot.document().files} == {"src/payments.py", "README.md"}

    repo.git("checkout", "-q", "feature")
    single = load_git_range("main", repo=str(repo.root))
    assert (single.base, single.head) == (fork, feature)
    assert single.diff_text == three_dot.diff_text


def test_single_commit_and_open_ended_ranges(repo: Repo) -> None:
    only = load_git_range("HEAD~1^!", repo=str(repo.root))
    assert (only.base, only.head) == (repo.rev("HEAD~2"), repo.rev("HEAD~1"))
    assert [c.subject for c in only.commits] == ["Allow goodwill refunds"]
    open_ended = load_git_range("HEAD~1..", repo=str(repo.root))
    assert (open_ended.base, open_ended.head) == (repo.rev("HEAD~1"), repo.rev("HEAD"))


def test_empty_range_gives_a_document_without_files(repo: Repo) -> None:
    change = load_git_range("HEAD..HEAD", repo=str(repo.root))
    assert change.diff_text == ""
    assert change.commits == ()
    doc = change.document("review")
    assert doc.files == ()
    assert [(p.level, p.message) for p in doc.problems] == [
        (ProblemLevel.NOTE, "range HEAD..HEAD changes no files")]


def test_unknown_revision(repo: Repo) -> None:
    with pytest.raises(GitError) as info:
        load_git_range("nope..HEAD", repo=str(repo.root))
    assert str(info.value) == f"git range 'nope..HEAD' in {repo.root}: unknown revision 'nope'"


def test_not_a_repository(tmp_path: Path, git_env: None) -> None:
    with pytest.raises(GitError) as info:
        load_git_range("HEAD~1..HEAD", repo=str(tmp_path))
    message = str(info.value)
    assert message.startswith(f"git range 'HEAD~1..HEAD' in {tmp_path}: not a git repository")
    assert "\n" not in message


def test_unrelated_histories_have_no_merge_base(repo: Repo) -> None:
    repo.git("checkout", "-q", "--orphan", "other")
    repo.git("rm", "-rq", "--cached", ".")
    repo.write("other.txt", "unrelated\n")
    repo.git("add", "other.txt")
    repo.commit("Unrelated root")
    with pytest.raises(GitError, match="have no common ancestor"):
        load_git_range("main...other", repo=str(repo.root))


def test_git_missing(repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError, match="git is not installed"):
        load_git_range("HEAD~1..HEAD", repo=str(repo.root))


@pytest.mark.parametrize("spec", ["", "..", "...", "--output=/tmp/x", "HEAD..--upload-pack=x",
                                  "a\nb"])
def test_invalid_range_specs(spec: str) -> None:
    with pytest.raises(GitError, match="invalid git range"):
        load_git_range(spec)

"""`reviewer review --git RANGE` on a real repository made in a temporary directory."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from reviewer.cli import main

ENV = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
       "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
       "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=ENV, capture_output=True, text=True,
                          check=True)
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_init.sql").write_text("CREATE TABLE orders (id bigint);\n")
    (tmp_path / "calc.py").write_text("def total(xs):\n    return sum(xs)\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Initial schema")
    git(tmp_path, "checkout", "-q", "-b", "fix")
    (tmp_path / "calc.py").write_text("def total(xs):\n    return round(sum(xs), 2)\n")
    (tmp_path / "db" / "002_cleanup.sql").write_text("DROP TABLE orders;\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m",
        "Fix rounding in totals\n\nRound at the end.\n\n"
        "Co-authored-by: Claude <noreply@anthropic.com>")
    return tmp_path


def test_git_range_review_reads_commits_and_changed_files(repo: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["review", "--git", "main..fix", "--repo", str(repo), "--format", "json"],
                stdout=out, stderr=err)
    assert err.getvalue() == ""
    data = json.loads(out.getvalue())
    assert data["intent"]["title"] == "Fix rounding in totals"
    assert data["intent"]["ai_assisted"] is True
    assert data["intent"]["ai_assisted_reasons"] == [
        "trailer Co-authored-by: Claude <noreply@anthropic.com>"]
    analysed = {(a["path"], a["kind"]) for a in data["coverage"]["analysed"]}
    assert ("git:main..fix", "diff") in analysed
    assert ("db/002_cleanup.sql", "sql") in analysed
    assert data["blast_radius"]["files_added"] == 1
    assert data["blast_radius"]["files_changed"] == 1
    assert code in (0, 1)


def test_bad_git_range_is_one_line_error(repo: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["review", "--git", "main..nope", "--repo", str(repo)], stdout=out, stderr=err)
    assert code == 2
    assert err.getvalue().count("\n") == 1
    assert "main..nope" in err.getvalue()

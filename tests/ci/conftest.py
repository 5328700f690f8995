"""Fixtures for ``reviewer ci``: real git repositories, event files, a clean CI environment."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli import main
from tests.github.fake_github import FakeGitHub

#: Variables a real CI runner may have set; every test starts without them.
_CI_VARS = ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_TOKEN",
            "GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY", "GITHUB_SHA",
            "GITLAB_CI", "SLACK_BOT_TOKEN", "SLACK_API_URL", "REVIEWER_DATABASE_URL",
            "TF_WORKSPACE")


@pytest.fixture(autouse=True)
def _clean_ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name in _CI_VARS or name.startswith("CI_"):
            monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


@dataclass
class Repo:
    """A repository with a ``main`` base and a ``feature`` head branch."""

    path: Path
    base: str
    head: str

    def commit(self, files: Mapping[str, str | None], message: str) -> str:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)
        self.head = git(self.path, "rev-parse", "HEAD")
        return self.head


def make_repo(root: Path, base_files: Mapping[str, str], head_files: Mapping[str, str | None],
              message: str = "Change things") -> Repo:
    """``main`` with ``base_files``, then ``feature`` changing them to ``head_files``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")
    repo = Repo(root, "", "")
    repo.commit(base_files, "Base")
    repo.base = repo.head
    git(root, "checkout", "-q", "-b", "feature")
    repo.commit(head_files, message)
    return repo


DROP_TABLE = {"migrations.sql": "SELECT 1;\nDROP TABLE users;\n"}
HARMLESS = {"README.md": "# Project\n\nMore words.\n"}
BASE_FILES = {"migrations.sql": "SELECT 1;\n", "README.md": "# Project\n", "app.py": "x = 1\n"}


@pytest.fixture
def risky_repo(tmp_path: Path) -> Repo:
    """A feature branch that drops a table (critical)."""
    return make_repo(tmp_path / "repo", BASE_FILES, DROP_TABLE, "Drop the users table")


@pytest.fixture
def harmless_repo(tmp_path: Path) -> Repo:
    """A feature branch that edits the README (low)."""
    return make_repo(tmp_path / "repo", BASE_FILES, HARMLESS, "Docs")


def write_event(path: Path, repo: Repo, *, number: int = 7, title: str = "A change",
                body: str = "", owner: str = "acme", name: str = "app",
                head_repo: str | None = None, labels: list[str] | None = None) -> Path:
    event = {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number, "title": title, "body": body,
            "html_url": f"https://github.example/{owner}/{name}/pull/{number}",
            "labels": [{"name": n} for n in labels or []],
            "base": {"sha": repo.base, "ref": "main",
                     "repo": {"full_name": f"{owner}/{name}"}},
            "head": {"sha": repo.head, "ref": "feature",
                     "repo": {"full_name": head_repo or f"{owner}/{name}"}},
        },
        "repository": {"full_name": f"{owner}/{name}"},
    }
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def github_env(monkeypatch: pytest.MonkeyPatch, event: Path, *, token: str | None = None,
               api_url: str | None = None, summary: Path | None = None,
               event_name: str = "pull_request", repository: str = "acme/app") -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_EVENT_NAME", event_name)
    monkeypatch.setenv("GITHUB_REPOSITORY", repository)
    if token:
        monkeypatch.setenv("GITHUB_TOKEN", token)
    if api_url:
        monkeypatch.setenv("GITHUB_API_URL", api_url)
    if summary:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))


def run_ci(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["ci", "--llm", "off", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))

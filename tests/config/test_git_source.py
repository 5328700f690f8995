"""Reading the configuration at a git revision, in real repositories made for each test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewer.config import ReviewerConfig, load_config_at
from reviewer.errors import ConfigError, GitError
from reviewer.models import Severity


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def _commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        if text is None:
            _git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        _git(repo, "add", name)
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    _git(path, "config", "user.email", "dev@example.com")
    _git(path, "config", "user.name", "Dev")
    _git(path, "config", "commit.gpgsign", "false")
    return path


def test_base_branch_config_wins_over_the_pull_request(repo: Path) -> None:
    _commit(repo, {".reviewer.toml": '[protected]\nresources = ["aws_db_instance.*"]\n'},
            "base policy")
    _git(repo, "checkout", "-q", "-b", "feature")
    head = _commit(repo, {".reviewer.toml": "[protected]\nresources = []\n"},
                   "unprotect the databases")
    base_config, source = load_config_at(repo, "main")
    assert source == "main:.reviewer.toml"
    assert base_config.protected.resources == ["aws_db_instance.*"]
    head_config, _ = load_config_at(repo, head)
    assert head_config.protected.resources == []
    # The working tree (the PR's checkout) is not what load_config_at reads.
    assert (repo / ".reviewer.toml").read_text(encoding="utf-8").endswith("[]\n")


def test_pyproject_table_at_revision(repo: Path) -> None:
    _commit(repo, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.reviewer.detectors]\n'
                                     'severity = { TF010 = "critical" }\n'}, "config")
    config, source = load_config_at(repo, "HEAD")
    assert source == "HEAD:pyproject.toml"
    assert config.detectors.severity == {"TF010": Severity.CRITICAL}


def test_missing_config_gives_defaults(repo: Path) -> None:
    _commit(repo, {"README.md": "hi\n", "pyproject.toml": '[project]\nname = "x"\n'}, "init")
    assert load_config_at(repo, "HEAD") == (ReviewerConfig(), None)


def test_config_added_only_on_the_branch_is_not_used(repo: Path) -> None:
    base = _commit(repo, {"README.md": "hi\n"}, "init")
    _git(repo, "checkout", "-q", "-b", "feature")
    _commit(repo, {".reviewer.toml": '[paths]\nignore = ["**"]\n'}, "ignore everything")
    assert load_config_at(repo, base) == (ReviewerConfig(), None)


def test_config_in_a_subfolder_is_not_the_project_config(repo: Path) -> None:
    _commit(repo, {"sub/.reviewer.toml": '[paths]\nignore = ["**"]\n'}, "nested")
    assert load_config_at(repo, "HEAD") == (ReviewerConfig(), None)


def test_bad_file_names_revision_path_and_key(repo: Path) -> None:
    _commit(repo, {".reviewer.toml": "[detectors]\nsevrity = {}\n"}, "typo")
    with pytest.raises(ConfigError) as info:
        load_config_at(repo, "main")
    assert str(info.value) == "main:.reviewer.toml: unknown key 'detectors.sevrity'"


def test_invalid_toml_at_revision(repo: Path) -> None:
    _commit(repo, {".reviewer.toml": "[detectors\n"}, "broken")
    with pytest.raises(ConfigError, match=r"^main:\.reviewer\.toml: not valid TOML"):
        load_config_at(repo, "main")


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=/tmp/x", ""])
def test_bad_revision_is_a_git_error(repo: Path, rev: str) -> None:
    _commit(repo, {"README.md": "hi\n"}, "init")
    with pytest.raises(GitError):
        load_config_at(repo, rev)


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError):
        load_config_at(tmp_path, "HEAD")

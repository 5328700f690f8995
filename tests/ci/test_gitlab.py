"""GitLab CI: merge-request variables and the Code Quality report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci.conftest import Repo, load_json, run_ci


def _gitlab_env(monkeypatch: pytest.MonkeyPatch, repo: Repo, **extra: str) -> None:
    values = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_MERGE_REQUEST_PROJECT_PATH": "group/app",
        "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": "group/app",
        "CI_MERGE_REQUEST_TITLE": "Tidy the schema",
        "CI_MERGE_REQUEST_DESCRIPTION": "Nothing risky",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base,
        "CI_COMMIT_SHA": repo.head,
        "CI_MERGE_REQUEST_LABELS": "db,backend",
    }
    values.update(extra)
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_merge_request_review_and_code_quality(risky_repo: Repo, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _gitlab_env(monkeypatch, risky_repo)
    quality, verdict = tmp_path / "gl-code-quality-report.json", tmp_path / "verdict.json"
    code, out, err = run_ci("--repo", str(risky_repo.path), "--code-quality", str(quality),
                            "--json", str(verdict))
    assert code == 1
    assert "::" not in out  # no GitHub workflow commands on GitLab
    assert "group/app!3" in out
    data = load_json(verdict)
    assert data["intent"]["title"] == "Tidy the schema"
    raw = quality.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    issues = load_json(quality)
    assert isinstance(issues, list)
    drop = next(i for i in issues if i["check_name"] == "SQL002")
    assert drop["severity"] == "blocker"
    assert drop["location"] == {"path": "migrations.sql", "lines": {"begin": 2}}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert all(len(i["fingerprint"]) == 32 for i in issues)
    assert "gate failed" in err


def test_gitlab_fork_and_flags_override(harmless_repo: Repo, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _gitlab_env(monkeypatch, harmless_repo, CI_MERGE_REQUEST_SOURCE_PROJECT_PATH="fork/app")
    verdict = tmp_path / "v.json"
    code, _, _ = run_ci("--repo", str(harmless_repo.path), "--title", "Given by flag",
                        "--json", str(verdict))
    assert code == 0
    assert load_json(verdict)["intent"]["title"] == "Given by flag"

"""GitHub Actions: event files, PR re-fetch, sticky comment, approvals, forks, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ci.conftest import (
    BASE_FILES,
    DROP_TABLE,
    Repo,
    github_env,
    make_repo,
    run_ci,
    write_event,
)
from tests.github.fake_github import FakeGitHub

MARKER = "<!-- change-risk-reviewer:v1"


def _setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, repo: Repo, gh: FakeGitHub | None,
           **event: object) -> Path:
    path = write_event(tmp_path / "event.json", repo, **event)  # type: ignore[arg-type]
    summary = tmp_path / "summary.md"
    summary.write_text("", encoding="utf-8")
    github_env(monkeypatch, path, token="ghs_test" if gh else None,
               api_url=gh.url if gh else None, summary=summary)
    return summary


def test_event_refetch_comment_created_then_updated(
        risky_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "app", 7, title="Fresh title from the API",
                         body="Refactor", head_sha=risky_repo.head, base_sha=risky_repo.base)
    summary = _setup(monkeypatch, tmp_path, risky_repo, fake_github, title="Stale title")
    code, out, _ = run_ci("--repo", str(risky_repo.path))
    assert code == 1
    assert fake_github.requests_to("GET", "/repos/acme/app/pulls/7")
    comments = fake_github.comments[("acme", "app", 7)]
    assert len(comments) == 1
    assert comments[0]["body"].startswith(MARKER)
    assert "Fresh title from the API" in comments[0]["body"]
    assert "Stale title" not in comments[0]["body"]
    assert "SQL002" in comments[0]["body"]
    first_id = comments[0]["id"]
    # a second push: the same comment is edited, no new one
    risky_repo.commit({"app.py": "x = 2\n"}, "More")
    fake_github.pulls[("acme", "app", 7)].head_sha = risky_repo.head
    _setup(monkeypatch, tmp_path, risky_repo, fake_github)
    run_ci("--repo", str(risky_repo.path))
    comments = fake_github.comments[("acme", "app", 7)]
    assert [c["id"] for c in comments] == [first_id]
    assert risky_repo.head[:12] in comments[0]["body"]
    assert len(fake_github.requests_to("PATCH", "/repos/acme/app/issues/comments/")) == 1
    assert len(fake_github.requests_to("POST", "/repos/acme/app/issues/7/comments")) == 1
    text = summary.read_text(encoding="utf-8")
    assert "Change-risk gate failed" in text
    assert "SQL002" in text
    assert "::error file=migrations.sql,line=2," in out


def test_a_quoted_marker_in_someone_elses_comment_is_not_ours(
        risky_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "app", 7, head_sha=risky_repo.head, base_sha=risky_repo.base)
    fake_github.comments[("acme", "app", 7)].append(
        {"id": 5, "body": f"look: {MARKER} -->", "user": "mallory"})
    _setup(monkeypatch, tmp_path, risky_repo, fake_github)
    run_ci("--repo", str(risky_repo.path))
    bodies = [c["body"] for c in fake_github.comments[("acme", "app", 7)]]
    assert bodies[0] == f"look: {MARKER} -->"
    assert len(bodies) == 2


def test_fork_pull_request_reviews_and_skips_posting(
        risky_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "app", 7, head_sha=risky_repo.head, base_sha=risky_repo.base,
                         head_repo="stranger/app")
    _setup(monkeypatch, tmp_path, risky_repo, fake_github, head_repo="stranger/app")
    code, out, _ = run_ci("--repo", str(risky_repo.path), "--slack-channel", "C1")
    assert code == 1  # the gate still works
    assert fake_github.comments[("acme", "app", 7)] == []
    assert not fake_github.requests_to("POST", "/repos/")
    assert "::notice" in out
    assert "fork" in out
    assert "SLACK_BOT_TOKEN is not set" in out


def test_no_token_skips_comment_with_a_notice(harmless_repo: Repo, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    summary = _setup(monkeypatch, tmp_path, harmless_repo, None)
    code, out, _ = run_ci("--repo", str(harmless_repo.path))
    assert code == 0
    assert "PR comment skipped: no GITHUB_TOKEN" in out
    assert "no GITHUB_TOKEN" in summary.read_text(encoding="utf-8")


def test_read_only_token_403_is_a_notice_not_a_failure(
        harmless_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "app", 7, head_sha=harmless_repo.head,
                         base_sha=harmless_repo.base)
    fake_github.fail("/repos/acme/app/issues/7/comments", 403,
                     message="Resource not accessible by integration", times=5)
    _setup(monkeypatch, tmp_path, harmless_repo, fake_github)
    code, out, _ = run_ci("--repo", str(harmless_repo.path))
    assert code == 0
    assert "::notice" in out
    assert "Resource not accessible by integration" in out


AI_TRAILER = "Drop the users table\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"


def _ai_repo(tmp_path: Path, config: str) -> Repo:
    base = dict(BASE_FILES)
    base[".reviewer.toml"] = config
    return make_repo(tmp_path / "repo", base, DROP_TABLE, AI_TRAILER)


def test_senior_approval_from_a_pr_review_on_the_head_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub) -> None:
    repo = _ai_repo(tmp_path, '[approvals]\nsenior_approvers = ["alice"]\n')
    pull = fake_github.add_pull("acme", "app", 7, head_sha=repo.head, base_sha=repo.base,
                                reviews=[{"user": "bob", "state": "APPROVED",
                                          "commit_id": repo.head},
                                         {"user": "alice", "state": "APPROVED",
                                          "commit_id": repo.base}])
    _setup(monkeypatch, tmp_path, repo, fake_github)
    code, out, _ = run_ci("--repo", str(repo.path), "--fail-on", "never")
    assert code == 1  # bob is not senior; alice approved another commit
    assert "senior approval" in out
    pull.reviews.append({"user": "alice", "state": "APPROVED", "commit_id": repo.head})
    code, out, _ = run_ci("--repo", str(repo.path), "--fail-on", "high")
    assert code == 0
    assert "github:alice" in out


def test_senior_approval_from_the_slack_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reviewer.store import Store
    from reviewer.verdict.model import Verdict

    repo = _ai_repo(tmp_path, '[ai_assisted]\npolicy = "senior-approval"\n')
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    monkeypatch.setenv("REVIEWER_DATABASE_URL", url)
    _setup(monkeypatch, tmp_path, repo, None)
    code, _, _ = run_ci("--repo", str(repo.path), "--fail-on", "never")
    assert code == 1
    store = Store.from_url(url)
    verdict = Verdict.model_validate_json(
        '{"risk": "critical", "score": 90, "decision": "block", "summary": "s", '
        '"intent": {}}')
    record = store.create_review(subject="acme/app#7", head_sha=repo.head, requested_by="U1",
                                 source="slack", verdict=verdict)
    store.approve(record.id, "USENIOR")
    store.close()
    code, out, _ = run_ci("--repo", str(repo.path), "--fail-on", "high")
    assert code == 0
    assert "USENIOR" in out


def test_policy_flag_never_asks_for_approval(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _ai_repo(tmp_path, '[ai_assisted]\npolicy = "flag"\n')
    _setup(monkeypatch, tmp_path, repo, None)
    code, out, _ = run_ci("--repo", str(repo.path), "--fail-on", "never")
    assert code == 0
    assert "needs a senior approval for this head commit" not in out


HOSTILE = [
    "::error file=x.py,line=1::injected%0Afoo",
    "fix\n::set-output name=x::pwned\n::add-mask::secret",
    "::stop-commands::deadbeef",
    "100% done, a:b, c\r\n::warning::nope",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_cannot_inject_workflow_commands(
        risky_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    _setup(monkeypatch, tmp_path, risky_repo, None, title=title,
           body=title + "\n::error::from the body")
    _, out, _ = run_ci("--repo", str(risky_repo.path))
    fenced = False
    token = None
    for line in out.splitlines():
        if not fenced and line.startswith("::stop-commands::"):
            token = line.removeprefix("::stop-commands::")
            assert re.fullmatch(r"[0-9a-f]{32}", token)
            fenced = True
            continue
        if fenced:
            if line == f"::{token}::":
                fenced = False
            continue
        if line.strip().startswith("::"):
            # outside the fence only our own, well-formed commands appear
            assert re.match(r"^::(error|warning|notice)( [a-zA-Z]+=[^,:]*(,[a-zA-Z]+=[^,:]*)*)?::",
                            line), line
            properties = line.split("::", 2)[1]
            assert "pwned" not in properties
            assert "add-mask" not in properties
    assert not fenced
    assert any(title.splitlines()[0] in line for line in out.splitlines())  # shown, fenced

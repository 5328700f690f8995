"""The GitHub client against the fake GitHub API on loopback."""

from __future__ import annotations

import pytest

from reviewer.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubTooLargeError,
)
from reviewer.github.client import GitHubClient, PullRef, parse_pull_url
from tests.github.fake_github import FakeGitHub

DIFF = """diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -1 +1 @@
-print("a")
+print("b")
"""


@pytest.mark.parametrize(("text", "expected"), [
    ("https://github.com/acme/api/pull/123", PullRef("acme", "api", 123)),
    ("please review <https://github.com/acme/api/pull/7/files|PR>", PullRef("acme", "api", 7)),
    ("https://ghe.corp.example/team/infra.live/pull/42#discussion", PullRef("team", "infra.live",
                                                                         42)),
    ("acme/api#9", PullRef("acme", "api", 9)),
    ("no link here", None),
    ("https://github.com/acme/api/issues/3", None),
])
def test_parse_pull_url(text: str, expected: PullRef | None) -> None:
    assert parse_pull_url(text) == expected


def test_pull_request_reads_metadata_commits_and_diff(fake_github: FakeGitHub) -> None:
    fake_github.page_size = 2
    fake_github.add_pull(
        "acme", "api", 5, title="Fix rounding", body="Small fix.", diff=DIFF,
        labels=["ai-assisted"], head_sha="c" * 40, base_sha="d" * 40,
        commits=[{"sha": f"{i}" * 40, "message": f"commit {i}", "author": "dev"}
                 for i in range(5)])
    client = GitHubClient("t0ken", fake_github.url)
    pr = client.pull_request(PullRef("acme", "api", 5))
    assert (pr.title, pr.body, pr.head_sha, pr.base_sha) == ("Fix rounding", "Small fix.",
                                                             "c" * 40, "d" * 40)
    assert pr.labels == ("ai-assisted",)
    assert [c.message for c in pr.commits] == [f"commit {i}" for i in range(5)]
    assert pr.diff == DIFF
    assert not pr.from_fork
    diff_calls = [r for r in fake_github.requests
                  if r.path == "/repos/acme/api/pulls/5" and "diff" in r.headers["Accept"]]
    assert len(diff_calls) == 1
    assert diff_calls[0].headers["Authorization"] == "Bearer t0ken"


def test_fork_is_detected(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 6, head_repo="mallory/api")
    pr = GitHubClient(None, fake_github.url).pull_request(PullRef("acme", "api", 6),
                                                          with_diff=False)
    assert pr.from_fork
    assert "Authorization" not in fake_github.requests[0].headers


def test_comments_create_list_update(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 8)
    client = GitHubClient("t", fake_github.url)
    ref = PullRef("acme", "api", 8)
    made = client.create_issue_comment(ref, "<!-- marker --> first")
    assert client.list_issue_comments(ref) == [made]
    updated = client.update_issue_comment(ref, made.id, "<!-- marker --> second")
    assert updated.body.endswith("second")
    assert [c.body for c in client.list_issue_comments(ref)] == ["<!-- marker --> second"]


def test_reviews_carry_their_commit(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 9, head_sha="e" * 40, reviews=[
        {"user": "senior", "state": "APPROVED", "commit_id": "f" * 40},
        {"user": "peer", "state": "COMMENTED"}])
    reviews = GitHubClient("t", fake_github.url).list_reviews(PullRef("acme", "api", 9))
    assert [(r.user, r.state, r.commit_id) for r in reviews] == [
        ("senior", "APPROVED", "f" * 40), ("peer", "COMMENTED", "e" * 40)]


def test_not_found_names_the_pull_request(fake_github: FakeGitHub) -> None:
    with pytest.raises(GitHubNotFoundError, match="not found") as info:
        GitHubClient("t", fake_github.url).pull_request(PullRef("acme", "api", 404))
    assert info.value.status == 404
    assert "\n" not in str(info.value)


def test_bad_token_is_an_auth_error_without_the_token() -> None:
    with FakeGitHub(token="right") as gh:
        gh.add_pull("acme", "api", 1)
        with pytest.raises(GitHubAuthError) as info:
            GitHubClient("wrong-secret-value", gh.url).pull_request(PullRef("acme", "api", 1))
    assert info.value.status == 401
    assert "wrong-secret-value" not in str(info.value)
    assert "wrong-secret-value" not in repr(GitHubClient("wrong-secret-value"))


def test_rate_limit_is_named(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 2)
    fake_github.fail("/repos/acme/api/pulls/2", 403, message="API rate limit exceeded",
                     headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"})
    with pytest.raises(GitHubRateLimitError, match="rate limited"):
        GitHubClient("t", fake_github.url).pull_request(PullRef("acme", "api", 2))


def test_oversized_diff_is_refused(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 3, diff=DIFF * 100)
    client = GitHubClient("t", fake_github.url, max_diff_bytes=1000)
    with pytest.raises(GitHubTooLargeError, match="larger than 1000 bytes"):
        client.pull_diff(PullRef("acme", "api", 3))


def test_githubs_own_diff_refusal(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 4)
    fake_github.fail("/repos/acme/api/pulls/4", 406,
                     message="Sorry, the diff exceeded the maximum number of files (300).")
    with pytest.raises(GitHubTooLargeError):
        GitHubClient("t", fake_github.url).pull_diff(PullRef("acme", "api", 4))


def test_unreachable_server_is_one_line() -> None:
    with FakeGitHub() as gh:
        url = gh.url
    with pytest.raises(GitHubError, match="cannot reach") as info:
        GitHubClient("t", url, timeout=2).pull_request(PullRef("acme", "api", 1))
    assert info.value.status == 0


def test_file_at_reads_raw_text_at_the_commit(fake_github: FakeGitHub) -> None:
    fake_github.add_file("acme", "api", ".reviewer.toml", "b" * 40, "[protected]\n")
    fake_github.add_file("acme", "api", ".reviewer.toml", "c" * 40, "[paths]\n")
    fake_github.add_file("acme", "api", "conf/a b.toml", "b" * 40, "spaced = 1\n")
    client = GitHubClient("t", fake_github.url)
    ref = PullRef("acme", "api", 1)
    assert client.file_at(ref, ".reviewer.toml", "b" * 40) == "[protected]\n"
    assert client.file_at(ref, ".reviewer.toml", "c" * 40) == "[paths]\n"
    assert client.file_at(ref, "conf/a b.toml", "b" * 40) == "spaced = 1\n"
    first = fake_github.requests[0]
    assert first.path == "/repos/acme/api/contents/.reviewer.toml"
    assert first.query == f"ref={'b' * 40}"
    assert first.headers["Accept"] == "application/vnd.github.raw"
    assert first.headers["Authorization"] == "Bearer t"


def test_file_at_missing_file_is_none(fake_github: FakeGitHub) -> None:
    fake_github.add_file("acme", "api", ".reviewer.toml", "c" * 40, "[paths]\n")
    client = GitHubClient("t", fake_github.url)
    assert client.file_at(PullRef("acme", "api", 1), ".reviewer.toml", "b" * 40) is None
    assert client.file_at(PullRef("acme", "api", 1), "pyproject.toml", "c" * 40) is None


def test_file_at_refuses_large_and_binary_files(fake_github: FakeGitHub) -> None:
    fake_github.add_file("acme", "api", "big.toml", "b" * 40, "x = 1\n" * 100)
    fake_github.add_file("acme", "api", "bin.toml", "b" * 40, b"\xff\xfe\x00")
    client = GitHubClient("t", fake_github.url, max_file_bytes=100)
    ref = PullRef("acme", "api", 1)
    with pytest.raises(GitHubTooLargeError, match=r"acme/api:big.toml at bbbbbbbbbbbb: .*"
                                                  r"larger than 100 bytes"):
        client.file_at(ref, "big.toml", "b" * 40)
    with pytest.raises(GitHubError, match=r"bin\.toml at b{12}: not UTF-8 text"):
        client.file_at(ref, "bin.toml", "b" * 40)


def test_file_at_errors_are_github_errors(fake_github: FakeGitHub) -> None:
    ref = PullRef("acme", "api", 1)
    fake_github.fail("/repos/acme/api/contents/", 403, message="Resource not accessible")
    with pytest.raises(GitHubAuthError, match="HTTP 403"):
        GitHubClient("t", fake_github.url).file_at(ref, ".reviewer.toml", "b" * 40)
    requests = len(fake_github.requests)
    for path, rev in (("../x", "b" * 40), ("/etc/passwd", "b" * 40), ("a.toml", "")):
        with pytest.raises(GitHubError, match="relative path and a commit"):
            GitHubClient("t", fake_github.url).file_at(ref, path, rev)
    assert len(fake_github.requests) == requests  # refused before asking


def test_enterprise_base_path(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "api", 11, title="GHE")
    client = GitHubClient.from_env({"GITHUB_API_URL": f"{fake_github.url}/api/v3/",
                                    "GITHUB_TOKEN": "t"})
    assert client.pull_request(PullRef("acme", "api", 11), with_diff=False).title == "GHE"

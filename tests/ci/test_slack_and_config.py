"""Slack thread per pull request, and the config read from the base branch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ci.conftest import (
    BASE_FILES,
    DROP_TABLE,
    Repo,
    github_env,
    load_json,
    make_repo,
    run_ci,
    write_event,
)
from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack


def test_slack_posts_once_then_updates_the_same_thread(
        risky_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_github: FakeGitHub) -> None:
    fake_github.add_pull("acme", "app", 7, head_sha=risky_repo.head, base_sha=risky_repo.base)
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        event = write_event(tmp_path / "event.json", risky_repo, title="Drop users")
        github_env(monkeypatch, event, token="t", api_url=fake_github.url)
        run_ci("--repo", str(risky_repo.path), "--slack-channel", "CREVIEWS")
        posts = slack.calls_to("chat.postMessage")
        assert len(posts) == 1
        assert posts[0].params["channel"] == "CREVIEWS"
        assert "blocks" in posts[0].params
        comment = fake_github.comments[("acme", "app", 7)][0]["body"]
        assert '"slack_channel": "CREVIEWS"' in comment.splitlines()[0]
        # next push: the message is updated and a reply goes into its thread
        risky_repo.commit({"app.py": "x = 3\n"}, "Another push")
        fake_github.pulls[("acme", "app", 7)].head_sha = risky_repo.head
        write_event(event, risky_repo, title="Drop users")
        run_ci("--repo", str(risky_repo.path), "--slack-channel", "CREVIEWS")
        updates = slack.calls_to("chat.update")
        posts = slack.calls_to("chat.postMessage")
        assert len(updates) == 1
        assert updates[0].params["ts"] == json.loads(
            comment.splitlines()[0].split(" ", 2)[2].removesuffix(" -->"))["slack_ts"]
        assert len(posts) == 2
        assert posts[1].params["thread_ts"] == updates[0].params["ts"]
        assert risky_repo.head[:12] in posts[1].params["text"]
        assert BOT_TOKEN not in fake_github.comments[("acme", "app", 7)][0]["body"]


def test_slack_failure_is_a_warning_not_a_gate_failure(
        harmless_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSlack() as slack:
        slack.refuse("CGONE", "channel_not_found")
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        code, _, err = run_ci("--repo", str(harmless_repo.path), "--base", "main", "--head",
                              "feature", "--slack-channel", "CGONE")
    assert code == 0
    assert "Slack message failed: Slack API error channel_not_found" in err
    assert BOT_TOKEN not in err


def test_a_pr_cannot_loosen_its_own_gate(tmp_path: Path) -> None:
    base = dict(BASE_FILES)
    base[".reviewer.toml"] = '[paths]\nignore = ["docs/**"]\n'
    head = dict(DROP_TABLE)
    head[".reviewer.toml"] = '[detectors]\nignore = ["SQL"]\n'
    repo = make_repo(tmp_path / "repo", base, head, "Drop users and silence the reviewer")
    verdict = tmp_path / "v.json"
    code, out, _ = run_ci("--repo", str(repo.path), "--base", "main", "--head", "feature",
                          "--json", str(verdict))
    data = load_json(verdict)
    codes = {f["code"] for f in data["findings"]}
    assert "SQL002" in codes  # the base branch's config still runs SQL detectors
    assert code == 1
    assert "main:.reviewer.toml" in out
    assert any(f["location"]["path"] == ".reviewer.toml" for f in data["findings"]), codes


def test_an_explicit_config_file_is_used_as_given(risky_repo: Repo, tmp_path: Path) -> None:
    config = tmp_path / "trusted.toml"
    config.write_text('[detectors]\nignore = ["SQL002"]\n', encoding="utf-8")
    verdict = tmp_path / "v.json"
    run_ci("--repo", str(risky_repo.path), "--base", "main", "--head", "feature",
           "--config", str(config), "--json", str(verdict))
    assert "SQL002" not in {f["code"] for f in load_json(verdict)["findings"]}


def test_an_invalid_base_config_is_a_tool_error(tmp_path: Path) -> None:
    base = dict(BASE_FILES)
    base[".reviewer.toml"] = "[detectors]\nnonsense = 1\n"
    repo = make_repo(tmp_path / "repo", base, DROP_TABLE)
    code, _, err = run_ci("--repo", str(repo.path), "--base", "main", "--head", "feature")
    assert code == 2
    assert "nonsense" in err

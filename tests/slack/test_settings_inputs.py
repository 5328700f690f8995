"""Settings from the environment and config file; finding the target in Slack text; CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ConfigError
from reviewer.github.client import PullRef
from reviewer.slack.files import trusted_host
from reviewer.slack.inputs import find_target
from reviewer.slack.settings import SlackSettings


def test_settings_from_env_and_config_file(tmp_path: Path) -> None:
    (tmp_path / ".reviewer.toml").write_text(
        '[approvals]\nsenior_approvers = ["UCONF"]\nsenior_group = "SCONF"\n'
        'review_channel = "CCONF"\n', encoding="utf-8")
    env = {"SLACK_BOT_TOKEN": "xoxb-1234567", "SLACK_SIGNING_SECRET": "sig-secret-1",
           "SLACK_API_URL": "http://127.0.0.1:9/api/", "GITHUB_API_URL": "http://ghe/api/v3",
           "REVIEWER_SENIOR_APPROVERS": "UENV1, UENV2", "REVIEWER_REVIEW_CHANNEL": "CENV",
           "REVIEWER_SLACK_WORKERS": "40", "REVIEWER_SLACK_MAX_FILE_BYTES": "2M",
           "REVIEWER_SLACK_DELIVERY_RETENTION_HOURS": "6"}
    s = SlackSettings.from_env(env, config_root=tmp_path)
    assert s.senior_approvers == {"UCONF", "UENV1", "UENV2"}
    assert s.senior_group == "SCONF"
    assert s.review_channel == "CENV"
    assert s.workers == 40
    assert s.max_file_bytes == 2 * 1024 * 1024
    assert s.delivery_retention_hours == 6
    assert s.api_url == "http://127.0.0.1:9/api/"
    assert s.github_api_url == "http://ghe/api/v3"
    assert s.config_source == str(tmp_path / ".reviewer.toml")
    assert "xoxb-1234567" not in repr(s)
    assert "sig-secret-1" not in repr(s)
    assert s.scrub("token xoxb-1234567 leaked") == "token *** leaked"
    s.require()


def test_settings_defaults_and_errors(tmp_path: Path) -> None:
    s = SlackSettings.from_env({}, config_root=tmp_path)
    assert s.api_url == "https://slack.com/api/"
    assert s.github_api_url == "https://api.github.com"
    assert s.delivery_retention_hours == 48
    with pytest.raises(ConfigError, match="RETENTION_HOURS: must be at least 1, got 0"):
        SlackSettings.from_env({"REVIEWER_SLACK_DELIVERY_RETENTION_HOURS": "0"},
                               config_root=tmp_path)
    with pytest.raises(ConfigError, match="set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"):
        s.require()
    with pytest.raises(ConfigError, match="set SLACK_BOT_TOKEN, SLACK_APP_TOKEN"):
        s.require(socket_mode=True)
    with pytest.raises(ConfigError, match="REVIEWER_SLACK_WORKERS: expected a whole number"):
        SlackSettings.from_env({"REVIEWER_SLACK_WORKERS": "many"}, config_root=tmp_path)


@pytest.mark.parametrize(("text", "pull"), [
    ("https://github.com/acme/api/pull/12", PullRef("acme", "api", 12)),
    ("<https://github.com/acme/api/pull/12|acme/api#12> please", PullRef("acme", "api", 12)),
    ("<@UBOT> look at acme/api#5", PullRef("acme", "api", 5)),
    ("https://ghe.example.com/org/repo/pull/3/files", PullRef("org", "repo", 3)),
])
def test_pull_request_links_are_found(text: str, pull: PullRef) -> None:
    assert find_target(text).pull == pull


def test_code_block_is_unescaped_and_wins_over_links() -> None:
    target = find_target(
        "see https://github.com/a/b/pull/1 ```-x &lt; 1\n+x &gt; 2 &amp;&amp; y```")
    assert target.pull is None
    assert target.text == "-x < 1\n+x > 2 && y\n"


def test_plain_text_is_reviewed_only_when_asked() -> None:
    assert find_target("hello").empty
    assert find_target("DROP TABLE users;", whole_text=True).text == "DROP TABLE users;\n"
    assert find_target("", whole_text=True).empty


def test_files_are_targets() -> None:
    target = find_target("", [{"id": "F1", "name": "a.diff", "size": 3,
                               "url_private_download": "https://files.slack.com/x"}])
    assert [f.name for f in target.files] == ["a.diff"]
    assert target.files[0].supported


def test_bot_token_goes_only_to_slack_hosts() -> None:
    api = "https://slack.com/api/"
    assert trusted_host("https://files.slack.com/files-pri/T1-F1/a.diff", api)
    assert not trusted_host("https://evil.example/a.diff", api)
    assert not trusted_host("https://files.slack.com.evil.example/a.diff", api)
    assert trusted_host("http://127.0.0.1:5000/files/F1", "http://127.0.0.1:5000/api/")


def test_cli_slack_commands_report_missing_settings(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWER_CONFIG_DIR", str(tmp_path))
    err = io.StringIO()
    assert main(["slack", "serve", "--port", "0"], stdout=io.StringIO(), stderr=err) == 2
    assert "set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in err.getvalue()
    err = io.StringIO()
    assert main(["slack", "socket"], stdout=io.StringIO(), stderr=err) == 2
    assert "SLACK_APP_TOKEN" in err.getvalue()
    err = io.StringIO()
    assert main(["slack"], stdout=io.StringIO(), stderr=err) == 2
    assert "reviewer slack serve" in err.getvalue()


def test_manifest_matches_the_app() -> None:
    import yaml

    from reviewer.slack.app import COMMAND, SHORTCUT

    root = Path(__file__).resolve().parents[2]
    manifest = yaml.safe_load((root / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert [(s["callback_id"], s["type"]) for s in features["shortcuts"]] == [
        (SHORTCUT, "message")]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:read", "files:write",
            "app_mentions:read", "channels:history"} <= scopes
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]
    assert settings["interactivity"]["is_enabled"] is True
    urls = {c["url"] for c in features["slash_commands"]}
    urls |= {settings["event_subscriptions"]["request_url"],
             settings["interactivity"]["request_url"]}
    assert all(u.endswith("/slack/events") for u in urls)

"""The app served by waitress on loopback: signed HTTP requests, health check, security,
retries, Slack 429s, restarts, and two app instances sharing one database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.harness import (
    DROP_DIFF,
    GITHUB_TOKEN,
    SENIOR,
    SIGNING_SECRET,
    Harness,
    http_post,
    served,
    sign,
)


@pytest.fixture
def live(slack: FakeSlack, github: FakeGitHub, sqlite_url: str) -> Iterator[Harness]:
    """A harness with real thread pools (listener and review), as in production."""
    h = Harness(slack, github, sqlite_url, inline=False)
    yield h
    h.close()


def _pull(github: FakeGitHub, head: str = "c" * 40) -> None:
    github.add_pull("acme", "api", 7, title="Tidy up", diff=DROP_DIFF, head_sha=head,
                    commits=[{"sha": head, "message": "Tidy up", "author": "dev"}])


def test_signed_slash_command_over_http_gets_a_verdict(live: Harness, slack: FakeSlack,
                                                       github: FakeGitHub) -> None:
    _pull(github)
    with served(live) as base:
        body = live.slash_body("https://github.com/acme/api/pull/7")
        status, answer = http_post(f"{base}/slack/events", body, sign(body))
        assert status == 200
        assert b"Reviewing acme/api#7" in answer
        update = slack.wait_for("chat.update")[-1].params
    assert "acme/api#7" in json.dumps(update["blocks"])
    assert live.store.reviews_for("acme/api#7")


def test_health_check_and_unknown_paths(live: Harness) -> None:
    with served(live) as base:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert json.loads(response.read()) == {"status": "ok"}
        status, _ = http_post(f"{base}/nowhere", "{}", {})
        assert status == 404
        request = urllib.request.Request(f"{base}/slack/events", method="GET")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        assert info.value.code == 405
        info.value.close()


def test_forged_and_stale_signatures_are_rejected(live: Harness, slack: FakeSlack) -> None:
    with served(live) as base:
        body = live.slash_body("acme/api#7")
        forged = sign(body, secret="not-the-secret")
        assert http_post(f"{base}/slack/events", body, forged)[0] == 401
        stale = sign(body, timestamp=int(time.time()) - 10 * 60)
        assert http_post(f"{base}/slack/events", body, stale)[0] == 401
        assert http_post(f"{base}/slack/events", body, {})[0] == 401
        tampered = sign(body)
        assert http_post(f"{base}/slack/events", body + "x", tampered)[0] == 401
    assert slack.calls == []


def test_retried_event_is_processed_once(live: Harness, slack: FakeSlack) -> None:
    event = live.mention(f"```{DROP_DIFF}```", ts="1700000100.000100")
    body = live.event_body(event, event_id="EvRETRY1")
    with served(live) as base:
        assert http_post(f"{base}/slack/events", body, sign(body))[0] == 200
        retry = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert http_post(f"{base}/slack/events", body, retry)[0] == 200
        # The same mention delivered again as a plain message event (another event id).
        twin = live.event_body({**event, "type": "message"}, event_id="EvTWIN")
        assert http_post(f"{base}/slack/events", twin, sign(twin))[0] == 200
        slack.wait_for("chat.update")
        time.sleep(0.3)  # give a wrongly accepted duplicate time to show up
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(live.store.reviews_for("slack:C1:1700000100.000100")) == 1


def test_slack_429_is_retried_after_retry_after(live: Harness, slack: FakeSlack,
                                                github: FakeGitHub) -> None:
    _pull(github)
    slack.rate_limit("chat.postMessage", retry_after=1)
    with served(live) as base:
        body = live.slash_body("acme/api#7")
        status, _ = http_post(f"{base}/slack/events", body, sign(body))
        assert status == 200
        slack.wait_for("chat.update")
    limited = slack.calls_to("chat.postMessage", status=429)
    posted = slack.calls_to("chat.postMessage")
    assert len(limited) == 1
    assert len(posted) == 1
    assert posted[0].params == limited[0].params


def test_restart_keeps_approvals(slack: FakeSlack, github: FakeGitHub,
                                 any_db_url: str) -> None:
    _pull(github)
    first = Harness(slack, github, any_db_url)
    first.dispatch(first.slash_body("acme/api#7"))
    rid = first.latest_review_id()
    first.dispatch(first.click_body("risk_approve", rid, user=SENIOR))
    first.close()
    second = Harness(slack, github, any_db_url)  # a new process on the same database
    assert [a.user for a in second.store.approvals_for("acme/api#7", "c" * 40)] == [SENIOR]
    second.dispatch(second.click_body("risk_approve", rid, user=SENIOR))
    assert "already approved" in slack.calls_to("chat.postEphemeral")[-1].params["text"]
    assert len(second.store.approvals(rid)) == 1
    second.close()


def test_two_app_instances_sharing_a_database_process_an_event_once(
        slack: FakeSlack, github: FakeGitHub, any_db_url: str) -> None:
    apps = [Harness(slack, github, any_db_url, inline=False) for _ in range(2)]
    event = apps[0].mention(f"```{DROP_DIFF}```", ts="1700000200.000100")
    body = apps[0].event_body(event, event_id="EvSHARED")
    statuses: list[int] = []
    with served(apps[0]) as first, served(apps[1]) as second:
        barrier = threading.Barrier(6)

        def deliver(base: str) -> None:
            barrier.wait()
            statuses.append(http_post(f"{base}/slack/events", body, sign(body))[0])

        threads = [threading.Thread(target=deliver, args=(base,))
                   for base in (first, second) * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        slack.wait_for("chat.update")
        time.sleep(0.3)
    assert statuses == [200] * 6
    assert len(slack.calls_to("chat.postMessage")) == 1
    for h in apps:
        h.close()


def test_reviewer_slack_serve_command_runs_the_app(slack: FakeSlack, github: FakeGitHub,
                                                   tmp_path: Path) -> None:
    """`reviewer slack serve` in its own process, configured only by the environment."""
    _pull(github)
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": slack.api_url, "GITHUB_TOKEN": GITHUB_TOKEN,
           "GITHUB_API_URL": github.url, "REVIEWER_LLM": "off",
           "REVIEWER_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
           "REVIEWER_CONFIG_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "slack", "serve", "--host",
                             "127.0.0.1", "--port", "0", "--threads", "4"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/slack/events", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:  # noqa: S310
            assert response.status == 200
        body = urllib.parse.urlencode({
            "team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/risk-review",
            "text": "acme/api#7", "trigger_id": "trig-served",
            "response_url": f"{slack.url}/webhook"})
        assert http_post(f"{base}/slack/events", body, sign(body))[0] == 200
        update = slack.wait_for("chat.update")[-1].params
        assert "acme/api#7" in json.dumps(update["blocks"])
    finally:
        proc.terminate()
        proc.communicate(timeout=30)

"""Every way to ask for a review: slash command, mention (link, code block, file, thread),
message shortcut; and every way it can fail, each ending as a short message."""

from __future__ import annotations

import json
from typing import Any

from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.harness import DROP_DIFF, GITHUB_TOKEN, README_DIFF, SIGNING_SECRET, Harness

AI_COMMIT = ("Tidy up old tables\n\nRemoves tables nobody reads.\n\n"
             "Co-authored-by: Claude <noreply@anthropic.com>")


def _add_pull(github: FakeGitHub, number: int = 7, diff: str = DROP_DIFF,
              head_sha: str = "c" * 40) -> None:
    github.add_pull("acme", "api", number, title="Tidy up old tables",
                    body="Just a cleanup.", diff=diff, head_sha=head_sha,
                    commits=[{"sha": head_sha, "message": AI_COMMIT, "author": "dev"}])


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def _final_update(slack: FakeSlack) -> dict[str, Any]:
    return slack.calls_to("chat.update")[-1].params


def _no_secrets(slack: FakeSlack) -> None:
    sent = slack.sent_text()
    for secret in (BOT_TOKEN, SIGNING_SECRET, GITHUB_TOKEN):
        assert secret not in sent


def test_slash_command_with_pr_url_posts_placeholder_then_verdict(
        harness: Harness, slack: FakeSlack, github: FakeGitHub) -> None:
    _add_pull(github)
    response = harness.dispatch(harness.slash_body("https://github.com/acme/api/pull/7"))
    assert response.status == 200
    assert "Reviewing acme/api#7" in response.body
    placeholder = slack.calls_to("chat.postMessage")[0].params
    assert placeholder["channel"] == "C1"
    assert "Reviewing acme/api#7" in placeholder["text"]
    update = _final_update(slack)
    blocks = _blocks(update)
    assert blocks[0]["type"] == "header"
    assert "CRITICAL" in blocks[0]["text"]["text"] or "HIGH" in blocks[0]["text"]["text"]
    assert "acme/api#7" in blocks[0]["text"]["text"]
    assert update["text"]
    assert "AI-assisted" in json.dumps(blocks)
    review_id = harness.latest_review_id()
    record = harness.store.review(review_id)
    assert record is not None
    assert record.subject == "acme/api#7"
    assert record.head_sha == "c" * 40
    assert record.requested_by == "U1"
    assert record.message_ts == update["ts"]
    assert record.verdict.intent.ai_assisted
    assert github.requests_to("GET", "/repos/acme/api/pulls/7")
    assert all(r.headers.get("Authorization") == f"Bearer {GITHUB_TOKEN}"
               for r in github.requests)
    _no_secrets(slack)


def test_slash_command_without_input_answers_with_usage(harness: Harness,
                                                        slack: FakeSlack) -> None:
    response = harness.dispatch(harness.slash_body(""))
    assert response.status == 200
    assert "/risk-review" in response.body
    assert slack.calls_to("chat.postMessage") == []


def test_slash_command_with_pasted_diff_in_code_block(harness: Harness,
                                                      slack: FakeSlack) -> None:
    harness.dispatch(harness.slash_body(f"```{DROP_DIFF}```"))
    blocks = _blocks(_final_update(slack))
    assert "SQL" in json.dumps(blocks)
    record = harness.store.review(harness.latest_review_id())
    assert record is not None
    assert record.subject.startswith("slack:C1:")
    assert len(record.head_sha) == 64


def test_mention_with_pr_link_replies_in_thread(harness: Harness, slack: FakeSlack,
                                                github: FakeGitHub) -> None:
    _add_pull(github)
    event = harness.mention("please look at <https://github.com/acme/api/pull/7|#7>",
                            ts="1700000005.000200")
    assert harness.dispatch(harness.event_body(event)).status == 200
    placeholder = slack.calls_to("chat.postMessage")[0].params
    assert placeholder["thread_ts"] == "1700000005.000200"
    assert "acme/api#7" in json.dumps(_blocks(_final_update(slack)))


def test_bare_mention_in_thread_reviews_the_thread_diff(harness: Harness,
                                                        slack: FakeSlack) -> None:
    slack.threads[("C1", "1700000000.000001")] = [
        {"ts": "1700000000.000001", "user": "U2", "text": f"here: ```{DROP_DIFF}```"},
        {"ts": "1700000000.000002", "user": "U3", "text": "looks fine?"},
    ]
    event = harness.mention("what do you think?", ts="1700000000.000003",
                            thread_ts="1700000000.000001")
    harness.dispatch(harness.event_body(event))
    assert slack.calls_to("conversations.replies")
    assert "SQL" in json.dumps(_blocks(_final_update(slack)))


def test_mention_with_attached_file_downloads_it_with_the_bot_token(
        harness: Harness, slack: FakeSlack) -> None:
    info = slack.add_file("F1", "change.patch", DROP_DIFF.encode())
    event = harness.mention("review this", files=[info])
    harness.dispatch(harness.event_body(event))
    downloads = slack.calls_to("GET /files")
    assert downloads[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert "change.patch" in json.dumps(_blocks(_final_update(slack)))


def test_mention_with_partial_file_object_asks_files_info(harness: Harness,
                                                          slack: FakeSlack) -> None:
    slack.add_file("F2", "plan.sql", b"DROP TABLE accounts;\n")
    event = harness.mention("review", files=[{"id": "F2", "file_access": "check_file_info"}])
    harness.dispatch(harness.event_body(event))
    assert slack.calls_to("files.info")
    assert "plan.sql" in json.dumps(_blocks(_final_update(slack)))


def test_mention_without_anything_to_review_explains_usage(harness: Harness,
                                                          slack: FakeSlack) -> None:
    harness.dispatch(harness.event_body(harness.mention("hello there")))
    post = slack.calls_to("chat.postMessage")[-1].params
    assert "Give me something to review" in post["text"]
    assert slack.calls_to("chat.update") == []


def test_message_shortcut_reviews_the_message(harness: Harness, slack: FakeSlack,
                                              github: FakeGitHub) -> None:
    _add_pull(github, number=9, diff=README_DIFF)
    body = harness.shortcut_body({"text": "ship <https://github.com/acme/api/pull/9>",
                                  "ts": "1700000009.000100", "user": "U2"})
    response = harness.dispatch(body)
    assert response.status == 200
    placeholder = slack.calls_to("chat.postMessage")[0].params
    assert placeholder["thread_ts"] == "1700000009.000100"
    blocks = _blocks(_final_update(slack))
    assert "LOW" in blocks[0]["text"]["text"]
    assert "acme/api#9" in blocks[0]["text"]["text"]


def test_shortcut_on_prose_says_unsupported_input(harness: Harness, slack: FakeSlack) -> None:
    body = harness.shortcut_body({"text": "lunch at noon?", "ts": "1700000010.000100"})
    harness.dispatch(body)
    text = _final_update(slack)["text"]
    assert text.startswith(":warning: Couldn't review the pasted change: unsupported input")
    assert "Traceback" not in text


def test_github_404_is_a_short_thread_message(harness: Harness, slack: FakeSlack) -> None:
    harness.dispatch(harness.slash_body("acme/api#404"))
    text = _final_update(slack)["text"]
    assert text == (":warning: Couldn't review acme/api#404: the pull request was not found, "
                    "or the reviewer's GitHub token has no access to it. Not reviewed: treat "
                    "this change as needing a human review.")
    assert harness.store.reviews_for("acme/api#404") == []


def test_github_401_is_a_short_thread_message(harness: Harness, slack: FakeSlack,
                                              github: FakeGitHub) -> None:
    _add_pull(github)
    github.fail("/repos/acme/api/pulls/7", 401, message="Bad credentials")
    harness.dispatch(harness.slash_body("https://github.com/acme/api/pull/7"))
    text = _final_update(slack)["text"]
    assert "GitHub refused the reviewer's credentials (HTTP 401)" in text
    assert GITHUB_TOKEN not in text


def test_oversized_pr_is_refused_with_a_message(harness: Harness, slack: FakeSlack,
                                                github: FakeGitHub) -> None:
    big = DROP_DIFF + "".join(
        f"diff --git a/f{i}.txt b/f{i}.txt\n--- a/f{i}.txt\n+++ b/f{i}.txt\n@@ -1 +1 @@\n"
        f"-{'a' * 200}\n+{'b' * 200}\n" for i in range(400))
    _add_pull(github, diff=big)
    harness.dispatch(harness.slash_body("acme/api#7"))
    text = _final_update(slack)["text"]
    assert "too big to review in Slack" in text
    assert "0.1 MiB" in text


def test_oversized_file_is_refused_before_download(harness: Harness, slack: FakeSlack) -> None:
    info = slack.add_file("F3", "huge.diff", DROP_DIFF.encode() * 3000)
    harness.dispatch(harness.event_body(harness.mention("review", files=[info])))
    text = _final_update(slack)["text"]
    assert "huge.diff: file is" in text
    assert "larger than the 64 KiB the Slack app reads" in text
    assert slack.calls_to("GET /files") == []


def test_unsupported_file_type_is_explained(harness: Harness, slack: FakeSlack) -> None:
    info = slack.add_file("F4", "photo.png", b"\x89PNG....")
    harness.dispatch(harness.event_body(harness.mention("review", files=[info])))
    assert "photo.png: unsupported file type" in _final_update(slack)["text"]


def test_channel_the_bot_is_not_in_gets_an_ephemeral_hint(harness: Harness,
                                                         slack: FakeSlack) -> None:
    slack.refuse("CPRIVATE")
    harness.dispatch(harness.slash_body("acme/api#7", channel="CPRIVATE"))
    hint = slack.calls_to("chat.postEphemeral")[-1].params
    assert "invite me" in hint["text"]
    assert hint["user"] == "U1"


def test_crash_inside_review_is_an_incident_message_not_a_traceback(
        harness: Harness, slack: FakeSlack) -> None:
    def explode(request: object) -> object:
        raise RuntimeError("boom at /secret/path")

    harness.bot.review_fn = explode  # type: ignore[assignment]
    harness.dispatch(harness.slash_body(f"```{DROP_DIFF}```"))
    text = _final_update(slack)["text"]
    assert "something went wrong inside the reviewer (incident " in text
    assert "boom" not in text
    assert "Traceback" not in text


def test_pull_request_label_marks_ai_assistance(harness: Harness, slack: FakeSlack,
                                                github: FakeGitHub) -> None:
    """No agent trailer in the commits, but the PR carries the ai-assisted label."""
    github.add_pull("acme", "api", 12, title="Tidy up old tables", body="Just a cleanup.",
                    diff=DROP_DIFF, head_sha="d" * 40, labels=["ai-assisted"],
                    commits=[{"sha": "d" * 40, "message": "Tidy up old tables",
                              "author": "dev"}])
    harness.dispatch(harness.slash_body("https://github.com/acme/api/pull/12"))
    record = harness.store.review(harness.latest_review_id())
    assert record is not None
    assert record.verdict.intent.ai_assisted
    assert any("label" in reason for reason in record.verdict.intent.ai_assisted_reasons)

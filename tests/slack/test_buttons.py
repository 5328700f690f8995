"""The verdict's buttons: acknowledge, senior review, approve (seniors only), full report."""

from __future__ import annotations

import json

from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import DROP_DIFF, SENIOR, Harness


def _review_pr(harness: Harness, github: FakeGitHub, head: str = "c" * 40) -> str:
    if ("acme", "api", 7) not in github.pulls:
        github.add_pull("acme", "api", 7, title="Tidy up", diff=DROP_DIFF, head_sha=head,
                        commits=[{"sha": head, "message": "Tidy up", "author": "dev"}])
    else:
        github.pulls[("acme", "api", 7)].head_sha = head
    harness.dispatch(harness.slash_body("https://github.com/acme/api/pull/7"))
    return harness.latest_review_id()


def _last_update_text(slack: FakeSlack) -> str:
    return json.dumps(slack.calls_to("chat.update")[-1].params["blocks"])


def test_acknowledge_records_once_and_shows_who(harness: Harness, slack: FakeSlack,
                                                github: FakeGitHub) -> None:
    rid = _review_pr(harness, github)
    updates = len(slack.calls_to("chat.update"))
    assert harness.dispatch(harness.click_body("risk_ack", rid, user="U2")).status == 200
    assert [a.user for a in harness.store.acknowledgements(rid)] == ["U2"]
    assert len(slack.calls_to("chat.update")) == updates + 1
    assert "Risk acknowledged by <@U2>" in _last_update_text(slack)
    harness.dispatch(harness.click_body("risk_ack", rid, user="U2"))  # double click
    assert [a.user for a in harness.store.acknowledgements(rid)] == ["U2"]
    assert len(slack.calls_to("chat.update")) == updates + 1
    assert "already acknowledged" in slack.calls_to("chat.postEphemeral")[-1].params["text"]


def test_request_senior_review_posts_to_review_channel_mentioning_group(
        harness: Harness, slack: FakeSlack, github: FakeGitHub) -> None:
    rid = _review_pr(harness, github)
    harness.dispatch(harness.click_body("risk_escalate", rid, user="U2"))
    posts = [c.params for c in slack.calls_to("chat.postMessage")]
    escalation = next(p for p in posts if p["channel"] == "CREVIEW")
    assert escalation["text"].startswith("<!subteam^S0SENIOR> senior review requested by <@U2>")
    assert any(b["type"] == "actions" for b in escalation["blocks"])
    note = next(p for p in posts if p["channel"] == "C1" and "Senior review requested in"
                in p["text"])
    assert note["thread_ts"]
    assert "Senior review requested by <@U2>" in _last_update_text(slack)
    before = len(slack.calls_to("chat.postMessage"))
    harness.dispatch(harness.click_body("risk_escalate", rid, user="U3"))
    assert len(slack.calls_to("chat.postMessage")) == before
    assert "already requested by <@U2>" in slack.calls_to("chat.postEphemeral")[-1].params["text"]


def test_non_approver_is_refused_politely(harness: Harness, slack: FakeSlack,
                                          github: FakeGitHub) -> None:
    rid = _review_pr(harness, github)
    harness.dispatch(harness.click_body("risk_approve", rid, user="U2"))
    refusal = slack.calls_to("chat.postEphemeral")[-1].params
    assert refusal["user"] == "U2"
    assert refusal["text"].startswith("Sorry <@U2>, only senior approvers can approve")
    assert harness.store.approvals(rid) == []


def test_senior_approval_is_recorded_once_for_the_head_commit(
        harness: Harness, slack: FakeSlack, github: FakeGitHub) -> None:
    rid = _review_pr(harness, github)
    harness.dispatch(harness.click_body("risk_approve", rid, user=SENIOR))
    harness.dispatch(harness.click_body("risk_approve", rid, user=SENIOR))
    approvals = harness.store.approvals_for("acme/api#7", "c" * 40)
    assert [a.user for a in approvals] == [SENIOR]
    assert approvals[0].source == "slack"
    assert f"Approved by <@{SENIOR}> for commit `cccccccccccc`" in _last_update_text(slack)
    assert "already approved" in slack.calls_to("chat.postEphemeral")[-1].params["text"]


def test_approval_of_an_old_head_does_not_count_for_a_new_commit(
        harness: Harness, slack: FakeSlack, github: FakeGitHub) -> None:
    first = _review_pr(harness, github, head="1" * 40)
    harness.dispatch(harness.click_body("risk_approve", first, user=SENIOR))
    assert [a.user for a in harness.store.approvals_for("acme/api#7", "1" * 40)] == [SENIOR]
    second = _review_pr(harness, github, head="1" * 40)  # reviewed again, not yet approved
    github.pulls[("acme", "api", 7)].head_sha = "2" * 40  # then a new commit is pushed
    assert harness.store.approvals_for("acme/api#7", "2" * 40) == []
    harness.dispatch(harness.click_body("risk_approve", second, user=SENIOR))
    refusal = slack.calls_to("chat.postEphemeral")[-1].params["text"]
    assert "has new commits since this review (`111111111111` → `222222222222`)" in refusal
    assert harness.store.approvals(second) == []
    assert harness.store.approvals_for("acme/api#7", "2" * 40) == []
    third = _review_pr(harness, github, head="2" * 40)
    harness.dispatch(harness.click_body("risk_approve", third, user=SENIOR))
    assert [a.user for a in harness.store.approvals_for("acme/api#7", "2" * 40)] == [SENIOR]


def test_approval_is_refused_when_github_cannot_confirm_the_head(
        harness: Harness, slack: FakeSlack, github: FakeGitHub) -> None:
    rid = _review_pr(harness, github)
    github.fail("/repos/acme/api/pulls/7", 502, times=5)
    harness.dispatch(harness.click_body("risk_approve", rid, user=SENIOR))
    refusal = slack.calls_to("chat.postEphemeral")[-1].params["text"]
    assert refusal.startswith("Not approved: I couldn't check the pull request's current head")
    assert harness.store.approvals(rid) == []


def test_full_report_is_uploaded_into_the_thread(harness: Harness, slack: FakeSlack,
                                                 github: FakeGitHub) -> None:
    rid = _review_pr(harness, github)
    record = harness.store.review(rid)
    assert record is not None
    harness.dispatch(harness.click_body("risk_report", rid, user="U2"))
    get_url = slack.calls_to("files.getUploadURLExternal")[-1].params
    assert get_url["filename"] == f"risk-report-{rid}.md"
    complete = slack.calls_to("files.completeUploadExternal")[-1].params
    assert complete["channel_id"] == "C1"
    assert complete["thread_ts"] == record.message_ts
    uploaded = next(iter(slack.uploads.values())).decode()
    assert uploaded.startswith("## ")
    assert "Change risk" in uploaded
    assert "DROP TABLE" in uploaded or "SQL" in uploaded


def test_click_on_unknown_review_says_so(harness: Harness, slack: FakeSlack) -> None:
    harness.dispatch(harness.click_body("risk_ack", "rv_gone", user="U2"))
    assert "can't find this review" in slack.calls_to("chat.postEphemeral")[-1].params["text"]


def test_long_verdict_uploads_the_full_report_automatically(
        harness: Harness, slack: FakeSlack) -> None:
    statements = "".join(f"+DROP TABLE t{i};\n" for i in range(60))
    diff = ("diff --git a/m.sql b/m.sql\nnew file mode 100644\n--- /dev/null\n+++ b/m.sql\n"
            f"@@ -0,0 +1,60 @@\n{statements}")
    harness.dispatch(harness.slash_body(f"```{diff}```"))
    assert "more in the full report" in _last_update_text(slack)
    complete = slack.calls_to("files.completeUploadExternal")
    assert complete
    assert "too long for one Slack message" in complete[-1].params["initial_comment"]

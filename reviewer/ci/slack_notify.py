"""Post the verdict to a Slack channel, and keep one thread per pull request.

The message is the Slack app's own (:func:`reviewer.render.slack_blocks.verdict_message`).
The first run for a pull request posts it; later runs (new pushes) update that message in
place and add a short reply in its thread saying what changed. Where the message is comes
from the sticky PR comment's hidden state (``slack_channel``/``slack_ts``), or else from
the message's own metadata found in the channel's recent history.

When ``REVIEWER_DATABASE_URL`` is set the review is also stored, so the message carries the
Slack app's buttons and an approval given there is found by the CI gate's next run.

The bot token is read from ``SLACK_BOT_TOKEN`` and never printed; ``SLACK_API_URL`` points
the client elsewhere (a proxy, or a fake in tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reviewer.verdict.model import Verdict

__all__ = ["METADATA_EVENT", "SlackPost", "post_verdict"]

METADATA_EVENT = "change_risk_verdict"
_HISTORY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class SlackPost:
    """Where the verdict message is and what was done to it."""

    action: str  # "posted" | "updated"
    channel: str
    ts: str
    review_id: str | None = None


def _client(env: Mapping[str, str]) -> Any:
    from slack_sdk import WebClient

    token = env.get("SLACK_BOT_TOKEN", "")
    base_url = env.get("SLACK_API_URL", "").strip() or WebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(token=token, base_url=base_url, timeout=30)


def _find_thread(client: Any, channel: str, subject: str) -> str | None:
    """The ts of an earlier verdict message about ``subject`` in ``channel``, if any."""
    from slack_sdk.errors import SlackApiError

    try:
        answer = client.conversations_history(channel=channel, limit=_HISTORY_LIMIT,
                                              include_all_metadata=True)
    except SlackApiError:
        return None
    for message in answer.get("messages") or []:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        thread = message.get("thread_ts")
        if thread and thread != message.get("ts"):
            continue  # a reply, not a thread's parent
        if meta.get("event_type") == METADATA_EVENT and payload.get("subject") == subject:
            return str(message.get("ts"))
    return None


def _update(client: Any, channel: str, ts: str, message: Any,
            metadata: dict[str, Any]) -> bool:
    """Replace the earlier message; False when it no longer exists."""
    from slack_sdk.errors import SlackApiError

    try:
        client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks,
                           metadata=metadata)
    except SlackApiError as exc:
        if exc.response.get("error") in ("message_not_found", "cant_update_message"):
            return False
        raise
    return True


def _store_review(env: Mapping[str, str], subject: str, head: str,
                  verdict: Verdict) -> tuple[Any, str] | None:
    url = env.get("REVIEWER_DATABASE_URL", "").strip()
    if not url:
        return None
    from reviewer.store import Store

    store = Store.from_url(url)
    record = store.create_review(subject=subject, head_sha=head, requested_by="ci",
                                 source="ci", verdict=verdict)
    return store, record.id


def post_verdict(verdict: Verdict, *, channel: str, subject: str, head: str, title: str,
                 link: str | None, env: Mapping[str, str],
                 previous: tuple[str, str] | None = None) -> SlackPost:
    """Post or update the verdict message (raises ``slack_sdk`` errors and StoreError).

    ``previous`` is the (channel, ts) of this pull request's message from an earlier run.
    """
    from reviewer.render.slack_blocks import verdict_message

    client = _client(env)
    stored = _store_review(env, subject, head, verdict)
    review_id = stored[1] if stored else None
    label = f"{subject}: {title}" if title else subject
    message = verdict_message(verdict, review_id=review_id, subject=label, link=link,
                              commit=head[:12] or None, buttons=review_id is not None)
    metadata = {"event_type": METADATA_EVENT,
                "event_payload": {"subject": subject, "head": head}}
    ts: str | None = None
    if previous is not None and previous[0] == channel:
        ts = previous[1]
    if ts is None:
        ts = _find_thread(client, channel, subject)
    try:
        if ts is not None and not _update(client, channel, ts, message, metadata):
            ts = None  # the old message is gone: start a new thread
        if ts is not None:
            client.chat_postMessage(
                channel=channel, thread_ts=ts,
                text=f"New push {head[:12]}: risk *{verdict.risk.value}* "
                     f"(score {verdict.score}/100, decision {verdict.decision.value}). "
                     "The message above shows the latest verdict.")
            action = "updated"
        else:
            answer = client.chat_postMessage(channel=channel, text=message.text,
                                             blocks=message.blocks, metadata=metadata)
            ts = str(answer["ts"])
            channel = str(answer.get("channel") or channel)
            action = "posted"
        if stored is not None:
            stored[0].set_message(stored[1], channel, ts)
    finally:
        if stored is not None:
            stored[0].close()
    return SlackPost(action, channel, ts, review_id)

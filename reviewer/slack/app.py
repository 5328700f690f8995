"""The Bolt app: entry points and buttons wired to :class:`ReviewerBot`, acked first.

Entry points: the ``/risk-review`` slash command, ``app_mention`` events and the message
shortcut ``review_message``. Buttons: ``risk_ack``, ``risk_escalate``, ``risk_approve`` and
``risk_report`` (value: the review id). Every listener calls ``ack()`` before any Web API
call, database write or network request beyond the de-dup claim; Bolt returns the HTTP
response as soon as ``ack()`` runs and the rest continues on the listener executor, with
the review itself queued on the bot's review pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from reviewer.github.client import GitHubClient
from reviewer.slack import messages
from reviewer.slack.bot import ReviewerBot
from reviewer.slack.dedup import DeliveryPruner, dedup_middleware
from reviewer.slack.inputs import find_target
from reviewer.slack.settings import SlackSettings
from reviewer.store import Store

log = logging.getLogger(__name__)

COMMAND = "/risk-review"
SHORTCUT = "review_message"


def web_client(settings: SlackSettings, *, token: str | None = None) -> WebClient:
    """A WebClient for ``SLACK_API_URL`` that retries connection errors and 429s.

    The rate-limit handler sleeps for Retry-After in the calling thread: it is only ever
    used after ``ack()``, never on the acknowledgement path.
    """
    return WebClient(token=token, base_url=settings.api_url, timeout=30,
                     retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1),
                                     RateLimitErrorRetryHandler(max_retry_count=3)])


def create_bot(settings: SlackSettings, *, client: WebClient | None = None,
               store: Store | None = None, github: GitHubClient | None = None,
               reviews: Executor | None = None, io: Executor | None = None) -> ReviewerBot:
    """A bot with real collaborators for whatever is not given."""
    return ReviewerBot(
        settings=settings,
        client=client or web_client(settings, token=settings.bot_token),
        store=store or Store.from_url(settings.database_url or None),
        github=github or GitHubClient(settings.github_token or None, settings.github_api_url,
                                      max_diff_bytes=settings.max_diff_bytes),
        reviews=reviews or ThreadPoolExecutor(max_workers=settings.workers,
                                              thread_name_prefix="reviewer-review"),
        io=io or ThreadPoolExecutor(max_workers=settings.listener_threads,
                                    thread_name_prefix="reviewer-slack-io"),
    )


def _guarded(name: str, bot: ReviewerBot, channel: str, user: str,
             work: Callable[[], None]) -> None:
    """Hand a listener's post-ack work to the bot's Slack I/O pool, so the listener thread
    is free for the next ack at once; any failure becomes a short ephemeral message."""

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("Slack %s failed", name)
            if channel and user:
                bot.ephemeral(channel, user, f":warning: Sorry, {name} failed inside the "
                                             "reviewer; the details are in its log.")

    bot.io.submit(run)


def _dig(data: Any, *keys: str) -> str:
    for key in keys:
        data = data.get(key) if isinstance(data, Mapping) else None
    return str(data) if data else ""


def build_app(bot: ReviewerBot, *, listener_executor: Executor | None = None) -> App:
    """The Bolt app around ``bot`` (signature checks on, de-dup middleware first)."""
    settings = bot.settings

    def authorize(enterprise_id: str | None, team_id: str | None,
                  user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id,
                               bot_token=settings.bot_token or None)

    app = App(
        name="change-risk-reviewer",
        client=web_client(settings),
        signing_secret=settings.signing_secret,
        authorize=authorize,
        process_before_response=False,
        listener_executor=listener_executor or ThreadPoolExecutor(
            max_workers=settings.listener_threads, thread_name_prefix="reviewer-listener"),
    )
    pruner = DeliveryPruner(bot.store, timedelta(hours=settings.delivery_retention_hours),
                            bot.io)
    app.middleware(dedup_middleware(bot.store, pruner))

    @app.command(COMMAND)
    def on_command(ack: Callable[..., None], body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        target = find_target(text, whole_text=True)
        if target.empty or text.strip().lower() in ("help", "-h", "--help"):
            ack(text=messages.USAGE)
            return
        ack(text=f"Reviewing {target.describe()}… the verdict will appear in this channel.")
        channel, user = str(body.get("channel_id", "")), str(body.get("user_id", ""))

        def work() -> None:
            if not bot.start(target, channel=channel, thread_ts=None, user=user,
                             source="slash-command", origin_ts=None):
                bot.ephemeral(channel, user, "I can't post in this channel: invite me with "
                                             "`/invite @reviewer` and try again.")

        _guarded("the review request", bot, channel, user, work)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any]) -> None:
        channel, user = str(event.get("channel", "")), str(event.get("user", ""))
        ts = str(event.get("ts", ""))
        thread = str(event.get("thread_ts") or ts)

        def work() -> None:
            target = find_target(str(event.get("text") or ""), event.get("files") or [])
            if target.empty and event.get("thread_ts"):
                target = bot.find_in_thread(channel, thread)
            if target.empty:
                bot.post(channel, messages.USAGE, thread_ts=thread)
                return
            bot.start(target, channel=channel, thread_ts=thread, user=user, source="mention",
                      origin_ts=ts)

        _guarded("the mention", bot, channel, user, work)

    @app.shortcut({"callback_id": SHORTCUT, "type": "message_action"})
    def on_shortcut(ack: Callable[..., None], body: dict[str, Any]) -> None:
        ack()
        channel, user = _dig(body, "channel", "id"), _dig(body, "user", "id")
        message = body.get("message") or {}
        ts = str(message.get("ts", ""))
        thread = str(message.get("thread_ts") or ts)

        def work() -> None:
            target = find_target(str(message.get("text") or ""), message.get("files") or [],
                                 whole_text=True)
            if target.empty:
                bot.ephemeral(channel, user, "That message has nothing I can review. "
                              + messages.USAGE)
                return
            if not bot.start(target, channel=channel, thread_ts=thread, user=user,
                             source="shortcut", origin_ts=ts):
                bot.ephemeral(channel, user, "I can't post in this channel: invite me with "
                                             "`/invite @reviewer` and try again.")

        _guarded("the shortcut", bot, channel, user, work)

    def button(action_id: str, name: str,
               handler: Callable[[str, str, str], None]) -> None:
        @app.action(action_id)
        def on_click(ack: Callable[..., None], body: dict[str, Any],
                     action: dict[str, Any]) -> None:
            ack()
            channel, user = _dig(body, "channel", "id"), _dig(body, "user", "id")
            review_id = str(action.get("value") or "")
            _guarded(name, bot, channel, user, lambda: handler(review_id, user, channel))

    button("risk_ack", "acknowledging the risk", bot.acknowledge)
    button("risk_escalate", "requesting a senior review", bot.escalate)
    button("risk_approve", "the approval", bot.approve)
    button("risk_report", "the full report", bot.report)
    return app

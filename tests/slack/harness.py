"""Test harness for the Slack app: signed Slack requests against real parts on loopback.

The app runs with a real slack_sdk WebClient pointed at :class:`FakeSlack`, a real
GitHub client pointed at the fake GitHub API and a real database. Requests are signed
with the signing secret exactly as Slack signs them, and either dispatched to the Bolt app
(with inline executors, so the work is done when ``dispatch`` returns) or sent over HTTP to
the app served by waitress.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from datetime import datetime
from itertools import count
from typing import Any, ParamSpec, TypeVar

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from reviewer.github.client import GitHubClient
from reviewer.slack.app import build_app, create_bot, web_client
from reviewer.slack.bot import ReviewerBot
from reviewer.slack.server import create_http_server, wsgi_app
from reviewer.slack.settings import SlackSettings
from reviewer.store import Store
from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack

SIGNING_SECRET = "test-signing-secret-8f2d1c"
GITHUB_TOKEN = "ghp_testtoken_0123456789"
SENIOR = "USENIOR"

P = ParamSpec("P")
T = TypeVar("T")

DROP_DIFF = """\
diff --git a/migrations/0042_drop_users.sql b/migrations/0042_drop_users.sql
new file mode 100644
--- /dev/null
+++ b/migrations/0042_drop_users.sql
@@ -0,0 +1,2 @@
+DROP TABLE users;
+DROP TABLE payments;
"""

README_DIFF = """\
diff --git a/README.md b/README.md
--- a/README.md
+++ b/README.md
@@ -1,2 +1,2 @@
 # Project
-Old words.
+New words.
"""


class InlineExecutor(Executor):
    """Runs submitted work at once, in the caller's thread (deterministic tests)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the future like a pool would
            future.set_exception(exc)
        return future


def sign(body: str, *, secret: str = SIGNING_SECRET,
         timestamp: int | None = None) -> dict[str, str]:
    """Slack's signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}


class Harness:
    """A running Slack app with its fakes; build requests and send them."""

    def __init__(self, slack: FakeSlack, github: FakeGitHub, db_url: str, *,
                 inline: bool = True, settings: SlackSettings | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.slack = slack
        self.github = github
        self.db_url = db_url
        self.settings = settings or SlackSettings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.api_url,
            github_token=GITHUB_TOKEN, github_api_url=github.url,
            senior_approvers=frozenset({SENIOR}), senior_group="S0SENIOR",
            review_channel="CREVIEW", max_diff_bytes=64 * 1024, max_file_bytes=64 * 1024)
        self.store = Store.from_url(db_url, clock=clock)
        self.bot: ReviewerBot = create_bot(
            self.settings, client=web_client(self.settings, token=BOT_TOKEN), store=self.store,
            github=GitHubClient(GITHUB_TOKEN, github.url,
                                max_diff_bytes=self.settings.max_diff_bytes),
            reviews=InlineExecutor() if inline else None,
            io=InlineExecutor() if inline else None)
        self.bot.judge_settings = lambda env: None
        self.app: App = build_app(self.bot,
                                  listener_executor=InlineExecutor() if inline else None)
        self._ids = count(1)

    def close(self) -> None:
        self.store.close()

    # --- payloads ------------------------------------------------------------------------

    def slash_body(self, text: str, *, user: str = "U1", channel: str = "C1",
                   trigger: str | None = None) -> str:
        return urllib.parse.urlencode({
            "token": "legacy", "team_id": "T1", "team_domain": "acme", "channel_id": channel,
            "channel_name": "deploys", "user_id": user, "user_name": "dev",
            "command": "/risk-review", "text": text, "api_app_id": "A1",
            "response_url": f"{self.slack.url}/webhook",
            "trigger_id": trigger or f"trig-{next(self._ids)}"})

    def event_body(self, event: dict[str, Any], *, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids)}", "event_time": int(time.time()),
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            "event": event})

    def mention(self, text: str, *, ts: str = "1700000001.000100", channel: str = "C1",
                thread_ts: str | None = None, files: list[dict[str, Any]] | None = None,
                user: str = "U1") -> dict[str, Any]:
        event: dict[str, Any] = {"type": "app_mention", "user": user,
                                 "text": f"<@UBOT> {text}", "ts": ts, "channel": channel,
                                 "event_ts": ts}
        if thread_ts:
            event["thread_ts"] = thread_ts
        if files:
            event["files"] = files
        return event

    def interactive_body(self, payload: dict[str, Any]) -> str:
        payload.setdefault("team", {"id": "T1", "domain": "acme"})
        payload.setdefault("api_app_id", "A1")
        payload.setdefault("trigger_id", f"trig-{next(self._ids)}")
        payload.setdefault("response_url", f"{self.slack.url}/webhook")
        return urllib.parse.urlencode({"payload": json.dumps(payload)})

    def shortcut_body(self, message: dict[str, Any], *, user: str = "U1",
                      channel: str = "C1") -> str:
        return self.interactive_body({
            "type": "message_action", "callback_id": "review_message",
            "user": {"id": user, "name": "dev"}, "channel": {"id": channel, "name": "deploys"},
            "message": {"type": "message", **message}, "message_ts": message.get("ts")})

    def click_body(self, action_id: str, review_id: str, *, user: str = "U1",
                   channel: str = "C1", message_ts: str = "1.0") -> str:
        return self.interactive_body({
            "type": "block_actions", "user": {"id": user, "name": "someone"},
            "channel": {"id": channel, "name": "deploys"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": {"ts": message_ts, "type": "message"},
            "actions": [{"type": "button", "action_id": action_id, "value": review_id,
                         "block_id": f"verdict_actions:{review_id}", "action_ts": "1.1"}]})

    # --- sending -------------------------------------------------------------------------

    def dispatch(self, body: str, *, headers: dict[str, str] | None = None,
                 signed: bool = True) -> BoltResponse:
        """Dispatch a request to the Bolt app in-process (signature still checked)."""
        content_type = ("application/json" if body.startswith("{")
                        else "application/x-www-form-urlencoded")
        all_headers = {"content-type": content_type, **(sign(body) if signed else {}),
                       **(headers or {})}
        request = BoltRequest(body=body, headers={k.lower(): [v] for k, v in
                                                  all_headers.items()})
        return self.app.dispatch(request)

    def latest_review_id(self) -> str:
        update = self.slack.calls_to("chat.update")[-1]
        actions = [b for b in json.loads(json.dumps(update.params["blocks"]))
                   if b["type"] == "actions"]
        return str(actions[0]["elements"][0]["value"])


def http_post(url: str, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST over real HTTP; (status, body) also for error statuses."""
    content_type = ("application/json" if body.startswith("{")
                    else "application/x-www-form-urlencoded")
    request = urllib.request.Request(url, data=body.encode(), method="POST",  # noqa: S310
                                     headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def served(harness: Harness, threads: int = 8) -> Iterator[str]:
    """Serve the harness's app with waitress on 127.0.0.1:0; yields the base URL."""
    server = create_http_server(wsgi_app(harness.app, harness.store), host="127.0.0.1",
                                port=0, threads=threads)
    stop = threading.Event()

    def loop() -> None:
        # server.run() without end; stopped between polls, so no socket is closed while
        # the loop is waiting on it (that raced: EBADF in the server thread).
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        server.asyncore.close_all(server._map)

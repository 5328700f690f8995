"""Serving the Bolt app: HTTP (Bolt's WSGI adapter under waitress) or Socket Mode.

HTTP routes: ``POST /slack/events`` (commands, events, shortcuts and clicks, all signed by
Slack) and ``GET /healthz`` (200 when the database answers, else 503). Anything else is 404.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from reviewer.store import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


def wsgi_app(app: App, store: Store) -> WSGIApp:
    """A WSGI application: Slack's endpoint plus a health check."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any],
                    start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if store.ping():
                return _reply(start_response, "200 OK", {"status": "ok"})
            return _reply(start_response, "503 Service Unavailable",
                          {"status": "database unavailable"})
        if path == EVENTS_PATH:
            if method != "POST":
                return _reply(start_response, "405 Method Not Allowed",
                              {"error": "POST only"})
            result: Iterable[bytes] = slack(environ, start_response)
            return result
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    return application


def create_http_server(application: WSGIApp, *, host: str, port: int, threads: int) -> Any:
    """A waitress server bound to ``host:port`` (port 0 picks a free one); call ``.run()``."""
    from waitress.server import create_server  # type: ignore[import-untyped,unused-ignore]

    return create_server(application, host=host, port=port, threads=threads,
                         ident="change-risk-reviewer", clear_untrusted_proxy_headers=True)


def serve_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over Socket Mode and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call,unused-ignore]

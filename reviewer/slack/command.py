"""``reviewer slack serve`` and ``reviewer slack socket``: arguments and the runners.

The CLI only calls :func:`add_parser` and :func:`run`; Bolt, SQLAlchemy and waitress are
imported here, when the command runs, so ``reviewer --help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import TextIO

from reviewer.errors import UsageError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
DEFAULT_THREADS = 16


def add_parser(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
               parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``slack serve`` and ``slack socket`` to the CLI's subcommands."""
    slack = sub.add_parser("slack", help="run the Slack app (HTTP or Socket Mode)",
                           description="Run the Slack app. Settings come from the "
                                       "environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, "
                                       "SLACK_APP_TOKEN (socket), SLACK_API_URL, GITHUB_TOKEN, "
                                       "GITHUB_API_URL, REVIEWER_DATABASE_URL, "
                                       "REVIEWER_SENIOR_APPROVERS, REVIEWER_SENIOR_GROUP, "
                                       "REVIEWER_REVIEW_CHANNEL, REVIEWER_SLACK_WORKERS.")
    slack_sub = slack.add_subparsers(dest="slack_command", parser_class=parser_class)
    serve = slack_sub.add_parser("serve", help="serve Slack's HTTP requests at /slack/events",
                                 description="Serve Slack requests at POST /slack/events and "
                                             "a health check at GET /healthz (waitress).")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default: {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)),
                       help=f"port to listen on (default: $PORT or {DEFAULT_PORT})")
    serve.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                       help=f"HTTP threads (default: {DEFAULT_THREADS})")
    serve.add_argument("--workers", type=int, default=None,
                       help="reviews run at once (default: $REVIEWER_SLACK_WORKERS or 16)")
    sock = slack_sub.add_parser("socket", help="connect to Slack over Socket Mode",
                                description="Connect to Slack over Socket Mode (development "
                                            "and firewalled installs); needs SLACK_APP_TOKEN.")
    sock.add_argument("--workers", type=int, default=None,
                      help="reviews run at once (default: $REVIEWER_SLACK_WORKERS or 16)")


def run(args: argparse.Namespace, stdout: TextIO) -> int:
    """Run the chosen Slack subcommand until interrupted; returns the exit code."""
    from dataclasses import replace

    from reviewer.slack.app import build_app, create_bot
    from reviewer.slack.server import create_http_server, serve_socket_mode, wsgi_app
    from reviewer.slack.settings import SlackSettings

    command = getattr(args, "slack_command", None)
    if command not in ("serve", "socket"):
        raise UsageError("say `reviewer slack serve --host H --port P` or "
                         "`reviewer slack socket`")
    settings = SlackSettings.from_env()
    if args.workers is not None:
        if args.workers < 1:
            raise UsageError("--workers must be at least 1")
        settings = replace(settings, workers=args.workers)
    settings.require(socket_mode=command == "socket")
    bot = create_bot(settings)
    app = build_app(bot)
    if command == "socket":
        stdout.write("reviewer: Slack app connected over Socket Mode (Ctrl-C to stop)\n")
        stdout.flush()
        serve_socket_mode(app, settings.app_token)
        return 0
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a TCP port")
    if args.threads < 1:
        raise UsageError("--threads must be at least 1")
    server = create_http_server(wsgi_app(app, bot.store), host=args.host, port=args.port,
                                threads=args.threads)
    stdout.write(f"reviewer: Slack app listening on http://{args.host}:{server.effective_port}"
                 "/slack/events (health: /healthz)\n")
    stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0

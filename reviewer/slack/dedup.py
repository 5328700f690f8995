"""Process every Slack delivery once, across retries, double deliveries and processes.

Slack retries an event it thinks was not received (``X-Slack-Retry-Num``), and a mention
may arrive both as ``app_mention`` and as a ``message``. The key of a delivery is the
message's ``(channel, ts)`` for message-like events, the ``event_id`` for other events and
the ``trigger_id`` for commands, shortcuts and clicks. The key is claimed in the shared
store with an INSERT under a unique constraint, so the claim is atomic even when several
app processes share the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from reviewer.store import Store

log = logging.getLogger(__name__)

_MESSAGE_EVENTS = ("app_mention", "message")


def delivery_key(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(key, kind) identifying one delivery, or None for requests that need no de-dup."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if event.get("type") in _MESSAGE_EVENTS and event.get("channel") and event.get("ts"):
            return f"msg:{event['channel']}:{event['ts']}", "event"
        if body.get("event_id"):
            return f"event:{body['event_id']}", "event"
        return None
    trigger = body.get("trigger_id")
    if body.get("command") and trigger:
        return f"cmd:{trigger}", "command"
    kind = str(body.get("type") or "")
    if trigger and kind:
        return f"{kind}:{trigger}", kind
    return None


def _header(req: BoltRequest, name: str) -> str:
    values = req.headers.get(name) or []
    return str(values[0]) if values else ""


def dedup_middleware(store: Store) -> Callable[..., BoltResponse | None]:
    """A Bolt global middleware that acknowledges and drops repeated deliveries."""

    def drop_repeated_deliveries(req: BoltRequest, resp: BoltResponse,
                                 next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body or {}
        found = delivery_key(body)
        retry = _header(req, "x-slack-retry-num")
        if retry:
            log.info("Slack retry %s (%s)", retry, _header(req, "x-slack-retry-reason") or "?")
        if found is not None:
            key, kind = found
            try:
                first = store.claim_delivery(key, kind)
            except SQLAlchemyError as exc:
                log.warning("delivery %s not de-duplicated: database error %s", key,
                            type(exc).__name__)
                first = True
            if not first:
                log.info("skipping repeated delivery %s", key)
                return BoltResponse(status=200, body="")
        return next()

    return drop_repeated_deliveries

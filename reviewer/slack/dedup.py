"""Process every Slack delivery once, across retries, double deliveries and processes.

Slack retries an event it thinks was not received (``X-Slack-Retry-Num``), and a mention
may arrive both as ``app_mention`` and as a ``message``. The key of a delivery is the
message's ``(channel, ts)`` for message-like events, the ``event_id`` for other events and
the ``trigger_id`` for commands, shortcuts and clicks. The key is claimed in the shared
store with an INSERT under a unique constraint, so the claim is atomic even when several
app processes share the database.

Keys older than the retention are pruned at most once per :data:`PRUNE_EVERY`, on a
background executor after a claim, so the table stays small without a cron job and the
acknowledgement never waits for the DELETE.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from reviewer.store import Store

log = logging.getLogger(__name__)

_MESSAGE_EVENTS = ("app_mention", "message")
#: Least time between two prunes of the delivery keys (per app process).
PRUNE_EVERY = timedelta(hours=1)


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


class DeliveryPruner:
    """Forgets delivery keys older than ``retention``, at most once per ``every``."""

    def __init__(self, store: Store, retention: timedelta, executor: Executor, *,
                 every: timedelta = PRUNE_EVERY) -> None:
        self.store = store
        self.retention = retention
        self.every = every
        self.executor = executor
        self._lock = threading.Lock()
        self._next: datetime | None = None

    def maybe_prune(self) -> None:
        """Schedule a prune when the last one is ``every`` old (the first claim prunes)."""
        now = self.store.now()
        with self._lock:
            if self._next is not None and now < self._next:
                return
            self._next = now + self.every
        self.executor.submit(self.prune)

    def prune(self) -> int:
        """Delete the old keys now; database errors are logged, never raised."""
        try:
            removed = self.store.prune_deliveries(self.store.now() - self.retention)
        except SQLAlchemyError as exc:
            log.warning("old Slack delivery keys not pruned: database error %s",
                        type(exc).__name__)
            return 0
        if removed:
            log.info("pruned %d Slack delivery key(s) older than %s", removed, self.retention)
        return removed


def dedup_middleware(store: Store, pruner: DeliveryPruner | None = None
                     ) -> Callable[..., BoltResponse | None]:
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
            if pruner is not None:
                pruner.maybe_prune()
        return next()

    return drop_repeated_deliveries

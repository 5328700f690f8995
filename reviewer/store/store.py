"""Reviews, acknowledgements, approvals and processed Slack deliveries in one SQL database.

Any SQLAlchemy URL works; SQLite (the default, a file under the user's data directory) and
PostgreSQL (``postgresql+psycopg://…``) are tested. Every write that must happen once is
an INSERT guarded by a unique constraint: the loser of a race, in this process or another
one sharing the database, gets an IntegrityError and reads the winner's row instead.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    RowMapping,
    Table,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from reviewer.errors import StoreError
from reviewer.store import schema
from reviewer.store.records import Acknowledgement, Approval, ReviewRecord, SeniorRequest
from reviewer.verdict.model import Verdict

log = logging.getLogger(__name__)

DATABASE_URL_ENV = "REVIEWER_DATABASE_URL"


def default_url(env: Mapping[str, str] = os.environ) -> str:
    """``$REVIEWER_DATABASE_URL``, else a SQLite file in the user's data directory."""
    url = env.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    base = env.get("XDG_DATA_HOME", "").strip() or str(Path("~/.local/share").expanduser())
    return f"sqlite:///{Path(base) / 'reviewer' / 'reviewer.db'}"


def _utc(value: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; no fsync per commit
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()


class Store:
    """The reviewer's durable state. Thread-safe; share one per process."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self._create_tables()

    @classmethod
    def from_url(cls, url: str | None = None, *,
                 clock: Callable[[], datetime] | None = None) -> Store:
        """Open (and create if missing) the database at ``url`` (default: :func:`default_url`).

        Raises:
            StoreError: the URL is invalid or the database cannot be reached.
        """
        raw = url or default_url()
        try:
            parsed = make_url(raw)
        except ArgumentError:
            raise StoreError("REVIEWER_DATABASE_URL: not a database URL (expected e.g. "
                             "sqlite:///path/reviewer.db or postgresql+psycopg://…)") from None
        shown = parsed.render_as_string(hide_password=True)
        # Enough pooled connections for every HTTP thread and review worker at once, so the
        # de-dup claim on the ack path never waits for a connection.
        kwargs: dict[str, Any] = {"pool_size": 20, "max_overflow": 40}
        if parsed.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            else:  # one shared in-memory database (tests, trials): nothing survives a restart
                kwargs = {"connect_args": kwargs["connect_args"], "poolclass": StaticPool}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = create_engine(parsed, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"database {shown}: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0]}") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            return cls(engine, clock=clock)
        except SQLAlchemyError as exc:
            engine.dispose()
            first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StoreError(f"database {shown}: cannot open: {first}") from None

    def _create_tables(self) -> None:
        try:
            schema.metadata.create_all(self.engine)
        except IntegrityError:
            # Another process created the same tables at the same moment (PostgreSQL's
            # catalog answers with a unique violation); they exist now.
            schema.metadata.create_all(self.engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def now(self) -> datetime:
        """The store's clock (UTC)."""
        return self._clock()

    def _insert_once(self, table: Table, **values: Any) -> bool:
        """INSERT one row guarded by a unique constraint; False when the row already was."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table).values(**values))
        except IntegrityError:
            return False
        return True

    # ------------------------------------------------------------------ deliveries

    def claim_delivery(self, key: str, kind: str = "event") -> bool:
        """Record a Slack delivery; True only for the first claim of ``key`` anywhere."""
        return self._insert_once(schema.deliveries, key=key[:255], kind=kind[:32],
                                 received_at=self.now())

    def prune_deliveries(self, before: datetime) -> int:
        """Forget deliveries received before ``before``; returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(schema.deliveries.delete().where(
                schema.deliveries.c.received_at < before))
        return int(result.rowcount or 0)

    # ------------------------------------------------------------------ reviews

    def create_review(self, *, subject: str, head_sha: str, requested_by: str, source: str,
                      verdict: Verdict, channel: str | None = None,
                      message_ts: str | None = None,
                      thread_ts: str | None = None) -> ReviewRecord:
        """Store a finished review and return it with its new id."""
        record = ReviewRecord(
            id="rv_" + secrets.token_hex(8), subject=subject[:512], head_sha=head_sha[:64],
            requested_by=requested_by[:64], source=source[:32], risk=verdict.risk.value,
            verdict_json=verdict.model_dump_json(), created_at=self.now(), channel=channel,
            message_ts=message_ts, thread_ts=thread_ts)
        with self.engine.begin() as conn:
            conn.execute(insert(schema.reviews).values(
                id=record.id, subject=record.subject, head_sha=record.head_sha,
                requested_by=record.requested_by, source=record.source, risk=record.risk,
                verdict=record.verdict_json, created_at=record.created_at,
                channel=channel, message_ts=message_ts, thread_ts=thread_ts))
        return record

    def set_message(self, review_id: str, channel: str, message_ts: str) -> None:
        """Remember where the verdict message of a review is."""
        with self.engine.begin() as conn:
            conn.execute(update(schema.reviews).where(schema.reviews.c.id == review_id)
                         .values(channel=channel, message_ts=message_ts))

    def review(self, review_id: str) -> ReviewRecord | None:
        """The review with this id, or None."""
        t = schema.reviews
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == review_id)).mappings().first()
        if row is None:
            return None
        return ReviewRecord(
            id=row["id"], subject=row["subject"], head_sha=row["head_sha"],
            requested_by=row["requested_by"], source=row["source"], risk=row["risk"],
            verdict_json=row["verdict"], created_at=_utc(row["created_at"]),
            channel=row["channel"], message_ts=row["message_ts"], thread_ts=row["thread_ts"])

    def reviews_for(self, subject: str) -> list[ReviewRecord]:
        """Every review of ``subject``, oldest first."""
        t = schema.reviews
        with self.engine.connect() as conn:
            ids = conn.execute(select(t.c.id).where(t.c.subject == subject)
                               .order_by(t.c.created_at, t.c.id)).scalars().all()
        return [r for r in (self.review(i) for i in ids) if r is not None]

    # ------------------------------------------------------------------ acknowledgements

    def acknowledge(self, review_id: str, user: str) -> tuple[Acknowledgement, bool]:
        """Record that ``user`` accepted the risk; (the record, whether it is new)."""
        created = self._insert_once(schema.acknowledgements, review_id=review_id, user_id=user,
                                    at=self.now())
        found = [a for a in self.acknowledgements(review_id) if a.user == user]
        if not found:
            raise StoreError(f"review {review_id}: not found")
        return found[0], created

    def _in_order(self, table: Table, *where: ColumnElement[bool]) -> Sequence[RowMapping]:
        """The rows of ``table`` matching ``where``, oldest first."""
        with self.engine.connect() as conn:
            return conn.execute(select(table).where(*where)
                                .order_by(table.c.at, table.c.id)).mappings().all()

    def acknowledgements(self, review_id: str) -> list[Acknowledgement]:
        """Who acknowledged the review, in order."""
        t = schema.acknowledgements
        return [Acknowledgement(review_id=r["review_id"], user=r["user_id"], at=_utc(r["at"]))
                for r in self._in_order(t, t.c.review_id == review_id)]

    # ------------------------------------------------------------------ approvals

    def approve(self, review_id: str, user: str, *, source: str = "slack",
                ) -> tuple[Approval, bool]:
        """Record a senior approval of the review's head commit; (record, whether new).

        Raises:
            StoreError: no such review.
        """
        review = self.review(review_id)
        if review is None:
            raise StoreError(f"review {review_id}: not found")
        created = self._insert_once(
            schema.approvals, review_id=review_id, subject=review.subject,
            head_sha=review.head_sha, user_id=user, source=source[:32], at=self.now())
        found = [a for a in self.approvals(review_id) if a.user == user]
        return found[0], created

    def approvals(self, review_id: str) -> list[Approval]:
        """The approvals given on one review, in order."""
        t = schema.approvals
        return [self._approval(r) for r in self._in_order(t, t.c.review_id == review_id)]

    def approvals_for(self, subject: str, head_sha: str) -> list[Approval]:
        """Approvals valid for ``subject`` at ``head_sha``: one per user, earliest first.

        An approval given on a review of another commit does not count: a new commit
        needs a new review and a new approval.
        """
        t = schema.approvals
        seen: dict[str, Approval] = {}
        for row in self._in_order(t, t.c.subject == subject, t.c.head_sha == head_sha):
            seen.setdefault(row["user_id"], self._approval(row))
        return list(seen.values())

    @staticmethod
    def _approval(row: RowMapping) -> Approval:
        return Approval(user=row["user_id"], at=_utc(row["at"]), head_sha=row["head_sha"],
                        source=row["source"], review_id=row["review_id"],
                        subject=row["subject"])

    # ------------------------------------------------------------------ senior review

    def senior_request(self, review_id: str) -> SeniorRequest | None:
        """The senior-review request of a review, if one was made."""
        t = schema.senior_requests
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.review_id == review_id)).mappings().first()
        if row is None:
            return None
        return SeniorRequest(review_id=row["review_id"], requested_by=row["requested_by"],
                             at=_utc(row["at"]))

    def ping(self) -> bool:
        """Whether the database answers (for the health check)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def request_senior_review(self, review_id: str, user: str) -> tuple[SeniorRequest, bool]:
        """Record a senior-review request (one per review); (the request, whether new)."""
        created = self._insert_once(schema.senior_requests, review_id=review_id,
                                    requested_by=user, at=self.now())
        found = self.senior_request(review_id)
        if found is None:
            raise StoreError(f"review {review_id}: not found")
        return found, created

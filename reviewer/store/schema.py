"""The review database's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Uniqueness is what makes repeated clicks and repeated deliveries harmless: one
acknowledgement and one approval per (review, user), one senior-review request per review,
and one row per processed Slack delivery, so a second writer gets an IntegrityError
instead of a duplicate, whichever process it runs in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

reviews = Table(
    "reviewer_reviews",
    metadata,
    Column("id", String(40), primary_key=True),
    #: "owner/repo#123" for a pull request, "slack:<channel>:<ts>" for pasted text or a file.
    Column("subject", String(512), nullable=False),
    Column("head_sha", String(64), nullable=False, default=""),
    Column("requested_by", String(64), nullable=False),
    #: Where the request came from: slash-command, mention, shortcut, ci…
    Column("source", String(32), nullable=False),
    Column("risk", String(16), nullable=False),
    Column("verdict", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(32), nullable=True),
    Column("message_ts", String(32), nullable=True),
    Column("thread_ts", String(32), nullable=True),
    Index("ix_reviewer_reviews_subject_sha", "subject", "head_sha"),
)


def _about_review(name: str, *columns: Column[Any], unique: UniqueConstraint,
                  indexes: tuple[Index, ...] = ()) -> Table:
    """A table of what people did to one review: id, review_id, ``columns``, then when."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("review_id", String(40), ForeignKey("reviewer_reviews.id"), nullable=False),
        *columns,
        Column("at", DateTime(timezone=True), nullable=False),
        unique,
        *indexes,
    )


acknowledgements = _about_review(
    "reviewer_acknowledgements",
    Column("user_id", String(64), nullable=False),
    unique=UniqueConstraint("review_id", "user_id", name="uq_reviewer_ack_review_user"),
)

approvals = _about_review(
    "reviewer_approvals",
    #: Copied from the review so CI can ask "who approved this PR at this commit?".
    Column("subject", String(512), nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    unique=UniqueConstraint("review_id", "user_id", name="uq_reviewer_approval_review_user"),
    indexes=(Index("ix_reviewer_approvals_subject_sha", "subject", "head_sha"),),
)

senior_requests = _about_review(
    "reviewer_senior_requests",
    Column("requested_by", String(64), nullable=False),
    unique=UniqueConstraint("review_id", name="uq_reviewer_senior_review"),
)

deliveries = Table(
    "reviewer_deliveries",
    metadata,
    #: event id, "msg:<channel>:<ts>", or a command/shortcut trigger id.
    Column("key", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

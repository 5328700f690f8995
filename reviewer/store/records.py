"""What the store hands back: plain frozen records, detached from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reviewer.verdict.model import Verdict


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """One review as stored: who asked, about what, the verdict, and its Slack message."""

    id: str
    subject: str
    head_sha: str
    requested_by: str
    source: str
    risk: str
    verdict_json: str
    created_at: datetime
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None

    @property
    def verdict(self) -> Verdict:
        """The stored verdict, parsed."""
        return Verdict.model_validate_json(self.verdict_json)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Someone accepted the risk of a review."""

    review_id: str
    user: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Approval:
    """A senior approval of one review, valid for the head commit it was given for only."""

    user: str
    at: datetime
    head_sha: str
    source: str
    review_id: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class SeniorRequest:
    """Someone asked for a senior review."""

    review_id: str
    requested_by: str
    at: datetime

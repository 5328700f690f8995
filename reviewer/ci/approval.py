"""The senior-approval gate for AI-assisted changes.

With ``[ai_assisted] policy = "senior-approval"`` (read from the base branch), a verdict
that ``requires_senior_approval`` (an AI-assisted change at high risk or above) fails the
gate until a senior approval exists **for the head commit under review**:

* an approval recorded by the Slack app in the review store (``REVIEWER_DATABASE_URL``),
  for this pull request (``owner/repo#12``) and this head SHA — the Slack app records only
  approvals by people allowed to give them; or
* a pull-request review in state ``APPROVED`` on exactly this ``commit_id``, by a GitHub
  login listed in ``[approvals] senior_approvers``.

A new push is a new head SHA and needs a new approval. When an approval is found it also
clears the risk threshold for that commit: a senior accepted this exact change. Lookup
failures are reported and count as "no approval" (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reviewer.config.model import ReviewerConfig
from reviewer.errors import GitHubError, ReviewerError
from reviewer.github.client import GitHubClient, PullRef
from reviewer.verdict.model import Verdict

__all__ = ["ApprovalStatus", "check_senior_approval", "requires_approval"]


@dataclass(frozen=True, slots=True)
class ApprovalStatus:
    """Whether a senior approval is needed and whether one was found."""

    required: bool
    approved: bool = False
    #: "slack:U123" / "github:octocat" of each approver found.
    approvers: tuple[str, ...] = ()
    #: Lookup problems (store unreachable, API refused…), for the report.
    notes: tuple[str, ...] = field(default_factory=tuple)


def requires_approval(verdict: Verdict, config: ReviewerConfig) -> bool:
    """True when the policy asks for a senior approval of this verdict."""
    return config.ai_assisted.policy == "senior-approval" and verdict.requires_senior_approval


def _from_store(url: str, subject: str, head_sha: str) -> list[str]:
    from reviewer.store import Store

    store = Store.from_url(url)
    try:
        return [f"{a.source or 'slack'}:{a.user}"
                for a in store.approvals_for(subject, head_sha)]
    finally:
        store.close()


def _from_reviews(client: GitHubClient, pull: PullRef, head_sha: str,
                  seniors: list[str]) -> list[str]:
    allowed = {s.lower() for s in seniors}
    latest: dict[str, str] = {}
    for review in client.list_reviews(pull):
        if review.commit_id == head_sha and review.state.upper() in (
                "APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.user.lower()] = review.state.upper()
    return [f"github:{user}" for user, state in sorted(latest.items())
            if state == "APPROVED" and user in allowed]


def check_senior_approval(verdict: Verdict, config: ReviewerConfig, *, subject: str,
                          head_sha: str, env: Mapping[str, str],
                          client: GitHubClient | None = None,
                          pull: PullRef | None = None) -> ApprovalStatus:
    """Look for a senior approval of ``head_sha`` when the verdict needs one."""
    if not requires_approval(verdict, config):
        return ApprovalStatus(required=False)
    found: list[str] = []
    notes: list[str] = []
    url = env.get("REVIEWER_DATABASE_URL", "").strip()
    if url:
        try:
            found += _from_store(url, subject, head_sha)
        except ReviewerError as exc:
            notes.append(f"cannot read approvals from the review store: {exc}")
        except Exception as exc:  # noqa: BLE001 - a boundary: record and fail closed
            notes.append(f"cannot read approvals from the review store: "
                         f"{type(exc).__name__}: {exc}")
    seniors = [s for s in config.approvals.senior_approvers if s]
    if client is not None and pull is not None and seniors:
        try:
            found += _from_reviews(client, pull, head_sha, seniors)
        except GitHubError as exc:
            notes.append(f"cannot read the pull request's reviews: {exc}")
    if not url and (client is None or pull is None or not seniors):
        notes.append("no approval source is configured (REVIEWER_DATABASE_URL for Slack "
                     "approvals; senior_approvers and a GitHub token for PR reviews)")
    return ApprovalStatus(required=True, approved=bool(found), approvers=tuple(found),
                          notes=tuple(notes))

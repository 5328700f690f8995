"""One sticky pull-request comment, updated in place on every push.

The comment's first line is a hidden marker, ``<!-- change-risk-reviewer:v1 {...} -->``,
carrying a little JSON state (the Slack channel and message of this PR's thread) so later
runs can find both the comment and the thread. Only comments whose body *starts* with the
marker count, so a marker quoted inside someone's comment (or in the PR title, which the
report repeats) is never mistaken for ours; bot-authored ones are preferred.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from reviewer.ci.summary import COMMENT_LIMIT, clip_utf8
from reviewer.github.client import GitHubClient, IssueComment, PullRef

__all__ = ["MARKER_PREFIX", "CommentResult", "find_sticky", "marker", "post_sticky",
           "read_state"]

MARKER_PREFIX = "<!-- change-risk-reviewer:v1"
_MARKER = re.compile(r"^<!-- change-risk-reviewer:v1(?: (\{[^\n]*?\}))? -->")
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class CommentResult:
    """What :func:`post_sticky` did."""

    action: str  # "created" | "updated"
    comment_id: int


@dataclass(frozen=True, slots=True)
class Sticky:
    """Our comment on a pull request and the state in its marker."""

    comment: IssueComment | None
    state: dict[str, str] = field(default_factory=dict)


def marker(state: dict[str, str] | None = None) -> str:
    """The hidden first line, with ``state`` (plain identifiers only) in it."""
    clean = {k: v for k, v in (state or {}).items()
             if _SAFE_VALUE.match(k) and _SAFE_VALUE.match(v)}
    payload = f" {json.dumps(clean, sort_keys=True)}" if clean else ""
    return f"{MARKER_PREFIX}{payload} -->"


def read_state(body: str) -> dict[str, str] | None:
    """The state of a body that starts with our marker (None when it does not)."""
    match = _MARKER.match(body)
    if not match:
        return None
    if not match.group(1):
        return {}
    try:
        data: Any = json.loads(match.group(1))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(k, str) and isinstance(v, str) and _SAFE_VALUE.match(k)
            and _SAFE_VALUE.match(v)}


def find_sticky(comments: list[IssueComment]) -> Sticky:
    """Our comment among ``comments``: a bot's first, then anyone's; the oldest wins."""
    ours = [(c, read_state(c.body)) for c in comments]
    candidates = [(c, s) for c, s in ours if s is not None]
    if not candidates:
        return Sticky(None)
    bots = [(c, s) for c, s in candidates if c.user.endswith("[bot]")]
    comment, state = (bots or candidates)[0]
    return Sticky(comment, state or {})


def load_sticky(client: GitHubClient, ref: PullRef) -> Sticky:
    """Our comment on the pull request, if any (raises GitHubError)."""
    return find_sticky(client.list_issue_comments(ref))


def post_sticky(client: GitHubClient, ref: PullRef, report: str, state: dict[str, str],
                existing: Sticky | None = None) -> CommentResult:
    """Create our comment, or replace the body of the one already there (raises GitHubError)."""
    head = marker(state) + "\n"
    body = head + clip_utf8(report, COMMENT_LIMIT - len(head.encode("utf-8")) - 64)
    sticky = existing if existing is not None else load_sticky(client, ref)
    if sticky.comment is not None:
        updated = client.update_issue_comment(ref, sticky.comment.id, body)
        return CommentResult("updated", updated.id)
    created = client.create_issue_comment(ref, body)
    return CommentResult("created", created.id)

"""The words the Slack app says: usage, progress, refusals and errors (one line each).

Error texts never contain a stack trace or a secret: they are built from the reviewer's
one-line error messages and passed through :meth:`SlackSettings.scrub` by the caller.
"""

from __future__ import annotations

from reviewer.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubTooLargeError,
    InputError,
    ReviewerError,
    StoreError,
    UnsupportedInputError,
)
from reviewer.store.records import Acknowledgement, Approval, SeniorRequest

MAX_ERROR_CHARS = 600

USAGE = ("Give me something to review: `/risk-review https://github.com/org/repo/pull/123`, "
         "or paste a diff, plan or script in a ```code block```. In a thread, mention me "
         "next to a PR link, a pasted diff or an attached .diff/.patch/plan .json/.sql/"
         ".yaml/.sh file, or use the message shortcut *Review change risk*.")

NOT_REVIEWED = "Not reviewed: treat this change as needing a human review."


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def error_text(exc: BaseException, what: str, *, max_diff_bytes: int,
               incident: str = "") -> str:
    """A short message for the thread saying why ``what`` could not be reviewed."""
    head = f":warning: Couldn't review {what}: "
    if isinstance(exc, GitHubNotFoundError):
        body = ("the pull request was not found, or the reviewer's GitHub token has no "
                "access to it.")
    elif isinstance(exc, GitHubAuthError):
        body = (f"GitHub refused the reviewer's credentials (HTTP {exc.status}); an admin "
                "should check GITHUB_TOKEN and its repository access.")
    elif isinstance(exc, GitHubRateLimitError):
        body = "GitHub's rate limit is exhausted; try again in a few minutes."
    elif isinstance(exc, GitHubTooLargeError):
        body = (f"the change is too big to review in Slack (its diff is over "
                f"{_mb(max_diff_bytes)}); run `reviewer review` in CI or locally.")
    elif isinstance(exc, GitHubError):
        body = f"GitHub could not be asked ({exc})."
    elif isinstance(exc, UnsupportedInputError):
        body = f"unsupported input ({exc}). {USAGE}"
    elif isinstance(exc, InputError):
        body = f"{exc}."
    elif isinstance(exc, StoreError):
        body = "the review database is unavailable; an admin should check the app's log."
    elif isinstance(exc, ReviewerError):
        body = f"{exc}."
    else:
        ref = f" (incident {incident})" if incident else ""
        body = f"something went wrong inside the reviewer{ref}; the details are in its log."
    text = " ".join(f"{head}{body} {NOT_REVIEWED}".split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _when(value: object) -> str:
    stamp = getattr(value, "strftime", None)
    return stamp("%Y-%m-%d %H:%M UTC") if stamp else str(value)


def status_line(approvals: list[Approval], acks: list[Acknowledgement],
                senior: SeniorRequest | None) -> str:
    """What has happened to a review since its verdict: approvals, acks, escalation."""
    parts: list[str] = []
    for a in approvals:
        parts.append(f":white_check_mark: Approved by <@{a.user}> for commit "
                     f"`{a.head_sha[:12]}` ({_when(a.at)})")
    for k in acks:
        parts.append(f":eyes: Risk acknowledged by <@{k.user}> ({_when(k.at)})")
    if senior is not None:
        parts.append(f":rotating_light: Senior review requested by <@{senior.requested_by}> "
                     f"({_when(senior.at)})")
    return " · ".join(parts)


def when(value: object) -> str:
    """A timestamp as people read it in Slack."""
    return _when(value)

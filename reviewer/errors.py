"""The reviewer's exception tree.

Every error the reviewer raises on purpose is a ``ReviewerError``::

    ReviewerError
    ├── UsageError                  # bad flags or arguments; CLI exit 2
    ├── ConfigError                 # bad or missing settings; CLI exit 2
    ├── InputError                  # an artifact could not be read; names the file; CLI exit 2
    │   ├── UnsupportedInputError   # no parser accepts this artifact
    │   └── ParseError              # the parser for its kind rejected it
    ├── DetectorError               # a detector crashed; raised with --strict, else recorded
    ├── GitError                    # a git command failed for --git
    ├── GitHubError                 # the GitHub API refused or failed (status, one line)
    │   ├── GitHubNotFoundError     # 404: no such pull request, or no access to it
    │   ├── GitHubAuthError         # 401/403: bad token or missing permission
    │   ├── GitHubRateLimitError    # rate limited
    │   └── GitHubTooLargeError     # the diff is over the size limit
    ├── StoreError                  # the review database cannot be opened or written
    └── SlackInputError             # a Slack request names nothing reviewable

Messages are one line, name the object and say what is wrong, so a boundary (the CLI,
the Slack handler, CI) can print ``str(exc)`` to a human as it is.
"""

from __future__ import annotations


class ReviewerError(Exception):
    """Base of every error raised on purpose by the reviewer."""


class UsageError(ReviewerError):
    """The command line or API call was used wrongly."""


class ConfigError(ReviewerError):
    """A setting is missing or invalid."""


class InputError(ReviewerError):
    """An input artifact cannot be read.

    ``path`` names the artifact (``-`` for standard input) and ``reason`` says why, so
    ``str(exc)`` is ``"<path>: <reason>"``.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UnsupportedInputError(InputError):
    """No parser accepts the artifact."""


class ParseError(InputError):
    """The parser for the artifact's kind rejected it."""

    def __init__(self, path: str, reason: str, *, kind: str = "", line: int | None = None) -> None:
        self.kind = kind
        self.line = line
        where = f" (line {line})" if line is not None else ""
        super().__init__(path, f"{reason}{where}")


class DetectorError(ReviewerError):
    """A detector raised while reviewing a document (re-raised only in strict mode)."""

    def __init__(self, code: str, path: str, error: BaseException) -> None:
        self.code = code
        self.path = path
        self.error = error
        super().__init__(f"detector {code} crashed on {path}: {type(error).__name__}: {error}")


class GitError(ReviewerError):
    """A git command needed for ``--git`` failed."""


class GitHubError(ReviewerError):
    """The GitHub API refused a request or could not be reached (``status`` 0)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class GitHubNotFoundError(GitHubError):
    """404: the pull request does not exist, or the token cannot see it."""


class GitHubAuthError(GitHubError):
    """401/403: the token is missing, wrong, or lacks a permission."""


class GitHubRateLimitError(GitHubError):
    """The API's rate limit is exhausted."""


class GitHubTooLargeError(GitHubError):
    """The pull request's diff is larger than the reviewer will read."""


class StoreError(ReviewerError):
    """The review database cannot be opened or written (URL shown without its password)."""


class SlackInputError(ReviewerError):
    """A Slack request carries nothing the reviewer can review (no PR link, diff or file)."""

"""A small GitHub REST client: what the Slack app and the CI gate need, and nothing else.

It speaks to ``GITHUB_API_URL`` (``https://api.github.com`` by default; GitHub Enterprise
Server's ``https://HOST/api/v3`` works the same) with the standard library's HTTP client, so
it adds no dependency. Every failure becomes one ``GitHubError`` subclass with a one-line
message; the token never appears in a message.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reviewer import __version__
from reviewer.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubTooLargeError,
)

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_MAX_DIFF_BYTES = 20 * 1024 * 1024
#: Largest repository file read through the contents API (the reviewer's config files).
DEFAULT_MAX_FILE_BYTES = 1024 * 1024
_PAGE_SIZE = 100
_MAX_PAGES = 30
#: Commits listed for one pull request (GitHub's own limit on this endpoint is 250).
_MAX_COMMITS = 250

_URL = re.compile(
    r"https?://[^/\s]+/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/pulls?/(?P<number>\d+)\b")
_SHORT = re.compile(r"(?<![\w/.-])(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)#(?P<number>\d+)\b")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class PullRef:
    """Which pull request: ``owner/repo#number``."""

    owner: str
    repo: str
    number: int

    @property
    def slug(self) -> str:
        """``owner/repo#123``: the subject under which reviews and approvals are stored."""
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def full_name(self) -> str:
        """``owner/repo``."""
        return f"{self.owner}/{self.repo}"


def parse_pull_url(text: str) -> PullRef | None:
    """The first pull request named in ``text``: a PR URL (any host) or ``owner/repo#123``."""
    match = _URL.search(text) or _SHORT.search(text)
    if not match:
        return None
    return PullRef(match["owner"], match["repo"].removesuffix(".git"), int(match["number"]))


@dataclass(frozen=True)
class Commit:
    """One commit of a pull request."""

    sha: str
    message: str
    author: str


@dataclass(frozen=True)
class PullRequest:
    """What the reviewer reads of a pull request."""

    ref: PullRef
    title: str
    body: str
    author: str
    html_url: str
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    #: ``owner/repo`` of the head branch's repository: differs from the base for forks.
    head_repo: str
    labels: tuple[str, ...]
    commits: tuple[Commit, ...]
    diff: str

    @property
    def from_fork(self) -> bool:
        """True when the head branch lives in another repository."""
        return bool(self.head_repo) and self.head_repo.lower() != self.ref.full_name.lower()


@dataclass(frozen=True)
class IssueComment:
    """A conversation comment on a pull request."""

    id: int
    body: str
    user: str


@dataclass(frozen=True)
class Review:
    """A pull-request review: who, what state, on which commit."""

    id: int
    user: str
    state: str
    commit_id: str


def _login(obj: Any) -> str:
    return str(obj.get("login", "")) if isinstance(obj, Mapping) else ""


def _message(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return payload[:200].decode("utf-8", "replace").strip()
    if isinstance(data, Mapping):
        return str(data.get("message", "")).strip()
    return ""


class GitHubClient:
    """Calls to the GitHub REST API, authenticated with ``token`` when one is given."""

    def __init__(self, token: str | None, api_url: str = DEFAULT_API_URL, *,
                 timeout: float = 30.0, max_diff_bytes: int = DEFAULT_MAX_DIFF_BYTES,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self._token = token or None
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.timeout = timeout
        self.max_diff_bytes = max_diff_bytes
        self.max_file_bytes = max_file_bytes

    def __repr__(self) -> str:
        token = "set" if self._token else "none"
        return f"GitHubClient(api_url={self.api_url!r}, token={token})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> GitHubClient:
        """A client configured by ``GITHUB_TOKEN`` and ``GITHUB_API_URL``."""
        return cls(env.get("GITHUB_TOKEN") or None, env.get("GITHUB_API_URL") or DEFAULT_API_URL)

    @property
    def has_token(self) -> bool:
        """Whether requests are authenticated."""
        return self._token is not None

    # --- transport ---------------------------------------------------------------------

    def _request(self, method: str, path: str, *, body: Any = None,
                 accept: str = "application/vnd.github+json",
                 limit: int | None = None) -> tuple[bytes, dict[str, str]]:
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - API URL
        request.add_header("Accept", accept)
        request.add_header("User-Agent", f"change-risk-reviewer/{__version__}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        what = f"GitHub {method} {urllib.parse.urlsplit(url).path}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                headers = {k.lower(): v for k, v in response.headers.items()}
                cap = limit if limit is not None else 64 * 1024 * 1024
                payload: bytes = response.read(cap + 1)
                if len(payload) > cap:
                    raise GitHubTooLargeError(
                        413, f"{what}: the response is larger than {cap} bytes")
                return payload, headers
        except urllib.error.HTTPError as exc:
            raise self._error(what, exc.code, exc.read(4096),
                              {k.lower(): v for k, v in exc.headers.items()}) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(0, f"{what}: cannot reach {self.api_url}: {reason}") from None

    def _error(self, what: str, status: int, payload: bytes,
               headers: Mapping[str, str]) -> GitHubError:
        detail = _message(payload)
        suffix = f": {detail}" if detail else ""
        if status == 404:
            return GitHubNotFoundError(
                status, f"{what}: not found (no such pull request, or the token has no "
                        f"access to it){suffix}")
        if status == 429 or (status == 403 and (headers.get("x-ratelimit-remaining") == "0"
                                                or "rate limit" in detail.lower())):
            reset = headers.get("x-ratelimit-reset") or headers.get("retry-after") or "?"
            return GitHubRateLimitError(status, f"{what}: rate limited (reset {reset}){suffix}")
        if status in (401, 403):
            hint = "no token is set (GITHUB_TOKEN)" if not self._token else \
                "the token is invalid or lacks permission"
            return GitHubAuthError(status, f"{what}: HTTP {status}, {hint}{suffix}")
        if status in (406, 422) and "diff" in detail.lower():
            return GitHubTooLargeError(status, f"{what}: GitHub will not serve this diff{suffix}")
        return GitHubError(status, f"{what}: HTTP {status}{suffix}")

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        payload, _ = self._request(method, path, body=body)
        try:
            return json.loads(payload) if payload else None
        except ValueError:
            raise GitHubError(200, f"GitHub {method} {path}: the answer is not JSON") from None

    def _pages(self, path: str, *, max_items: int | None = None) -> Iterator[Mapping[str, Any]]:
        sep = "&" if "?" in path else "?"
        url: str | None = f"{path}{sep}per_page={_PAGE_SIZE}"
        seen = 0
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            payload, headers = self._request("GET", url)
            try:
                items = json.loads(payload)
            except ValueError:
                raise GitHubError(200, f"GitHub GET {path}: the answer is not JSON") from None
            if not isinstance(items, list):
                raise GitHubError(200, f"GitHub GET {path}: expected a list")
            for item in items:
                if isinstance(item, Mapping):
                    yield item
                    seen += 1
                    if max_items is not None and seen >= max_items:
                        return
            match = _NEXT.search(headers.get("link", ""))
            url = match.group(1) if match else None

    @staticmethod
    def _base(ref: PullRef) -> str:
        owner = urllib.parse.quote(ref.owner, safe="")
        repo = urllib.parse.quote(ref.repo, safe="")
        return f"/repos/{owner}/{repo}"

    # --- pull requests -----------------------------------------------------------------

    def pull_request(self, ref: PullRef, *, with_diff: bool = True) -> PullRequest:
        """Title, body, head/base, labels, commits and (by default) the unified diff."""
        data = self._json("GET", f"{self._base(ref)}/pulls/{ref.number}")
        if not isinstance(data, Mapping):
            raise GitHubError(200, f"GitHub: pull request {ref.slug} answer is not an object")
        head = data.get("head") or {}
        base = data.get("base") or {}
        head_repo = (head.get("repo") or {}).get("full_name", "") if isinstance(head, Mapping) \
            else ""
        labels = tuple(str(lb.get("name", "")) for lb in data.get("labels") or []
                       if isinstance(lb, Mapping))
        return PullRequest(
            ref=ref,
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            author=_login(data.get("user")),
            html_url=str(data.get("html_url") or ""),
            head_sha=str(head.get("sha", "")),
            base_sha=str(base.get("sha", "")),
            head_ref=str(head.get("ref", "")),
            base_ref=str(base.get("ref", "")),
            head_repo=str(head_repo or ""),
            labels=labels,
            commits=tuple(self.pull_commits(ref)),
            diff=self.pull_diff(ref) if with_diff else "",
        )

    def pull_commits(self, ref: PullRef) -> list[Commit]:
        """The pull request's commits, oldest first."""
        commits = []
        for item in self._pages(f"{self._base(ref)}/pulls/{ref.number}/commits",
                                max_items=_MAX_COMMITS):
            commit = item.get("commit") or {}
            author = _login(item.get("author")) or str((commit.get("author") or {})
                                                       .get("name", ""))
            commits.append(Commit(sha=str(item.get("sha", "")),
                                  message=str(commit.get("message", "")), author=author))
        return commits

    def pull_diff(self, ref: PullRef) -> str:
        """The pull request's unified diff (``git diff base...head``), size-limited."""
        try:
            payload, _ = self._request("GET", f"{self._base(ref)}/pulls/{ref.number}",
                                       accept="application/vnd.github.diff",
                                       limit=self.max_diff_bytes)
        except GitHubTooLargeError as exc:
            raise GitHubTooLargeError(
                exc.status, f"pull request {ref.slug}: the diff is larger than "
                            f"{self.max_diff_bytes} bytes") from None
        return payload.decode("utf-8", "replace")

    # --- repository files ----------------------------------------------------------------

    def file_at(self, ref: PullRef, path: str, rev: str) -> str | None:
        """The text of ``path`` at commit ``rev`` of the pull request's repository.

        None when there is no such file at ``rev`` (HTTP 404).

        Raises:
            GitHubTooLargeError: the file is larger than ``max_file_bytes``.
            GitHubError: any other refusal, or the file is not UTF-8 text.
        """
        if not rev or not path or path.startswith("/") or ".." in path.split("/"):
            raise GitHubError(0, f"GitHub: {ref.full_name}: reading a file needs a relative "
                                 f"path and a commit, got {path!r} at {rev!r}")
        where = f"{ref.full_name}:{path} at {rev[:12]}"
        query = urllib.parse.urlencode({"ref": rev})
        try:
            payload, _ = self._request(
                "GET", f"{self._base(ref)}/contents/{urllib.parse.quote(path)}?{query}",
                accept="application/vnd.github.raw", limit=self.max_file_bytes)
        except GitHubNotFoundError:
            return None
        except GitHubTooLargeError as exc:
            raise GitHubTooLargeError(
                exc.status, f"{where}: the file is larger than {self.max_file_bytes} bytes",
            ) from None
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            raise GitHubError(200, f"{where}: not UTF-8 text") from None

    # --- comments and reviews ----------------------------------------------------------

    @staticmethod
    def _comment(data: Any) -> IssueComment:
        if not isinstance(data, Mapping):
            raise GitHubError(200, "GitHub: the comment answer is not an object")
        return IssueComment(id=int(data.get("id", 0)), body=str(data.get("body") or ""),
                            user=_login(data.get("user")))

    def list_issue_comments(self, ref: PullRef) -> list[IssueComment]:
        """Every conversation comment of the pull request."""
        return [self._comment(c)
                for c in self._pages(f"{self._base(ref)}/issues/{ref.number}/comments")]

    def create_issue_comment(self, ref: PullRef, body: str) -> IssueComment:
        """Add a conversation comment."""
        return self._comment(self._json(
            "POST", f"{self._base(ref)}/issues/{ref.number}/comments", {"body": body}))

    def update_issue_comment(self, ref: PullRef, comment_id: int, body: str) -> IssueComment:
        """Replace a comment's body."""
        return self._comment(self._json(
            "PATCH", f"{self._base(ref)}/issues/comments/{int(comment_id)}", {"body": body}))

    def list_reviews(self, ref: PullRef) -> list[Review]:
        """Every review of the pull request, with the commit each was made on."""
        return [Review(id=int(r.get("id", 0)), user=_login(r.get("user")),
                       state=str(r.get("state", "")), commit_id=str(r.get("commit_id", "")))
                for r in self._pages(f"{self._base(ref)}/pulls/{ref.number}/reviews")]

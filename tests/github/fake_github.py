"""A fake GitHub REST API on loopback, for tests of everything that talks to GitHub.

It serves the endpoints the reviewer uses (pull request JSON and diff, commits, issue
comments, reviews, file contents at a commit) from in-memory state, paginates like GitHub
(``per_page``/``page`` and a ``Link: rel="next"`` header), checks the bearer token when one
is required, records every request, and can be told to fail a path a number of times.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.github.loopback import QuietJSONHandler


@dataclass
class FakePull:
    owner: str
    repo: str
    number: int
    title: str = "A change"
    body: str = ""
    diff: str = ""
    head_sha: str = "a" * 40
    base_sha: str = "b" * 40
    head_ref: str = "feature"
    base_ref: str = "main"
    head_repo: str = ""
    author: str = "dev"
    labels: list[str] = field(default_factory=list)
    #: Each commit: {"sha", "message", "author"}.
    commits: list[dict[str, str]] = field(default_factory=list)
    #: Each review: {"user", "state", "commit_id"}.
    reviews: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    #: The query string, undecoded ("" when none).
    query: str = ""


class FakeGitHub:
    """Start with ``with FakeGitHub() as gh:``; point clients at ``gh.url``."""

    def __init__(self, *, token: str | None = None, page_size: int | None = None) -> None:
        self.token = token
        #: Forces a smaller page than ``per_page`` asks, to exercise pagination.
        self.page_size = page_size
        self.pulls: dict[tuple[str, str, int], FakePull] = {}
        #: (owner, repo, number) -> list of {"id", "body", "user"}.
        self.comments: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        #: (owner, repo, path, commit) -> the file's bytes.
        self.files: dict[tuple[str, str, str, str], bytes] = {}
        self.requests: list[Recorded] = []
        self._failures: list[list[Any]] = []
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: The login the API answers for the token's user (comment authors).
        self.bot_login = "github-actions[bot]"

    # --- set-up --------------------------------------------------------------------------

    def add_pull(self, owner: str, repo: str, number: int, **fields: Any) -> FakePull:
        pull = FakePull(owner, repo, number, **fields)
        if not pull.head_repo:
            pull.head_repo = f"{owner}/{repo}"
        self.pulls[(owner, repo, number)] = pull
        self.comments.setdefault((owner, repo, number), [])
        return pull

    def add_file(self, owner: str, repo: str, path: str, rev: str, text: str | bytes) -> None:
        """Commit ``rev`` of ``owner/repo`` holds ``path`` with this content."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.files[(owner, repo, path, rev)] = data

    def fail(self, path_prefix: str, status: int, *, times: int = 1,
             message: str = "failure", headers: dict[str, str] | None = None) -> None:
        """Answer requests whose path starts with ``path_prefix`` with ``status``."""
        self._failures.append([path_prefix, status, times, message, headers or {}])

    def requests_to(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeGitHub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- behaviour -----------------------------------------------------------------------

    def _take_failure(self, path: str) -> list[Any] | None:
        with self._lock:
            for failure in self._failures:
                if path.startswith(failure[0]) and failure[2] > 0:
                    failure[2] -= 1
                    return failure
        return None

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id


_ROUTES = [
    ("GET", re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)$"), "pull"),
    ("GET", re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/commits$"), "commits"),
    ("GET", re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews$"), "reviews"),
    ("GET", re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$"), "comments"),
    ("POST", re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$"), "create_comment"),
    ("PATCH", re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$"), "update_comment"),
    ("GET", re.compile(r"^/repos/([^/]+)/([^/]+)/contents/(.+)$"), "contents"),
]


def _handler(gh: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietJSONHandler):
        def _handle(self, method: str) -> None:
            split = urllib.parse.urlsplit(self.path)
            path = split.path.removeprefix("/api/v3")
            query = urllib.parse.parse_qs(split.query)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            gh.requests.append(Recorded(method, path, dict(self.headers.items()), body,
                                        split.query))
            failure = gh._take_failure(path)
            if failure is not None:
                self._send(failure[1], {"message": failure[3]}, headers=failure[4])
                return
            if gh.token is not None and self.headers.get("Authorization") != f"Bearer {gh.token}":
                self._send(401, {"message": "Bad credentials"})
                return
            for verb, pattern, name in _ROUTES:
                match = pattern.match(path)
                if verb == method and match:
                    getattr(self, f"_{name}")(match, query, body)
                    return
            self._send(404, {"message": "Not Found"})

        def _pull_of(self, match: re.Match[str]) -> FakePull | None:
            return gh.pulls.get((match[1], match[2], int(match[3])))

        def _paged(self, items: list[Any], query: dict[str, list[str]]) -> None:
            per_page = int(query.get("per_page", ["30"])[0])
            if gh.page_size:
                per_page = min(per_page, gh.page_size)
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(items):
                parts = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(parts.query)
                q["page"] = [str(page + 1)]
                q["per_page"] = [str(per_page)]
                nxt = f"{gh.url}{parts.path}?{urllib.parse.urlencode(q, doseq=True)}"
                headers["Link"] = f'<{nxt}>; rel="next"'
            self._send(200, chunk, headers=headers)

        def _pull(self, match: re.Match[str], query: dict[str, list[str]], body: Any) -> None:
            pull = self._pull_of(match)
            if pull is None:
                self._send(404, {"message": "Not Found"})
                return
            if "diff" in (self.headers.get("Accept") or ""):
                self._send(200, pull.diff.encode(), content_type="text/plain; charset=utf-8")
                return
            self._send(200, {
                "number": pull.number, "title": pull.title, "body": pull.body,
                "user": {"login": pull.author},
                "html_url": f"https://github.example/{pull.owner}/{pull.repo}/pull/{pull.number}",
                "head": {"sha": pull.head_sha, "ref": pull.head_ref,
                         "repo": {"full_name": pull.head_repo}},
                "base": {"sha": pull.base_sha, "ref": pull.base_ref,
                         "repo": {"full_name": f"{pull.owner}/{pull.repo}"}},
                "labels": [{"name": name} for name in pull.labels],
            })

        def _commits(self, match: re.Match[str], query: dict[str, list[str]], body: Any) -> None:
            pull = self._pull_of(match)
            if pull is None:
                self._send(404, {"message": "Not Found"})
                return
            self._paged([{"sha": c.get("sha", ""),
                          "commit": {"message": c.get("message", ""),
                                     "author": {"name": c.get("author", "")}},
                          "author": {"login": c.get("author", "")}} for c in pull.commits], query)

        def _reviews(self, match: re.Match[str], query: dict[str, list[str]], body: Any) -> None:
            pull = self._pull_of(match)
            if pull is None:
                self._send(404, {"message": "Not Found"})
                return
            self._paged([{"id": i + 1, "user": {"login": r["user"]}, "state": r["state"],
                          "commit_id": r.get("commit_id", pull.head_sha)}
                         for i, r in enumerate(pull.reviews)], query)

        def _comments(self, match: re.Match[str], query: dict[str, list[str]], body: Any) -> None:
            key = (match[1], match[2], int(match[3]))
            if key not in gh.comments:
                self._send(404, {"message": "Not Found"})
                return
            self._paged([{"id": c["id"], "body": c["body"], "user": {"login": c["user"]}}
                         for c in gh.comments[key]], query)

        def _create_comment(self, match: re.Match[str], query: dict[str, list[str]],
                            body: Any) -> None:
            key = (match[1], match[2], int(match[3]))
            if key not in gh.comments:
                self._send(404, {"message": "Not Found"})
                return
            comment = {"id": gh.new_id(), "body": str(body.get("body", "")),
                       "user": gh.bot_login}
            gh.comments[key].append(comment)
            self._send(201, {"id": comment["id"], "body": comment["body"],
                             "user": {"login": comment["user"]}})

        def _update_comment(self, match: re.Match[str], query: dict[str, list[str]],
                            body: Any) -> None:
            wanted = int(match[3])
            for comments in gh.comments.values():
                for comment in comments:
                    if comment["id"] == wanted:
                        comment["body"] = str(body.get("body", ""))
                        self._send(200, {"id": wanted, "body": comment["body"],
                                         "user": {"login": comment["user"]}})
                        return
            self._send(404, {"message": "Not Found"})

        def _contents(self, match: re.Match[str], query: dict[str, list[str]],
                      body: Any) -> None:
            """A file at ``?ref=``: raw bytes, or GitHub's JSON object with base64 content."""
            path = urllib.parse.unquote(match[3])
            rev = query.get("ref", [""])[0]
            data = gh.files.get((match[1], match[2], path, rev))
            if data is None:
                self._send(404, {"message": "Not Found"})
                return
            if "raw" in (self.headers.get("Accept") or ""):
                self._send(200, data, content_type="application/vnd.github.raw")
                return
            self._send(200, {"type": "file", "path": path, "size": len(data),
                             "encoding": "base64",
                             "content": base64.b64encode(data).decode("ascii")})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

    return Handler

"""A fake Slack Web API on loopback: records every call and answers like Slack.

Point ``WebClient(base_url=fake.api_url)`` at it. It serves the methods the app uses
(chat.postMessage/update/postEphemeral, conversations.replies, files.info, the three steps
of files_upload_v2) plus file downloads under ``/files/`` (bot token required) and a
``/webhook`` for response URLs. ``rate_limit(method, retry_after)`` answers the next call of
a method with HTTP 429 and a Retry-After header, once; ``refuse(channel, error)`` makes
posts to a channel fail with a Slack error.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.github.loopback import QuietJSONHandler

BOT_TOKEN = "xoxb-test-0000-secret-token"


@dataclass
class Call:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int


class FakeSlack:
    """``with FakeSlack() as slack:``; ``slack.api_url`` is the Web API base URL."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.file_info: dict[str, dict[str, Any]] = {}
        self.threads: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.uploads: dict[str, bytes] = {}
        self._rate_limits: dict[str, list[int]] = {}
        self._refused: dict[str, str] = {}
        self._ts = 1_700_000_000_000_100
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def add_file(self, file_id: str, name: str, data: bytes, *,
                 content_type: str = "text/plain") -> dict[str, Any]:
        """Serve a file and return its Slack file object."""
        self.files[file_id] = (data, content_type)
        info = {"id": file_id, "name": name, "size": len(data),
                "url_private_download": f"{self.url}/files/{file_id}/{name}",
                "url_private": f"{self.url}/files/{file_id}/{name}", "mimetype": content_type}
        self.file_info[file_id] = info
        return info

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self._rate_limits[method] = [retry_after, times]

    def refuse(self, channel: str, error: str = "not_in_channel") -> None:
        self._refused[channel] = error

    # --- queries -------------------------------------------------------------------------

    def calls_to(self, method: str, *, status: int | None = 200) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method
                    and (status is None or c.status == status)]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (for work on other threads)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.calls_to(method))} times, "
                             f"wanted {count}")

    def sent_text(self) -> str:
        """Everything the app sent, as one string (for "no secret leaked" checks)."""
        with self._lock:
            return "\n".join(json.dumps(c.params, default=str) for c in self.calls)

    # --- life cycle ----------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- behaviour -----------------------------------------------------------------------

    def next_ts(self) -> str:
        with self._lock:
            self._ts += 100
            return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def take_rate_limit(self, method: str) -> int | None:
        with self._lock:
            found = self._rate_limits.get(method)
            if found and found[1] > 0:
                found[1] -= 1
                return found[0]
        return None

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or params.get("channel_id") or "")
        if method == "chat.postMessage":
            if channel in self._refused:
                return {"ok": False, "error": self._refused[channel]}
            return {"ok": True, "channel": channel, "ts": self.next_ts(),
                    "message": {"text": params.get("text", "")}}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method == "conversations.replies":
            return {"ok": True, "messages": self.threads.get((channel, str(params.get("ts"))),
                                                             [])}
        if method == "files.info":
            info = self.file_info.get(str(params.get("file")))
            return {"ok": True, "file": info} if info else {"ok": False,
                                                            "error": "file_not_found"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{self.next_ts().replace('.', '')}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}",
                    "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            parsed = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")}
                                          for f in parsed]}
        return {"ok": False, "error": "unknown_method"}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietJSONHandler):
        def _authorised(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {fake.token}"

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/files/"):
                file_id = path.split("/")[2]
                fake.record(Call("GET /files", {"file": file_id}, dict(self.headers.items()),
                                 200 if self._authorised() else 403))
                if not self._authorised():
                    self._send(200, b"<html>login</html>", content_type="text/html")
                    return
                found = fake.files.get(file_id)
                if found is None:
                    self._send(404, {"error": "not found"})
                    return
                self._send(200, found[0], content_type=found[1])
                return
            self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            split = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            if split.path.startswith("/upload/"):
                fake.uploads[split.path.split("/")[2]] = raw
                fake.record(Call("upload", {"size": len(raw)}, headers, 200))
                self._send(200, b"OK", content_type="text/plain")
                return
            if split.path == "/webhook":
                fake.record(Call("webhook", json.loads(raw or b"{}"), headers, 200))
                self._send(200, b"ok", content_type="text/plain")
                return
            method = split.path.removeprefix("/api/")
            params: dict[str, Any] = dict(urllib.parse.parse_qsl(split.query))
            if raw:
                if "json" in (self.headers.get("Content-Type") or ""):
                    params.update(json.loads(raw))
                else:
                    params.update(urllib.parse.parse_qsl(raw.decode()))
            retry_after = fake.take_rate_limit(method)
            if retry_after is not None:
                fake.record(Call(method, params, headers, 429))
                self._send(429, {"ok": False, "error": "ratelimited"},
                           headers={"Retry-After": str(retry_after)})
                return
            if not self._authorised():
                fake.record(Call(method, params, headers, 200))
                self._send(200, {"ok": False, "error": "not_authed"})
                return
            fake.record(Call(method, params, headers, 200))
            self._send(200, fake.answer(method, params))

    return Handler

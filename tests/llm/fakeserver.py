"""A loopback HTTP server that speaks just enough of the chat completions API.

Each test scripts the replies, in order; the server records every request body (raw and
decoded) so tests can assert on what the real ``openai`` client sent. It listens on
``127.0.0.1`` on a free port and never talks to anything else.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(content: str | None, *, finish_reason: str = "stop",
               refusal: str | None = None, model: str = "fake-model",
               usage: dict[str, int] | None = None) -> dict[str, Any]:
    """A minimal chat.completion body (valid even for the SDK's strict validation)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    body: dict[str, Any] = {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    body["usage"] = usage or {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    return body


@dataclass
class Reply:
    """One scripted reply."""

    status: int = 200
    #: A dict is sent as JSON; a string as it is.
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering (ends early when the server stops).
    delay: float = 0.0
    #: Send the body one byte every ``trickle`` seconds (a server that never times out).
    trickle: float = 0.0


Script = Callable[[dict[str, Any]], Reply]


class FakeOpenAIServer:
    """The server; use :func:`serve` to run one for a test."""

    def __init__(self, replies: list[Reply] | Script) -> None:
        self._replies = replies
        self.requests: list[dict[str, Any]] = []
        self.raw_bodies: list[bytes] = []
        self.paths: list[str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to give the client."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if callable(self._replies):
                return self._replies(body)
            if not self._replies:
                return Reply(500, {"error": {"message": "fake server: script exhausted"}})
            return self._replies.pop(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                try:
                    decoded = json.loads(raw)
                except ValueError:
                    decoded = {}
                with server._lock:
                    server.raw_bodies.append(raw)
                    server.requests.append(decoded)
                    server.paths.append(self.path)
                reply = server._next(decoded)
                if reply.delay and server.stopping.wait(reply.delay):
                    return
                payload = (reply.body if isinstance(reply.body, str)
                           else json.dumps(reply.body if reply.body is not None else {}))
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if reply.trickle:
                        for i in range(len(data)):
                            if server.stopping.wait(reply.trickle):
                                return
                            self.wfile.write(data[i:i + 1])
                            self.wfile.flush()
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port (slow handlers end at once)."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        time.sleep(0)  # let handler threads notice the stop


@contextmanager
def serve(replies: list[Reply] | Script) -> Iterator[FakeOpenAIServer]:
    """Run a :class:`FakeOpenAIServer` for the duration of the ``with`` block."""
    server = FakeOpenAIServer(replies)
    server.start()
    try:
        yield server
    finally:
        server.stop()

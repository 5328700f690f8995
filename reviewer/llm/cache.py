"""The answer cache: one SQLite file, keyed by (prompt version, model, rendered prompt).

Reviewing the same change twice with the same prompt version and model costs one call.
The key is computed over the rendered messages with the review's random fence boundary
replaced by a fixed marker, so the boundary (new for every review) does not defeat the
cache. Only validated answers are stored. A cache that cannot be opened or written is
reported and skipped: it never fails a review.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.llm.client import Message, Usage

__all__ = ["AnswerCache", "CachedAnswer", "cache_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    prompt_version TEXT NOT NULL,
    model TEXT NOT NULL,
    answer TEXT NOT NULL,
    usage TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    created_at REAL NOT NULL
)
"""


def cache_key(prompt_version: str, model: str, messages: Sequence[Message],
              boundary: str = "") -> str:
    """SHA-256 of the prompt version, the model and the messages (boundary neutralised)."""
    digest = hashlib.sha256()
    for part in (prompt_version, model):
        digest.update(part.encode())
        digest.update(b"\0")
    for message in messages:
        content = message.content.replace(boundary, "<boundary>") if boundary else \
            message.content
        digest.update(message.role.encode())
        digest.update(b"\0")
        digest.update(content.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A stored answer: the validated JSON and what the original call cost."""

    answer: dict[str, Any]
    model: str
    usage: Usage
    latency_ms: float


class AnswerCache:
    """Answers stored in a SQLite file (created with its folder on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5.0)
        conn.execute(_SCHEMA)
        return conn

    def get(self, key: str) -> CachedAnswer | None:
        """The answer stored under ``key``, if any.

        Raises:
            sqlite3.Error, OSError: the store cannot be read.
        """
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT answer, model, usage, latency_ms FROM answers WHERE key = ?",
                (key,)).fetchone()
        if row is None:
            return None
        answer = json.loads(row[0])
        if not isinstance(answer, dict):
            return None
        usage = json.loads(row[2])
        return CachedAnswer(answer=answer, model=str(row[1]),
                            usage=Usage.from_mapping(usage if isinstance(usage, dict) else None),
                            latency_ms=float(row[3]))

    def put(self, key: str, *, prompt_version: str, model: str, answer: dict[str, Any],
            usage: Usage, latency_ms: float) -> None:
        """Store (or replace) the answer under ``key``.

        Raises:
            sqlite3.Error, OSError: the store cannot be written.
        """
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, prompt_version, model, json.dumps(answer, sort_keys=True),
                 json.dumps(usage.as_dict()), latency_ms, time.time()))

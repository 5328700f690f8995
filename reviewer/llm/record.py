"""Record and replay model exchanges, for the eval suite and reproducible runs.

:class:`RecordingClient` wraps any :class:`~reviewer.llm.client.LLMClient` and writes each
exchange to ``<directory>/<key>.json``, where ``key`` is the request's cache key (see
:func:`reviewer.llm.cache.cache_key`): the request messages, the model, and the answer's
text, model, usage and validity. Answers that failed validation are recorded too, so a
replay goes through the same re-ask.

:class:`ReplayClient` answers only from such a directory. A prompt with no recording is an
:class:`~reviewer.llm.errors.LLMReplayMissingError`: the judge reports the LLM step as
unavailable with that reason, never a made-up answer.

File format (one JSON object, UTF-8, keys sorted)::

    {"key": "...", "prompt_version": "review.v1", "model": "<requested model>",
     "request": {"messages": [{"role": "system", "content": "..."}, ...],
                 "max_output_tokens": 2000, "temperature": 0.0},
     "response": {"content": "<raw answer text>", "model": "<model that answered>",
                  "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                  "latency_ms": 0.0, "valid": true, "errors": []}}
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from reviewer.llm.client import LLMClient, LLMRequest, LLMResult, Usage, parse_answer
from reviewer.llm.errors import LLMReplayMissingError, LLMResponseInvalidError

__all__ = ["RecordingClient", "ReplayClient", "record_path"]

T = TypeVar("T", bound=BaseModel)


def record_path(directory: Path, key: str) -> Path:
    """Where the exchange for ``key`` is recorded."""
    return directory / f"{key}.json"


def _write(directory: Path, request: LLMRequest, response: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "key": request.key,
        "prompt_version": request.prompt_version,
        "model": request.model,
        "request": {
            "messages": [m.as_dict() for m in request.messages],
            "max_output_tokens": request.max_output_tokens,
            "temperature": request.temperature,
        },
        "response": response,
    }
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".record-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, record_path(directory, request.key))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RecordingClient:
    """Wraps a client and records every exchange it answers (valid or not)."""

    def __init__(self, inner: LLMClient, directory: Path) -> None:
        self.inner = inner
        self.directory = directory

    def complete(self, request: LLMRequest, schema: type[T]) -> LLMResult[T]:
        """Answer through the wrapped client and record the exchange.

        Raises:
            LLMError: whatever the wrapped client raises (invalid answers are recorded
                first).
            OSError: the recording cannot be written.
        """
        try:
            result = self.inner.complete(request, schema)
        except LLMResponseInvalidError as exc:
            _write(self.directory, request, {
                "content": exc.raw_output, "model": request.model,
                "usage": Usage().as_dict(), "latency_ms": 0.0, "valid": False,
                "errors": list(exc.errors)})
            raise
        _write(self.directory, request, {
            "content": result.raw_text, "model": result.model,
            "usage": result.usage.as_dict(), "latency_ms": result.latency_ms,
            "valid": True, "errors": []})
        return result


class ReplayClient:
    """Answers from recorded exchanges only (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def complete(self, request: LLMRequest, schema: type[T]) -> LLMResult[T]:
        """The recorded answer to ``request``, validated against ``schema``.

        Raises:
            LLMReplayMissingError: nothing is recorded for the request's key.
            LLMResponseInvalidError: the recorded answer does not validate.
        """
        path = record_path(self.directory, request.key)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LLMReplayMissingError(
                f"replay: no recorded answer for this prompt (key {request.key[:16]}…) in "
                f"{self.directory}; record one with REVIEWER_LLM_RECORD_DIR") from None
        except (OSError, ValueError) as exc:
            raise LLMReplayMissingError(f"replay: cannot read {path}: {exc}") from exc
        response = raw.get("response") if isinstance(raw, dict) else None
        if not isinstance(response, dict) or not isinstance(response.get("content"), str):
            raise LLMReplayMissingError(f"replay: {path} has no response content")
        content: str = response["content"]
        value = parse_answer(schema, content)
        usage = response.get("usage")
        return LLMResult(
            value=value, raw_text=content, model=str(response.get("model") or request.model),
            usage=Usage.from_mapping(usage if isinstance(usage, dict) else None),
            latency_ms=0.0)

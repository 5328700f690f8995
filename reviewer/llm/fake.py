"""A function-backed :class:`~reviewer.llm.client.LLMClient` for tests, evals and demos.

Modelled on pydantic-ai's ``FunctionModel``: the function sees the whole request and
returns the answer, so a test can script any behaviour, including broken ones::

    def answer(request: LLMRequest) -> dict[str, object]:
        low = "pre-approved" in request.messages[-1].content
        return {...,"risk": "low" if low else "high", ...}

    outcome = judge(inp, settings, client=FakeLLMClient(answer))

The function may return the answer as a pydantic model, a mapping (sent as JSON) or a
string (sent as it is, so invalid JSON can be scripted); it may raise any
:class:`~reviewer.llm.errors.LLMError` to script a failure. The answer is validated like a
real one. Every request is kept in :attr:`FakeLLMClient.requests`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from reviewer.llm.client import LLMRequest, LLMResult, Usage, parse_answer

__all__ = ["FakeAnswer", "FakeLLMClient"]

T = TypeVar("T", bound=BaseModel)

#: What the scripted function may return.
FakeAnswer = BaseModel | Mapping[str, Any] | str


def _tokens(text: str) -> int:
    return -(-len(text) // 4)


class FakeLLMClient:
    """Answers each request with ``fn(request)``."""

    def __init__(self, fn: Callable[[LLMRequest], FakeAnswer], *, model: str = "fake") -> None:
        self.fn = fn
        self.model = model
        self.requests: list[LLMRequest] = []

    def complete(self, request: LLMRequest, schema: type[T]) -> LLMResult[T]:
        """Answer ``request`` with the scripted function's answer, validated.

        Raises:
            LLMResponseInvalidError: the scripted answer does not validate.
            LLMError: whatever the scripted function raises.
        """
        self.requests.append(request)
        start = time.perf_counter()
        answer = self.fn(request)
        if isinstance(answer, BaseModel):
            text = answer.model_dump_json()
        elif isinstance(answer, str):
            text = answer
        else:
            text = json.dumps(dict(answer))
        value = parse_answer(schema, text)
        prompt = sum(_tokens(m.content) for m in request.messages)
        completion = _tokens(text)
        return LLMResult(value=value, raw_text=text, model=self.model,
                         usage=Usage(prompt, completion, prompt + completion),
                         latency_ms=(time.perf_counter() - start) * 1000)

"""The LLM client protocol, its request and result types, and the request guard.

Everything above the adapters (:mod:`reviewer.llm.judge`, the service, evals) talks to a
model through :class:`LLMClient` only. Adapters:

* :class:`reviewer.llm.openai_client.OpenAIChatClient`: any OpenAI-compatible server;
* :class:`reviewer.llm.record.ReplayClient`: answers from recorded exchanges;
* :class:`reviewer.llm.fake.FakeLLMClient`: a function of the request (tests, evals).

``ALLOW_LLM_REQUESTS`` follows pydantic-ai's ``ALLOW_MODEL_REQUESTS``: a test suite sets it
to False so no test can reach a real model by accident. Loopback servers (``127.0.0.0/8``,
``::1``, ``localhost``) stay allowed, because they are fakes or a local model started by the
test itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from reviewer.llm.errors import LLMRequestsBlockedError, LLMResponseInvalidError

__all__ = [
    "ALLOW_LLM_REQUESTS",
    "LLMClient",
    "LLMRequest",
    "LLMResult",
    "Message",
    "Usage",
    "check_allow_llm_requests",
    "describe_validation_error",
    "invalid_answer",
    "is_loopback_url",
    "parse_answer",
]

#: Set to False (tests) to refuse every request to a non-loopback model server.
ALLOW_LLM_REQUESTS = True

Role = Literal["system", "user", "assistant"]

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        """The message as the chat completions API takes it."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens a call cost, as the server reported them (0 when it did not)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens,
                     self.completion_tokens + other.completion_tokens,
                     self.total_tokens + other.total_tokens)

    def as_dict(self) -> dict[str, int]:
        """The usage as a plain dict for the verdict."""
        return {"prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> Usage:
        """Read a usage dict (missing or non-integer counts become 0)."""
        if not raw:
            return cls()

        def count(name: str) -> int:
            value = raw.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        return cls(count("prompt_tokens"), count("completion_tokens"), count("total_tokens"))


@dataclass(frozen=True, slots=True)
class LLMRequest:
    """One request to a model: the messages and the budget to answer them in."""

    messages: tuple[Message, ...]
    model: str
    prompt_version: str
    #: Cache key of the prompt this request answers (a re-ask adds a ``.reask`` suffix);
    #: recorders and :class:`~reviewer.llm.record.ReplayClient` name exchanges by it.
    key: str
    #: Seconds left for this request, retries and backoff included.
    timeout_s: float
    max_output_tokens: int | None = 2000
    temperature: float | None = 0.0
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LLMResult(Generic[T]):
    """A validated answer and what it cost."""

    value: T
    #: The answer's text as the model sent it.
    raw_text: str
    #: The model that answered (as the server names it; the requested one otherwise).
    model: str
    usage: Usage
    latency_ms: float
    #: HTTP attempts the adapter made (retries included).
    attempts: int = 1


class LLMClient(Protocol):
    """Something that answers an :class:`LLMRequest` with a value of ``schema``.

    Implementations raise :class:`~reviewer.llm.errors.LLMError` subclasses only:
    ``LLMUnavailableError`` for transport problems (after their own retries, within
    ``request.timeout_s``), ``LLMResponseInvalidError`` when the answer does not validate,
    ``LLMTruncatedError`` and ``LLMRefusedError``. They never re-ask: the judge does.
    """

    def complete(self, request: LLMRequest, schema: type[T]) -> LLMResult[T]:
        """Answer ``request`` with a validated ``schema`` instance."""
        ...


def is_loopback_url(url: str | None) -> bool:
    """True when ``url`` points at this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if not url:
        return False
    host = urlsplit(url).hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_allow_llm_requests(base_url: str | None) -> None:
    """Refuse a request to a non-loopback server while ``ALLOW_LLM_REQUESTS`` is False.

    Raises:
        LLMRequestsBlockedError: requests are switched off and ``base_url`` is not loopback.
    """
    if ALLOW_LLM_REQUESTS or is_loopback_url(base_url):
        return
    where = base_url or "the default OpenAI endpoint"
    raise LLMRequestsBlockedError(
        f"real LLM requests are blocked (ALLOW_LLM_REQUESTS is False) and {where} is not a "
        "loopback server; set REVIEWER_ALLOW_LLM_REQUESTS=1 to allow them in tests")


def describe_validation_error(exc: ValidationError, limit: int = 10) -> tuple[str, ...]:
    """One short line per validation error: ``location: message``."""
    lines: list[str] = []
    for error in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "(answer)"
        lines.append(f"{where}: {error['msg']}")
    extra = exc.error_count() - limit
    if extra > 0:
        lines.append(f"… and {extra} more errors")
    return tuple(lines)


def parse_answer(schema: type[T], text: str) -> T:
    """Validate a model's raw JSON answer against ``schema``.

    Raises:
        LLMResponseInvalidError: the text is not JSON, or not valid for the schema.
    """
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        raise invalid_answer(exc, text) from exc


def invalid_answer(exc: ValidationError, raw_output: str) -> LLMResponseInvalidError:
    """The error to raise for an answer that failed validation."""
    errors = describe_validation_error(exc)
    shown = "; ".join(errors[:3])
    return LLMResponseInvalidError(
        f"the model's answer does not match the output schema ({shown})",
        raw_output=raw_output, errors=errors)

"""Errors of the LLM judge.

Every one of them is a :class:`~reviewer.errors.ReviewerError`, and none of them escapes
:func:`reviewer.llm.judge.judge`: the judge turns each into ``llm.status: unavailable``
with ``str(exc)`` as the reason, and the verdict stays deterministic::

    ReviewerError
    └── LLMError                        # anything that kept the judge from answering
        ├── LLMUnavailableError         # transport: timeout, refused connection, 5xx, 4xx
        │   ├── LLMRateLimitedError     # 429 until the deadline (``retry_after`` seconds)
        │   ├── LLMRequestsBlockedError # real model requests are switched off (tests)
        │   └── LLMReplayMissingError   # replay mode and no recorded answer for the prompt
        ├── LLMResponseInvalidError     # the answer is not valid JSON for the schema
        ├── LLMTruncatedError           # ``finish_reason: length``: the answer was cut off
        ├── LLMRefusedError             # the model refused, or a content filter stopped it
        └── LLMPromptError              # templates missing or out of step with the code

Messages are one line and say what to do next where there is something to do.
"""

from __future__ import annotations

from reviewer.errors import ReviewerError


class LLMError(ReviewerError):
    """The LLM judge could not produce an answer."""


class LLMUnavailableError(LLMError):
    """The model could not be reached or did not answer in time."""


class LLMRateLimitedError(LLMUnavailableError):
    """The server kept answering 429 until the deadline.

    ``retry_after`` is the last ``Retry-After`` the server asked for (seconds), if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class LLMRequestsBlockedError(LLMUnavailableError):
    """Real model requests are switched off (``ALLOW_LLM_REQUESTS`` is False)."""


class LLMReplayMissingError(LLMUnavailableError):
    """Replay mode found no recorded answer for this prompt."""


class LLMResponseInvalidError(LLMError):
    """The answer does not validate against the output schema.

    ``raw_output`` is the text the model sent (possibly empty) and ``errors`` the
    validation errors, one short line each, so a re-ask can quote them.
    """

    def __init__(self, message: str, *, raw_output: str, errors: tuple[str, ...]) -> None:
        self.raw_output = raw_output
        self.errors = errors
        super().__init__(message)


class LLMTruncatedError(LLMError):
    """The answer was cut off (``finish_reason: length``)."""


class LLMRefusedError(LLMError):
    """The model refused to answer, or the server's content filter stopped it."""


class LLMPromptError(LLMError):
    """The prompt templates cannot be found or do not match the variables (a packaging bug)."""


__all__ = [
    "LLMError",
    "LLMPromptError",
    "LLMRateLimitedError",
    "LLMRefusedError",
    "LLMReplayMissingError",
    "LLMRequestsBlockedError",
    "LLMResponseInvalidError",
    "LLMTruncatedError",
    "LLMUnavailableError",
]

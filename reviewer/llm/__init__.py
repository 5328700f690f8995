"""The LLM judge: a second reader that compares a change's stated intent with its effect.

Public API (see :mod:`reviewer.llm.judge`)::

    from reviewer.llm import JudgeInput, JudgeSettings, judge

    outcome = judge(JudgeInput(...), JudgeSettings.from_env())

Modules:

* ``judge``: settings, input, outcome and :func:`judge` (never raises for LLM faults);
* ``client``: the :class:`LLMClient` protocol, requests/results, the request guard;
* ``openai_client``: the adapter over the ``openai`` SDK (imported only when used);
* ``fake``: :class:`FakeLLMClient` for tests and evals;
* ``record``: record exchanges to a folder and replay them;
* ``cache``: the SQLite answer cache;
* ``context``: the budgeted context; ``redact``: secret redaction;
* ``prompts``: versioned templates from ``prompts/``; ``schemas``: the answer schema;
* ``combine``: how the answer changes the risk (only upwards);
* ``errors``: the ``LLMError`` tree.
"""

from __future__ import annotations

from reviewer.llm.client import LLMClient, LLMRequest, LLMResult, Message, Usage
from reviewer.llm.fake import FakeLLMClient
from reviewer.llm.judge import JudgeInput, JudgeOutcome, JudgeSettings, judge
from reviewer.llm.schemas import JudgeAnswer, Mismatch

__all__ = [
    "FakeLLMClient",
    "JudgeAnswer",
    "JudgeInput",
    "JudgeOutcome",
    "JudgeSettings",
    "LLMClient",
    "LLMRequest",
    "LLMResult",
    "Message",
    "Mismatch",
    "Usage",
    "judge",
]

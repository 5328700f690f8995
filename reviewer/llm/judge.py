"""The LLM judge: reads the deterministic review of a change, asks a model whether the change
does what its author says, and combines the answer with the deterministic risk.

The service calls :func:`judge` once per review::

    settings = JudgeSettings.from_env()                # REVIEWER_LLM, OPENAI_API_KEY, …
    outcome = judge(JudgeInput(intent, findings, risk, blast.model_dump(), documents),
                    settings)
    llm = LLMReport(status=outcome.status, reason=outcome.reason, **outcome.report)

:func:`judge` never raises for LLM or transport problems: a fault gives ``status:
unavailable`` with the reason and ``final_risk == deterministic_risk``. It never lowers the
risk (:mod:`reviewer.llm.combine`). Steps:

1. decide whether to run (``REVIEWER_LLM`` = ``auto`` | ``off`` | ``openai`` | ``replay``);
2. build the budgeted, redacted context (:mod:`reviewer.llm.context`) and render the
   versioned prompt (:mod:`reviewer.llm.prompts`), fencing the change as data with a random
   boundary;
3. answer from the cache when the same prompt was answered before (:mod:`reviewer.llm.cache`);
4. otherwise ask the model (transport retries inside the client, within the deadline), and
   re-ask once, quoting the validation errors, when the answer does not fit the schema;
5. combine.

Environment (``JudgeSettings.from_env``):

==================================  ======================================================
``REVIEWER_LLM``                    ``auto`` (default: use a model when ``OPENAI_API_KEY``
                                    or ``OPENAI_BASE_URL`` is set), ``off``, ``openai``,
                                    ``replay``
``REVIEWER_LLM_MODEL``              model name (default ``gpt-4.1-mini``)
``REVIEWER_LLM_TIMEOUT``            total seconds for the LLM step of one review (60)
``OPENAI_API_KEY``                  API key (any value for local servers)
``OPENAI_BASE_URL``                 OpenAI-compatible server, e.g. ``http://127.0.0.1:8080/v1``
``REVIEWER_CACHE_DIR``              cache folder (default ``~/.cache/reviewer``)
``REVIEWER_LLM_CACHE``              ``off`` disables the answer cache
``REVIEWER_LLM_RECORD_DIR``         record every exchange there (eval fixtures)
``REVIEWER_LLM_REPLAY_DIR``         answer only from recordings there (``replay`` mode)
``REVIEWER_LLM_MAX_CONTEXT_TOKENS`` context budget (12000)
``REVIEWER_LLM_MAX_OUTPUT_TOKENS``  answer budget (2000)
``REVIEWER_LLM_WIRE``               ``openai`` (default: ``response_format`` json_schema) or
                                    ``json_object`` (llama-cpp-python's server)
==================================  ======================================================
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import ValidationError

from reviewer.errors import ConfigError
from reviewer.llm.cache import AnswerCache, cache_key
from reviewer.llm.client import LLMClient, LLMRequest, LLMResult, Message, Usage
from reviewer.llm.combine import combine, grounded_cites
from reviewer.llm.context import ReviewContext, build_context
from reviewer.llm.errors import LLMError, LLMResponseInvalidError, LLMUnavailableError
from reviewer.llm.prompts import PROMPT_VERSION, PromptTemplate, load_prompt, render
from reviewer.llm.redact import Redactor
from reviewer.llm.schemas import JudgeAnswer
from reviewer.models import Finding, Intent, RiskLevel

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_TIMEOUT_S",
    "JudgeInput",
    "JudgeOutcome",
    "JudgeSettings",
    "Mode",
    "judge",
]

log = logging.getLogger(__name__)

Mode = Literal["auto", "off", "openai", "replay"]
DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_CONTEXT_TOKENS = 12_000
DEFAULT_MAX_OUTPUT_TOKENS = 2_000
#: Time a worker gets beyond the deadline before the judge stops waiting for it.
_HARD_STOP_GRACE_S = 1.0
#: No re-ask is started with less time than this left (seconds).
_MIN_REASK_S = 0.2
_RAW_ECHO_LIMIT = 4000
_OFF_VALUES = frozenset({"off", "0", "false", "no", "none"})


# =========================================================================== settings


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


@dataclass(frozen=True)
class JudgeSettings:
    """How (and whether) the judge asks a model. Build it with :meth:`from_env`."""

    mode: Mode
    model: str
    #: Total seconds for the LLM step of one review: retries, backoff and re-ask included.
    timeout_s: float
    base_url: str | None
    api_key: str | None = field(repr=False)
    cache_path: Path | None
    record_dir: Path | None
    replay_dir: Path | None
    max_context_tokens: int = DEFAULT_MAX_CONTEXT_TOKENS
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    #: None sends no temperature (for models that accept only their default).
    temperature: float | None = 0.0
    #: ``openai`` (response_format json_schema) or ``json_object`` (llama-cpp-python's
    #: server); see :data:`reviewer.llm.openai_client.Wire`.
    wire: Literal["openai", "json_object"] = "openai"

    def __post_init__(self) -> None:
        if self.mode not in get_args(Mode):
            raise ConfigError(f"LLM mode {self.mode!r} is not one of auto, off, openai, replay")
        if not self.timeout_s > 0:
            raise ConfigError(f"LLM timeout must be positive, got {self.timeout_s!r}")
        if self.max_context_tokens < 1000:
            raise ConfigError("LLM context budget must be at least 1000 tokens, got "
                              f"{self.max_context_tokens}")
        if self.max_output_tokens < 1:
            raise ConfigError(f"LLM output budget must be positive, got "
                              f"{self.max_output_tokens}")
        if not self.model.strip():
            raise ConfigError("the LLM model name is empty (REVIEWER_LLM_MODEL)")
        if self.wire not in ("openai", "json_object"):
            raise ConfigError(f"LLM wire {self.wire!r} is not one of openai, json_object "
                              "(REVIEWER_LLM_WIRE)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> JudgeSettings:
        """Settings from the environment, then ``overrides`` (CLI flags) on top.

        Overrides name :class:`JudgeSettings` fields and are applied as given (None
        included: ``cache_path=None`` switches the cache off); leave out flags that were
        not given. Paths may be given as strings.

        Raises:
            ConfigError: a value is invalid, or an override names no field.
        """
        mode = env.get("REVIEWER_LLM", "").strip().lower() or "auto"
        cache_dir = _path(env, "REVIEWER_CACHE_DIR") or Path("~/.cache/reviewer").expanduser()
        cache_off = env.get("REVIEWER_LLM_CACHE", "").strip().lower() in _OFF_VALUES
        values: dict[str, Any] = {
            "mode": mode,
            "model": env.get("REVIEWER_LLM_MODEL", "").strip() or DEFAULT_MODEL,
            "timeout_s": _float(env, "REVIEWER_LLM_TIMEOUT", DEFAULT_TIMEOUT_S),
            "base_url": env.get("OPENAI_BASE_URL", "").strip() or None,
            "api_key": env.get("OPENAI_API_KEY", "").strip() or None,
            "cache_path": None if cache_off else cache_dir / "llm.sqlite3",
            "record_dir": _path(env, "REVIEWER_LLM_RECORD_DIR"),
            "replay_dir": _path(env, "REVIEWER_LLM_REPLAY_DIR"),
            "max_context_tokens": _int(env, "REVIEWER_LLM_MAX_CONTEXT_TOKENS",
                                       DEFAULT_MAX_CONTEXT_TOKENS),
            "max_output_tokens": _int(env, "REVIEWER_LLM_MAX_OUTPUT_TOKENS",
                                      DEFAULT_MAX_OUTPUT_TOKENS),
            "wire": env.get("REVIEWER_LLM_WIRE", "").strip().lower() or "openai",
        }
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown LLM setting(s): {', '.join(unknown)}")
        values.update(overrides)
        for name in ("cache_path", "record_dir", "replay_dir"):
            if isinstance(values.get(name), str):
                values[name] = Path(values[name]).expanduser()
        return cls(**values)


# =========================================================================== input / outcome


@dataclass(frozen=True)
class JudgeInput:
    """What the deterministic review found, for the judge to read."""

    intent: Intent
    findings: Sequence[Finding]
    deterministic_risk: RiskLevel
    #: ``BlastRadius.model_dump()``.
    blast_radius: Mapping[str, Any]
    #: Parsed documents (``TerraformPlan``, ``DiffDocument``, ``ChangeSet``…).
    documents: Sequence[object]


@dataclass(frozen=True)
class JudgeOutcome:
    """What the judge did, ready for the verdict."""

    status: Literal["used", "skipped", "unavailable"]
    #: Why it was skipped or unavailable; a short note when used.
    reason: str
    #: Fields for the verdict's ``llm`` section (see :func:`judge`).
    report: dict[str, Any]
    #: The combined risk: never below ``deterministic_risk``.
    final_risk: RiskLevel
    #: Why the judge raised the risk (for the verdict's escalations); None otherwise.
    raised_reason: str | None
    #: Context left out of the prompt (for the verdict's coverage); empty unless used.
    omitted: list[str]


def _not_used(inp: JudgeInput, status: Literal["skipped", "unavailable"], reason: str,
              report: dict[str, Any]) -> JudgeOutcome:
    return JudgeOutcome(status=status, reason=reason, report=report,
                        final_risk=inp.deterministic_risk, raised_reason=None, omitted=[])


# =========================================================================== the model call


@dataclass(frozen=True, slots=True)
class _Prepared:
    prompt: PromptTemplate
    context: ReviewContext
    messages: tuple[Message, ...]
    boundary: str
    key: str
    redactor: Redactor


@dataclass(slots=True)
class _Answered:
    result: LLMResult[JudgeAnswer]
    requests: int
    reasked: bool


def _boundary(texts: Sequence[str]) -> str:
    while True:
        token = secrets.token_hex(12)
        if not any(token in t for t in texts):
            return token


def _prepare(inp: JudgeInput, settings: JudgeSettings, boundary: str | None) -> _Prepared:
    prompt = load_prompt(PROMPT_VERSION)
    redactor = Redactor()
    overhead = len(prompt.system) + len(prompt.user)
    context = build_context(inp.intent, inp.findings, inp.blast_radius, inp.documents,
                            budget_tokens=settings.max_context_tokens,
                            overhead_chars=overhead, redactor=redactor)
    fence = boundary or _boundary(list(context.sections.values()))
    system = render(prompt.system, {"boundary": fence}, name=f"{prompt.version}.system")
    user_vars = dict(context.sections)
    user_vars.update(boundary=fence, deterministic_risk=inp.deterministic_risk.value,
                     budget_tokens=str(settings.max_context_tokens))
    user = redactor.text(render(prompt.user, user_vars, name=f"{prompt.version}.user"))
    messages = (Message("system", system), Message("user", user))
    key = cache_key(prompt.version, settings.model, messages, fence)
    return _Prepared(prompt, context, messages, fence, key, redactor)


def _ask(client: LLMClient, prep: _Prepared, settings: JudgeSettings,
         deadline: float) -> _Answered:
    """Ask once, and re-ask once with the validation errors when the answer is invalid."""
    request = LLMRequest(messages=prep.messages, model=settings.model,
                         prompt_version=prep.prompt.version, key=prep.key,
                         timeout_s=deadline - time.monotonic(),
                         max_output_tokens=settings.max_output_tokens,
                         temperature=settings.temperature)
    try:
        return _Answered(client.complete(request, JudgeAnswer), 1, reasked=False)
    except LLMResponseInvalidError as first:
        remaining = deadline - time.monotonic()
        if remaining < _MIN_REASK_S:
            raise LLMUnavailableError(f"{first}; no time left in the {settings.timeout_s:g} s "
                                      "deadline to re-ask") from first
        errors = "\n".join(f"- {e}" for e in first.errors) or "- (no details)"
        reask_text = render(prep.prompt.reask, {"errors": errors},
                            name=f"{prep.prompt.version}.reask")
        echo = prep.redactor.text(first.raw_output[:_RAW_ECHO_LIMIT]) or "(empty answer)"
        reask = replace(request, key=f"{prep.key}.reask", timeout_s=remaining, messages=(
            *prep.messages, Message("assistant", echo), Message("user", reask_text)))
        try:
            return _Answered(client.complete(reask, JudgeAnswer), 2, reasked=True)
        except LLMResponseInvalidError as second:
            raise LLMResponseInvalidError(
                f"{second} (after one re-ask)", raw_output=second.raw_output,
                errors=second.errors) from second


def _run_with_hard_stop(fn: Callable[[], _Answered], seconds: float,
                        deadline_s: float) -> _Answered:
    """Run ``fn`` in a daemon thread; give up waiting after ``seconds``.

    ``deadline_s`` is the configured deadline, for the message.

    The client's own deadline normally ends the call first; this guards against a server
    that keeps a connection alive by trickling bytes (per-read timeouts never fire).
    """
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            box.put((True, fn()))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread as is
            box.put((False, exc))

    worker = threading.Thread(target=work, name="reviewer-llm-judge", daemon=True)
    worker.start()
    try:
        ok, value = box.get(timeout=seconds)
    except queue.Empty:
        raise LLMUnavailableError(
            f"the LLM step did not finish within its {deadline_s:g} s deadline (stopped "
            "waiting for the server)") from None
    if ok:
        answered: _Answered = value
        return answered
    raise value


# =========================================================================== the judge


def _resolve(settings: JudgeSettings,
             client: LLMClient | None) -> tuple[str, str]:
    """(``"given"`` | ``"openai"`` | ``"replay"`` | ``"skipped"`` | ``"unavailable"``, why)."""
    if settings.mode == "off":
        return "skipped", ("LLM step skipped: switched off (REVIEWER_LLM=off / --llm off); "
                           "the verdict is deterministic only")
    if client is not None:
        return "given", ""
    mode = settings.mode
    if mode == "auto":
        if settings.api_key or settings.base_url:
            mode = "openai"
        elif settings.replay_dir is not None:
            mode = "replay"
        else:
            return "skipped", ("LLM step skipped: no model is configured (set "
                               "OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible "
                               "server); the verdict is deterministic only")
    if mode == "openai" and not (settings.api_key or settings.base_url):
        return "unavailable", ("REVIEWER_LLM=openai but neither OPENAI_API_KEY nor "
                               "OPENAI_BASE_URL is set")
    if mode == "replay" and settings.replay_dir is None:
        return "unavailable", "REVIEWER_LLM=replay but REVIEWER_LLM_REPLAY_DIR is not set"
    return mode, ""


def _make_client(kind: str, settings: JudgeSettings,
                 given: LLMClient | None) -> tuple[LLMClient, Callable[[], None]]:
    """The client to use and how to release it."""
    from reviewer.llm.record import RecordingClient, ReplayClient

    close: Callable[[], None] = lambda: None  # noqa: E731 - trivial default
    client: LLMClient
    if given is not None:
        client = given
    elif kind == "replay":
        assert settings.replay_dir is not None  # noqa: S101 - checked by _resolve
        client = ReplayClient(settings.replay_dir)
    else:
        from reviewer.llm.openai_client import OpenAIChatClient

        sdk = OpenAIChatClient(base_url=settings.base_url, api_key=settings.api_key,
                               wire=settings.wire)
        client, close = sdk, sdk.close
    if settings.record_dir is not None:
        client = RecordingClient(client, settings.record_dir)
    return client, close


def _report(prep: _Prepared, settings: JudgeSettings, answer: JudgeAnswer, *, model: str,
            usage: Usage, latency_ms: float, cached: bool, requests: int,
            reasked: bool) -> dict[str, Any]:
    known = prep.context.known_refs
    return {
        "model": model,
        "requested_model": settings.model,
        "prompt_version": prep.prompt.version,
        "prompt_sha256": prep.prompt.sha256[:16],
        "usage": usage.as_dict(),
        "latency_ms": round(latency_ms, 1),
        "cached": cached,
        "requests": requests,
        "reasked": reasked,
        "stated_intent": answer.stated_intent,
        "observed_effect": answer.observed_effect,
        "mismatches": [
            {"certainty": m.certainty, "description": m.description, "cites": list(m.cites),
             "grounded": bool(grounded_cites(m, known))}
            for m in answer.mismatches
        ],
        "risk": answer.risk.value,
        "rationale": answer.rationale,
        "questions": list(answer.questions),
        "safer_path": answer.safer_path,
        "context_omitted": list(prep.context.omitted),
        "context_notes": list(prep.context.notes),
        "context_tokens": prep.context.estimated_tokens,
        "redactions": dict(sorted(prep.redactor.counts.items())),
    }


def _used(inp: JudgeInput, prep: _Prepared, report: dict[str, Any],
          answer: JudgeAnswer) -> JudgeOutcome:
    combined = combine(inp.deterministic_risk, answer, prep.context.known_refs)
    cached = " (cached answer)" if report.get("cached") else ""
    return JudgeOutcome(
        status="used",
        reason=f"model {report['model']} answered with prompt {prep.prompt.version}{cached}",
        report=report, final_risk=combined.risk, raised_reason=combined.raised_reason,
        omitted=list(prep.context.omitted))


def _from_cache(cache: AnswerCache, prep: _Prepared, settings: JudgeSettings,
                started: float) -> tuple[JudgeAnswer, dict[str, Any]] | None:
    hit = cache.get(prep.key)
    if hit is None:
        return None
    try:
        answer = JudgeAnswer.model_validate(hit.answer)
    except ValidationError:
        return None  # stored by an older schema: ask again
    report = _report(prep, settings, answer, model=hit.model, usage=hit.usage,
                     latency_ms=(time.monotonic() - started) * 1000, cached=True,
                     requests=0, reasked=False)
    return answer, report


def judge(inp: JudgeInput, settings: JudgeSettings,
          client: LLMClient | None = None, *, boundary: str | None = None) -> JudgeOutcome:
    """Ask the model about the change and combine its answer with the deterministic risk.

    ``client`` replaces the client the settings would build (a fake in tests, a replay in
    evals); ``REVIEWER_LLM=off`` still switches the step off. ``boundary`` fixes the fence
    token (prompt snapshot tests only).

    The outcome's ``report`` holds, when used: ``model``, ``requested_model``,
    ``prompt_version``, ``prompt_sha256``, ``usage`` (of the call that answered; for a
    cached answer, of the original call), ``latency_ms``, ``cached``, ``requests``,
    ``reasked``, the answer (``stated_intent``, ``observed_effect``, ``mismatches`` with a
    ``grounded`` flag each, ``risk``, ``rationale``, ``questions``, ``safer_path``),
    ``context_omitted``, ``context_notes``, ``context_tokens`` and ``redactions`` (counts
    per kind, never values). When unavailable: ``model``, ``prompt_version``,
    ``latency_ms`` and ``error`` (the exception type).

    Never raises for LLM or transport problems.
    """
    started = time.monotonic()
    kind, why = _resolve(settings, client)
    if kind == "skipped":
        return _not_used(inp, "skipped", why, {})
    base = {"model": settings.model, "prompt_version": PROMPT_VERSION}
    if kind == "unavailable":
        return _not_used(inp, "unavailable", why, {**base, "latency_ms": 0.0,
                                                   "error": "ConfigError"})
    crash: Exception | None = None
    try:
        return _judge(inp, settings, client, kind, started, boundary)
    except LLMError as exc:
        reason = str(exc)
        error = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - judge boundary: a bug in the LLM step must
        # not fail the review; it is logged and becomes the outcome's reason.
        crash = exc
        reason = f"internal error in the LLM step: {type(exc).__name__}: {exc}"
        error = type(exc).__name__
    if crash is not None:
        log.error("LLM judge failed; the verdict stays deterministic", exc_info=crash)
    latency = round((time.monotonic() - started) * 1000, 1)
    return _not_used(inp, "unavailable", reason, {**base, "latency_ms": latency,
                                                  "error": error})


def _judge(inp: JudgeInput, settings: JudgeSettings, given: LLMClient | None, kind: str,
           started: float, boundary: str | None) -> JudgeOutcome:
    prep = _prepare(inp, settings, boundary)
    use_cache = settings.cache_path is not None and kind != "replay"
    cache = AnswerCache(settings.cache_path) if use_cache and settings.cache_path else None
    cache_note: str | None = None
    if cache is not None and settings.record_dir is None:
        try:
            hit = _from_cache(cache, prep, settings, started)
        except (sqlite3.Error, OSError, ValueError) as exc:
            hit, cache_note = None, f"cache not read: {exc}"
        if hit is not None:
            return _used(inp, prep, hit[1], hit[0])

    # The deadline covers the model exchange; building the client (importing the SDK)
    # happens before it starts.
    client, close = _make_client(kind, settings, given)
    deadline = time.monotonic() + settings.timeout_s

    def call() -> _Answered:
        try:
            return _ask(client, prep, settings, deadline)
        finally:
            close()

    answered = _run_with_hard_stop(
        call, max(deadline - time.monotonic(), 0.0) + _HARD_STOP_GRACE_S, settings.timeout_s)
    result = answered.result
    latency_ms = (time.monotonic() - started) * 1000
    report = _report(prep, settings, result.value, model=result.model, usage=result.usage,
                     latency_ms=latency_ms, cached=False, requests=answered.requests,
                     reasked=answered.reasked)
    if cache is not None:
        try:
            cache.put(prep.key, prompt_version=prep.prompt.version, model=result.model,
                      answer=result.value.model_dump(mode="json"), usage=result.usage,
                      latency_ms=result.latency_ms)
        except (sqlite3.Error, OSError) as exc:
            cache_note = f"cache not written: {exc}"
    if cache_note:
        report["cache_error"] = cache_note
    return _used(inp, prep, report, result.value)

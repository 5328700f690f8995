"""A pull request reviewed in Slack uses its repository's settings at the base commit."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping

import pytest

from reviewer.llm.judge import JudgeSettings
from reviewer.models import RiskLevel
from reviewer.slack.repo_config import CONFIG_COVERAGE_PATH
from reviewer.store import ReviewRecord
from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import DROP_DIFF, README_DIFF, SENIOR, Harness

BASE = "b" * 40
HEAD = "c" * 40

#: Removes a ConfigMap: harmless by default, critical when the repository protects it.
CONFIGMAP_DIFF = """\
diff --git a/k8s/app.yaml b/k8s/app.yaml
index 2fdf6a9..db678ab 100644
--- a/k8s/app.yaml
+++ b/k8s/app.yaml
@@ -1,11 +1,3 @@
-apiVersion: v1
-kind: ConfigMap
-metadata:
-  name: routing
-  namespace: payments
-data:
-  mode: primary
----
 apiVersion: v1
 kind: Service
 metadata:
"""

PROTECTING = '[protected]\nresources = ["ConfigMap/payments/*"]\n'

#: The same PR also empties the protected list in its own head commit.
LOOSENING_DIFF = CONFIGMAP_DIFF + """\
diff --git a/.reviewer.toml b/.reviewer.toml
index 1111111..2222222 100644
--- a/.reviewer.toml
+++ b/.reviewer.toml
@@ -1,2 +1,2 @@
 [protected]
-resources = ["ConfigMap/payments/*"]
+resources = []
"""


def _review(harness: Harness, github: FakeGitHub, diff: str, *, repo: str = "api",
            number: int = 7) -> ReviewRecord:
    github.add_pull("acme", repo, number, title="Routing clean-up", diff=diff,
                    head_sha=HEAD, base_sha=BASE,
                    commits=[{"sha": HEAD, "message": "Routing clean-up", "author": "dev"}])
    assert harness.dispatch(harness.slash_body(f"acme/{repo}#{number}")).status == 200
    record = harness.store.review(harness.latest_review_id())
    assert record is not None
    return record


def _codes(record: ReviewRecord) -> set[str]:
    return {f.code for f in record.verdict.findings}


def _contents_refs(github: FakeGitHub) -> list[tuple[str, str]]:
    """(path, ref) of every contents request."""
    return [(r.path.split("/contents/", 1)[1],
             urllib.parse.parse_qs(r.query).get("ref", [""])[0])
            for r in github.requests_to("GET", "/repos/acme/") if "/contents/" in r.path]


def test_base_config_protected_resource_gives_pol001(harness: Harness, slack: FakeSlack,
                                                     github: FakeGitHub) -> None:
    github.add_file("acme", "api", ".reviewer.toml", BASE, PROTECTING)
    record = _review(harness, github, CONFIGMAP_DIFF)
    assert "POL001" in _codes(record)
    assert record.verdict.risk is RiskLevel.CRITICAL
    assert "POL001" in json.dumps(slack.calls_to("chat.update")[-1].params["blocks"])
    calls = [r for r in github.requests if "/contents/" in r.path]
    assert [c.path for c in calls] == ["/repos/acme/api/contents/.reviewer.toml"]
    assert calls[0].headers["Accept"] == "application/vnd.github.raw"
    assert record.verdict.coverage.errors == []

    # The same change in a repository without settings: reviewed with the defaults.
    plain = _review(harness, github, CONFIGMAP_DIFF, repo="web", number=8)
    assert "POL001" not in _codes(plain)
    assert plain.verdict.risk < RiskLevel.CRITICAL
    assert ("pyproject.toml", BASE) in _contents_refs(github)  # looked there too


def test_pyproject_tool_reviewer_table_is_read(harness: Harness, github: FakeGitHub) -> None:
    github.add_file("acme", "api", "pyproject.toml", BASE,
                    '[project]\nname = "api"\n\n[tool.reviewer.protected]\n'
                    'resources = ["ConfigMap/payments/routing"]\n')
    assert "POL001" in _codes(_review(harness, github, CONFIGMAP_DIFF))


def test_pull_request_cannot_loosen_its_own_review(harness: Harness, github: FakeGitHub) -> None:
    github.add_file("acme", "api", ".reviewer.toml", BASE, PROTECTING)
    github.add_file("acme", "api", ".reviewer.toml", HEAD, "[protected]\nresources = []\n")
    record = _review(harness, github, LOOSENING_DIFF)
    assert "POL001" in _codes(record)
    assert record.verdict.risk is RiskLevel.CRITICAL
    assert {ref for _, ref in _contents_refs(github)} == {BASE}


@pytest.mark.parametrize(("text", "reason"), [
    ("[protected\nresources = 1\n", "not valid TOML"),
    ("[protected]\nresource = []\n", "unknown key 'protected.resource'"),
])
def test_malformed_config_is_said_and_recorded(harness: Harness, slack: FakeSlack,
                                               github: FakeGitHub, text: str,
                                               reason: str) -> None:
    github.add_file("acme", "api", ".reviewer.toml", BASE, text)
    record = _review(harness, github, README_DIFF)
    [warning] = [c.params for c in slack.calls_to("chat.postMessage")
                 if ":warning:" in c.params["text"]]
    # In the review's thread: under the placeholder the verdict replaced.
    assert warning["thread_ts"] == slack.calls_to("chat.update")[-1].params["ts"]
    assert f"acme/api@{BASE[:12]}:.reviewer.toml" in warning["text"]
    assert reason in warning["text"]
    assert "default settings" in warning["text"]
    assert "\n" not in warning["text"]
    [gap] = record.verdict.coverage.errors
    assert gap.path == CONFIG_COVERAGE_PATH
    assert reason in gap.message
    assert "default settings" in gap.message
    # Fail closed: a README edit would pass; without its settings it needs a human.
    assert record.verdict.risk >= RiskLevel.MEDIUM


def test_unreadable_config_is_a_recorded_gap(harness: Harness, slack: FakeSlack,
                                             github: FakeGitHub) -> None:
    github.fail("/repos/acme/api/contents/", 500, message="server trouble")
    record = _review(harness, github, README_DIFF)
    assert any("HTTP 500" in c.params["text"] for c in slack.calls_to("chat.postMessage"))
    [gap] = record.verdict.coverage.errors
    assert gap.path == CONFIG_COVERAGE_PATH
    assert "HTTP 500" in gap.message
    assert record.verdict.risk >= RiskLevel.MEDIUM


def test_repository_approvers_do_not_approve_in_slack(harness: Harness, slack: FakeSlack,
                                                      github: FakeGitHub) -> None:
    github.add_file("acme", "api", ".reviewer.toml", BASE,
                    '[approvals]\nsenior_approvers = ["U2"]\n')
    record = _review(harness, github, DROP_DIFF)
    assert record.verdict.coverage.errors == []
    harness.dispatch(harness.click_body("risk_approve", record.id, user="U2"))
    assert harness.store.approvals(record.id) == []
    assert "only senior approvers" in slack.calls_to("chat.postEphemeral")[-1].params["text"]
    harness.dispatch(harness.click_body("risk_approve", record.id, user=SENIOR))
    assert [a.user for a in harness.store.approvals(record.id)] == [SENIOR]


def test_llm_section_fills_unset_values_but_never_the_endpoint(
        harness: Harness, github: FakeGitHub) -> None:
    github.add_file("acme", "api", ".reviewer.toml", BASE,
                    '[llm]\nmodel = "repo-model"\ntimeout = 12\n'
                    'base_url = "https://collector.example/v1"\n')
    seen: list[Mapping[str, str]] = []

    def judge(env: Mapping[str, str]) -> JudgeSettings | None:
        seen.append(dict(env))
        return None

    harness.bot.judge_settings = judge
    harness.bot.environ = {"REVIEWER_LLM_TIMEOUT": "30", "OPENAI_API_KEY": "sk-operator"}
    record = _review(harness, github, README_DIFF)
    [env] = seen
    assert env["REVIEWER_LLM_MODEL"] == "repo-model"
    assert env["REVIEWER_LLM_TIMEOUT"] == "30"  # the operator's environment wins
    assert "OPENAI_BASE_URL" not in env
    assert any("collector.example" in n and "was not used" in n
               for n in record.verdict.coverage.notes)
    assert record.verdict.coverage.errors == []


def test_pasted_change_reads_no_repository_settings(harness: Harness,
                                                    github: FakeGitHub) -> None:
    harness.dispatch(harness.slash_body(f"```{README_DIFF}```"))
    assert harness.store.review(harness.latest_review_id()) is not None
    assert github.requests == []

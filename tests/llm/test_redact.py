"""Redaction of secrets, and proof that raw secrets never reach the HTTP request body."""

from __future__ import annotations

import json

import pytest

from reviewer.llm.judge import judge
from reviewer.llm.redact import Redactor
from reviewer.parsers.base import Artifact
from tests.llm.fakeserver import Reply, completion, serve
from tests.llm.helpers import answer_text, plan_text, rc, review_input, settings

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GITHUB = "ghp_" + "A1b2C3d4E5" * 4
SLACK = "xoxb-123456789012-abcdefghijkl"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM_BODY = "MIIEowIBAAKCAQEA7bq98vzxLC4wJ3m1lXWn0d1xkKH3Qv"
DB_PASSWORD = "Tr0ub4dor&3-horse"
URL_TOKEN = "s3cr3t-url-t0ken"
QUERY_TOKEN = "qtok-9f8e7d6c5b4a"
SENSITIVE = "plan-sensitive-value-42"


@pytest.mark.parametrize(("text", "secret", "kind"), [
    (f"aws_access_key_id = {AWS_KEY}", AWS_KEY, "aws-access-key-id"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET, "password"),
    (f"token: {GITHUB}", GITHUB, "github-token"),
    (f"SLACK={SLACK}", SLACK, "slack-token"),
    (f"Authorization: Bearer {JWT}", JWT, "jwt"),
    (f'password = "{DB_PASSWORD}"', DB_PASSWORD, "password"),
    (f'"db_password": "{DB_PASSWORD}"', DB_PASSWORD, "password"),
    (f"CREATE ROLE app LOGIN PASSWORD '{DB_PASSWORD}';", DB_PASSWORD, "password"),
    (f"git clone https://deploy:{URL_TOKEN}@git.example.com/x.git", URL_TOKEN,
     "url-credentials"),
    (f"https://{URL_TOKEN}@github.com/org/repo", URL_TOKEN, "url-credentials"),
    (f"curl https://api.example.com/hook?token={QUERY_TOKEN}&x=1", QUERY_TOKEN, "url-token"),
    (f"https://b.s3.amazonaws.com/k?X-Amz-Signature={QUERY_TOKEN}", QUERY_TOKEN, "url-token"),
    ("api_key: sk-proj-abcdefghijklmnopqrstuvwx", "sk-proj-abcdefghijklmnopqrstuvwx", "api-key"),
])
def test_secret_shapes_are_redacted(text: str, secret: str, kind: str) -> None:
    redactor = Redactor()
    out = redactor.text(text)
    assert secret not in out
    assert "[REDACTED:" in out
    assert redactor.counts[kind] >= 1


def test_private_key_block_across_diff_lines() -> None:
    text = ("+key: |\n+  -----BEGIN RSA PRIVATE KEY-----\n"
            f"+  {PEM_BODY}\n+  {PEM_BODY[::-1]}\n+  -----END RSA PRIVATE KEY-----\n+done: 1")
    out = Redactor().text(text)
    assert PEM_BODY not in out
    assert PEM_BODY[::-1] not in out
    assert out.endswith("+done: 1")
    assert out.count("[REDACTED:private-key]") == 4


@pytest.mark.parametrize("text", [
    "password = var.db_password",
    "password: ${{ secrets.DB_PASSWORD }}",
    'token = os.environ["TOKEN"]',
    "master_password = random_password.db.result",
    "max_tokens: 2000",
    "token_count = count_tokens(text)",
])
def test_references_are_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


def test_redaction_is_idempotent() -> None:
    redactor = Redactor()
    once = redactor.text(f'password = "{DB_PASSWORD}" url=https://a:{URL_TOKEN}@h/?token=x1')
    assert redactor.text(once) == once


def test_sensitive_plan_values_are_masked_and_scrubbed_elsewhere() -> None:
    redactor = Redactor()
    masked = redactor.mask({"password": SENSITIVE, "name": "db", "nested": [{"k": SENSITIVE}]},
                           {"password": True, "nested": [{"k": True}]})
    assert masked == {"password": "[REDACTED:sensitive]", "name": "db",
                      "nested": [{"k": "[REDACTED:sensitive]"}]}
    assert redactor.text(f"echo {SENSITIVE}") == "echo [REDACTED:sensitive]"


def test_raw_secrets_never_reach_the_http_request_body() -> None:
    diff = (
        "diff --git a/deploy.sh b/deploy.sh\n--- a/deploy.sh\n+++ b/deploy.sh\n"
        "@@ -1,2 +1,8 @@\n #!/bin/sh\n"
        f"+export AWS_ACCESS_KEY_ID={AWS_KEY}\n"
        f"+export AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
        f"+git clone https://ci:{URL_TOKEN}@git.example.com/infra.git\n"
        f"+curl -X POST 'https://hooks.example.com/notify?token={QUERY_TOKEN}'\n"
        f"+echo {SENSITIVE}\n"
        f'+DB_PASSWORD="{DB_PASSWORD}"\n'
        " rm -rf /tmp/build\n"
        "diff --git a/config/tls.yaml b/config/tls.yaml\n--- a/config/tls.yaml\n"
        "+++ b/config/tls.yaml\n@@ -1,1 +1,5 @@\n tls:\n"
        "+  key: |\n+    -----BEGIN PRIVATE KEY-----\n"
        f"+    {PEM_BODY}\n+    -----END PRIVATE KEY-----\n")
    plan = plan_text(rc(
        "aws_db_instance.main", "aws_db_instance", ["update"],
        before={"identifier": "prod-db", "password": "old-" + SENSITIVE, "port": 5432},
        after={"identifier": "prod-db", "password": SENSITIVE, "port": 5433},
        before_sensitive={"password": True}, after_sensitive={"password": True}))
    inp = review_input(
        [Artifact("change.diff", diff), Artifact("plan.json", plan)],
        title=f"Rotate creds (token {GITHUB})",
        description=f"New Slack bot {SLACK}; JWT for tests {JWT}")
    secrets = [AWS_KEY, AWS_SECRET, URL_TOKEN, QUERY_TOKEN, SENSITIVE, "old-" + SENSITIVE,
               DB_PASSWORD, PEM_BODY, GITHUB, SLACK, JWT]
    replies = [Reply(200, completion("{not json")), Reply(200, completion(answer_text()))]
    with serve(replies) as server:
        outcome = judge(inp, settings(base_url=server.base_url))
    assert outcome.status == "used", outcome.reason
    assert len(server.raw_bodies) == 2  # the re-ask is checked too
    for body in server.raw_bodies:
        decoded = json.dumps(json.loads(body))
        for secret in secrets:
            assert secret.encode() not in body, secret
            assert json.dumps(secret)[1:-1] not in decoded, secret
    user = server.requests[0]["messages"][1]["content"]
    assert "aws_db_instance.main" in user  # the change itself is still there
    assert "port: 5432 → 5433" in user
    assert "[REDACTED:sensitive]" in user
    assert outcome.report["redactions"]["sensitive"] >= 1

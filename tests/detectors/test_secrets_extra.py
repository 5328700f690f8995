"""Extra checks for the secrets family: raw secret values never reach a finding."""

from __future__ import annotations

import json

import pytest

from reviewer.detectors.secrets import DETECTORS
from reviewer.detectors.secrets._common import (
    find_secrets,
    is_secret_key,
    looks_secret,
    mask,
)
from reviewer.models import Finding
from tests.detectors.case_tables import TABLES, load_table, plan_text, run_text

# Random-looking values built at run time (never real credentials).
AKIA = "AKIA" + "Q7ZL2MX4RT9WB3KD"
AWS_SECRET = "kT3/9vQ+x2LmZr7Wp4Nq8Ys1Bd6Hf0Jc5Gu9Ae2V"
GHP = "ghp_" + "Rk2Lm9Qz4Tx7Wv1Np8Ys3Bd6Hf0Jc5Gu9AeZ2"
PASSWORD = "Vb7!qZ2xLm9pKw4T"
PEM_BODY = "MIIEowIBAAKCAQEAx3Lq9Zt2Wm7Rk4Vp8Ns1Yb6Dh0Jf5Gc9Au2Ex3Lq9Zt2Wm7Rk4Vp8Ns1Yb6Dh0"
RAW = (AKIA, AWS_SECRET, GHP, PASSWORD, PEM_BODY)

DIFF = f"""\
diff --git a/config/settings.py b/config/settings.py
index 2f1a9c0..8b7e3d4 100644
--- a/config/settings.py
+++ b/config/settings.py
@@ -1,2 +1,6 @@
 REGION = "eu-west-1"
+AWS_ACCESS_KEY_ID = "{AKIA}"
+AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"
+GITHUB_TOKEN = "{GHP}"  # {GHP}
+DB_PASSWORD = "{PASSWORD}"
 BUCKET = "exports"
diff --git a/deploy/id_rsa b/deploy/id_rsa
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/deploy/id_rsa
@@ -0,0 +1,3 @@
+-----BEGIN RSA PRIVATE KEY-----
+{PEM_BODY}
+-----END RSA PRIVATE KEY-----
"""

SHELL = f"""#!/usr/bin/env bash
export AWS_ACCESS_KEY_ID={AKIA}
export DB_PASSWORD='{PASSWORD}'
curl -H "Authorization: token {GHP}" https://api.github.com/user
"""

MANIFEST = f"""apiVersion: v1
kind: Secret
metadata:
  name: app
stringData:
  DB_PASSWORD: "{PASSWORD}"
  GITHUB_TOKEN: "{GHP}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:1
          env:
            - name: AWS_SECRET_ACCESS_KEY
              value: "{AWS_SECRET}"
"""

TF = f"""provider "aws" {{
  access_key = "{AKIA}"
  secret_key = "{AWS_SECRET}"
}}

variable "db_password" {{
  default = "{PASSWORD}"
}}
"""

PLAN = plan_text({
    "variables": {"db_password": {"value": PASSWORD}},
    "resource_changes": [{
        "address": "aws_instance.web", "type": "aws_instance",
        "change": {"actions": ["create"], "after": {
            "user_data": f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={AKIA}\n",
            "tags": {"pw": PASSWORD}}}}],
})

INPUTS = [
    ("change.diff", DIFF),
    ("scripts/deploy.sh", SHELL),
    ("k8s/app.yaml", MANIFEST),
    ("infra/main.tf", TF),
    ("plan.json", PLAN),
]


def _all_findings(path: str, text: str) -> list[Finding]:
    return [f for cls in DETECTORS for f in run_text(cls, text, path)]


@pytest.mark.parametrize(("path", "text"), INPUTS, ids=[p for p, _ in INPUTS])
def test_raw_secrets_never_appear_in_findings(path: str, text: str) -> None:
    findings = _all_findings(path, text)
    assert findings, "the input holds secrets and must produce findings"
    dumped = json.dumps([f.model_dump(mode="json") for f in findings])
    for raw in RAW:
        assert raw not in dumped
        # no more than the first four characters of a secret may be shown
        assert raw[:8] not in dumped


def test_every_sec001_finding_shows_a_masked_value() -> None:
    findings = [f for f in _all_findings("change.diff", DIFF) if f.code == "SEC001"]
    assert {f.location.line for f in findings} == {2, 3, 4, 5, 1}
    for finding in findings:
        assert "masked" in finding.evidence


def test_private_key_material_is_not_in_evidence() -> None:
    pem = [f for f in _all_findings("change.diff", DIFF)
           if f.code == "SEC001" and f.location.path == "deploy/id_rsa"]
    assert len(pem) == 1
    assert pem[0].evidence == "-----BEGIN RSA PRIVATE KEY----- (key material masked)"


@pytest.mark.parametrize("table", ["SEC001", "SEC002", "SEC003"])
def test_case_tables_never_leak_values_found_in_their_inputs(table: str) -> None:
    for case in load_table(TABLES / f"{table}.yaml"):
        raw_values = {s.value for line in case.text.splitlines()
                      for s in find_secrets(line, config_like=True)}
        if not raw_values:
            continue
        cls = next(c for c in DETECTORS if c.code == table)
        dumped = json.dumps([f.model_dump(mode="json")
                             for f in run_text(cls, case.text, case.path, case.kind)])
        for raw in raw_values:
            assert raw not in dumped, case.id


def test_mask_shows_at_most_four_characters_and_the_length() -> None:
    assert mask(AKIA, 4) == "AKIA…(20 chars, masked)"
    assert mask(PASSWORD) == "…(16 chars, masked)"
    assert mask("short", 4) == "…(5 chars, masked)"  # too short to show any of it
    assert mask(GHP, 10).startswith("ghp_…")


@pytest.mark.parametrize("value", [
    "AKIAIOSFODNN7EXAMPLE", "changeme", "<your-token>", "${{ secrets.DEPLOY_TOKEN }}",
    "${DB_PASSWORD}", "{{ .Values.password }}", "process.env.API_KEY", "xxxxxxxxxxxxxxxx",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", "s3cr3t-demo-pw",
])
def test_placeholders_are_not_secrets(value: str) -> None:
    assert not looks_secret(value)
    assert find_secrets(f'password = "{value}"') == []


@pytest.mark.parametrize(("key", "secret"), [
    ("DB_PASSWORD", True), ("clientSecret", True), ("api_key", True), ("GITHUB_PAT", True),
    ("secret_name", False), ("token_ttl", False), ("password_hash", False),
    ("secretKeyRef", False), ("max_tokens", False), ("page_token", False),
])
def test_secret_key_names(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_fixture_and_example_files_are_skipped() -> None:
    for path in ("tests/fixtures/settings.py", "config/.env.example",
                 "src/client.test.ts", "internal/x_test.go"):
        diff = DIFF.replace("config/settings.py", path)
        found = [f for f in _all_findings("change.diff", diff) if f.location.path == path]
        assert found == [], path


def test_large_diff_is_scanned_in_one_pass() -> None:
    lines = "".join(f'+value_{i} = compute({i})  # key path {i}\n' for i in range(20000))
    diff = (f"diff --git a/app/big.py b/app/big.py\nnew file mode 100644\nindex 0..1\n"
            f"--- /dev/null\n+++ b/app/big.py\n@@ -0,0 +1,20001 @@\n{lines}"
            f'+TOKEN = "{GHP}"\n')
    findings = [f for f in _all_findings("change.diff", diff) if f.code == "SEC001"]
    assert [(f.location.path, f.location.line) for f in findings] == [("app/big.py", 20001)]


"""SEC001: a credential (cloud key, private key, token, password) is added in plain text."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.secrets._common import (
    find_secrets,
    has_candidates,
    is_config_like,
    is_fixture_path,
    masked,
    private_key_at,
    private_key_is_real,
    trim,
    walk_strings,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.hcl import Block, HclFile
from reviewer.parsers.kubernetes import ManifestSet
from reviewer.parsers.shell import ShellScript
from reviewer.parsers.workflow import Workflow


@dataclass(frozen=True, slots=True)
class _Line:
    """One line to scan: where it is, its text, and the lines after it (for PEM blocks)."""

    path: str
    line: int | None
    text: str
    config_like: bool
    following: tuple[str, ...] = ()


def _diff_lines(doc: DiffDocument) -> Iterator[_Line]:
    for change in doc.files:
        if change.is_binary or is_fixture_path(change.path):
            continue
        config_like = is_config_like(change.path)
        for hunk in change.hunks:
            added = [line for line in hunk.lines if line.kind == "+"]
            if not added or not has_candidates("\n".join(line.text for line in added)):
                continue
            for i, line in enumerate(added):
                following = tuple(a.text for a in added[i + 1:i + 4]) \
                    if "PRIVATE KEY" in line.text else ()
                yield _Line(change.path, line.new_lineno, line.text, config_like, following)


def _text_lines(path: str, first: int | None, text: str, *,
                config_like: bool) -> Iterator[_Line]:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        yield _Line(path, None if first is None else first + i, line, config_like,
                    tuple(lines[i + 1:i + 4]))


def _shell_lines(doc: ShellScript) -> Iterator[_Line]:
    for assignment in doc.assignments:
        if assignment.value is not None:
            yield _Line(doc.path, assignment.line, f"{assignment.name}={assignment.value}", True)
    for command in doc.commands:
        yield from _text_lines(doc.path, command.line, command.raw, config_like=True)
        if command.heredoc:
            yield from _text_lines(doc.path, command.line + 1, command.heredoc, config_like=True)


def _hcl_block_lines(path: str, block: Block) -> Iterator[_Line]:
    for name, source in block.attributes.items():
        yield from _text_lines(path, block.attribute_lines.get(name, block.line),
                               f"{name} = {source}", config_like=False)
    for nested in block.blocks:
        yield from _hcl_block_lines(path, nested)


def _hcl_lines(doc: HclFile) -> Iterator[_Line]:
    for name, source in doc.attributes.items():
        yield from _text_lines(doc.path, doc.attribute_lines.get(name), f"{name} = {source}",
                               config_like=False)
    for block in doc.blocks:
        yield from _hcl_block_lines(doc.path, block)


def _pair_lines(path: str, line: int | None, key: str, value: Any) -> Iterator[_Line]:
    if not isinstance(value, str):
        return
    if "\n" in value:
        yield _Line(path, line, f"{key}: |", False, tuple(value.split("\n")[:3]))
        yield from _text_lines(path, None if line is None else line + 1, value,
                               config_like=False)
        return
    yield _Line(path, line, f"{key}: {json.dumps(value)}", False)


def _manifest_lines(doc: ManifestSet) -> Iterator[_Line]:
    for manifest in doc.manifests:
        if manifest.kind in _ENCRYPTED_KINDS or "sops" in manifest.body:
            continue  # ciphertext, not credentials
        for dotted, value in walk_strings(manifest.body):
            parts = dotted.split(".")
            if "encryptedData" in parts:
                continue
            key = next((p for p in reversed(parts) if not p.isdigit()), dotted)
            if key == "value" and len(parts) >= 2:
                # env entries: {name: DB_PASSWORD, value: …} are read under their name
                owner = manifest.get(".".join(parts[:-1]))
                if isinstance(owner, dict) and isinstance(owner.get("name"), str):
                    key = owner["name"]
            yield from _pair_lines(doc.path, manifest.line_of(dotted), key, value)


def _workflow_lines(doc: Workflow) -> Iterator[_Line]:
    for key, value in doc.env.items():
        yield from _pair_lines(doc.path, doc.line_of("env"), str(key), value)
    for job in doc.jobs:
        for key, value in job.env.items():
            yield from _pair_lines(doc.path, job.line_of("env"), str(key), value)
        for step in job.steps:
            for key, value in step.env.items():
                yield from _pair_lines(doc.path, step.line_of("env"), str(key), value)
            for key, value in step.with_.items():
                yield from _pair_lines(doc.path, step.line_of("with"), str(key), value)
            if step.run:
                yield from _text_lines(doc.path, step.run_line, step.run, config_like=True)


def _lines(doc: Any) -> Iterator[_Line]:
    if isinstance(doc, DiffDocument):
        yield from _diff_lines(doc)
        return
    if getattr(doc, "origin", None) is not None or is_fixture_path(doc.path):
        return  # a file of a diff: the diff's added lines were already scanned
    if isinstance(doc, ShellScript):
        yield from _shell_lines(doc)
    elif isinstance(doc, HclFile):
        yield from _hcl_lines(doc)
    elif isinstance(doc, ManifestSet):
        yield from _manifest_lines(doc)
    elif isinstance(doc, Workflow):
        yield from _workflow_lines(doc)


def _private_key(line: _Line) -> str | None:
    kind = private_key_at(line.text)
    if kind is None:
        return None
    rest = line.text.split("-----", 2)[-1]
    body: Sequence[str] = (rest.replace("\\n", "\n"), *line.following)
    return kind if private_key_is_real(body) else None


_ENCRYPTED_KINDS = frozenset({"SealedSecret", "ExternalSecret", "SecretProviderClass"})


class CredentialAdded(Detector[Any]):
    """A credential is added in plain text: cloud key, private key, token, password.

    ## What it detects
    Added lines of any file in a diff (and, for a shell script, Terraform file, Kubernetes
    manifest or CI workflow reviewed on its own, the whole file) that hold a credential:
    AWS access keys (`AKIA…`/`ASIA…`) and secret keys, PEM private key blocks
    (`-----BEGIN … PRIVATE KEY-----` followed by key material), GitHub tokens (`ghp_`,
    `gho_`, `ghs_`, `github_pat_`), Slack tokens and webhooks, Stripe live keys
    (`sk_live_`), Google API keys (`AIza…`), npm and GitLab tokens, JSON web tokens,
    passwords in connection URLs, and `password = "…"` / `api_key: …` assignments whose value
    is a high-entropy literal. Well-known sample values (`AKIAIOSFODNN7EXAMPLE`, the jwt.io
    token), placeholders (`changeme`, `<your-token>`), references (`${{ secrets.X }}`,
    `${VAR}`, `process.env.X`, ARNs, `vault:`) and test, fixture and example files are not
    reported. Values are masked in messages and evidence (`AKIA…(20 chars, masked)`).

    ## Why is this risky?
    A credential in a repository is public to everyone who can read it, now and in every
    clone and fork of its history; removing it later does not un-leak it. Leaked cloud keys
    are abused within minutes (crypto-mining, data theft, deleting infrastructure).

    ## Example
    ```diff
    diff --git a/config/settings.py b/config/settings.py
    index 2f1a9c0..8b7e3d4 100644
    --- a/config/settings.py
    +++ b/config/settings.py
    @@ -1,2 +1,3 @@
     AWS_REGION = "eu-west-1"
    +AWS_ACCESS_KEY_ID = "AKIA4QZ7ELRMX2JH5T6N"
     BUCKET = "exports"
    ```

    ## Safer alternative
    Read credentials from the environment or a secret manager at run time:
    ```diff
    diff --git a/config/settings.py b/config/settings.py
    index 2f1a9c0..5c0d6e1 100644
    --- a/config/settings.py
    +++ b/config/settings.py
    @@ -1,2 +1,3 @@
     AWS_REGION = "eu-west-1"
    +AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
     BUCKET = "exports"
    ```

    ## References
    - gitleaks rules `aws-access-token`, `private-key`, `github-pat`, `slack-bot-token`,
      `stripe-access-token`, `gcp-api-key`, `jwt`, `generic-api-key`
    - Checkov `CKV_SECRET_2` (AWS access key), `CKV_SECRET_4`, `CKV_SECRET_6` (high entropy),
      `CKV_SECRET_13` (private key); Trivy secret scanning
    """

    code = "SEC001"
    name = "credential-added"
    family = "secrets"
    kinds = (InputKind.DIFF, InputKind.SHELL, InputKind.HCL, InputKind.KUBERNETES,
             InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    remediation = (
        "Remove the credential, revoke and rotate it now (it is already exposed), and load "
        "it at run time from a secret manager or an environment variable."
    )

    def detect(self, doc: Any) -> Iterator[Finding]:
        seen: set[tuple[str, int | None]] = set()
        for line in _lines(doc):
            key = (line.path, line.line)
            if key in seen:
                continue
            pem = _private_key(line)
            if pem is not None:
                seen.add(key)
                yield self.finding(
                    f"{line.path}: adds a {pem} block",
                    Location(path=line.path, line=line.line),
                    evidence=f"-----BEGIN {pem}----- (key material masked)")
                continue
            secrets = find_secrets(line.text, config_like=line.config_like)
            if not secrets:
                continue
            seen.add(key)
            first = secrets[0]
            more = f" and {len(secrets) - 1} more" if len(secrets) > 1 else ""
            yield self.finding(
                f"{line.path}: adds {trim(first.kind, 60)} {first.masked}{more}",
                Location(path=line.path, line=line.line),
                evidence=masked(line.text, secrets),
                confidence=Confidence.HIGH if first.specific else Confidence.MEDIUM)

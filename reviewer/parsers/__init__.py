"""Parsers: raw artifacts in, typed documents out.

``parse_artifact`` detects the kind of an artifact (unless one is given) and calls the
parser for it. Parser modules are imported lazily, so the CLI starts fast and a review of a
plan never loads tree-sitter.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from reviewer.errors import ParseError, UnsupportedInputError
from reviewer.models import InputKind
from reviewer.parsers.base import Artifact, Document, ParseOutcome, Problem, ProblemLevel
from reviewer.parsers.reading import looks_like_diff
from reviewer.parsers.sources import FileContents

__all__ = [
    "Artifact",
    "Document",
    "FileContents",
    "ParseOutcome",
    "Problem",
    "ProblemLevel",
    "detect_kind",
    "parse_artifact",
]

_SQL_EXT = {".sql", ".psql", ".pgsql", ".mysql", ".ddl"}
_SHELL_EXT = {".sh", ".bash", ".zsh", ".ksh", ".bats"}
_HCL_EXT = {".tf", ".hcl", ".tofu", ".tfvars"}
_YAML_EXT = {".yaml", ".yml"}
_DIFF_EXT = {".diff", ".patch"}
_SQL_STARTS = (
    "create ", "alter ", "drop ", "insert ", "update ", "delete ", "truncate ", "grant ",
    "revoke ", "begin", "set ", "with ", "comment on", "rename ", "--", "/*",
)


def _suffix(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).suffix.lower()


def _is_workflow_path(path: str) -> bool:
    norm = path.replace("\\", "/")
    return "/.github/workflows/" in f"/{norm}" or norm.endswith(".gitlab-ci.yml")


def _json_kind(doc: Any, path: str) -> InputKind:
    from reviewer.parsers.cloudformation import is_change_set
    from reviewer.parsers.pulumi import is_preview
    from reviewer.parsers.terraform_plan import is_plan

    if is_plan(doc):
        return InputKind.TERRAFORM_PLAN
    if is_change_set(doc):
        return InputKind.CLOUDFORMATION
    if is_preview(doc):
        return InputKind.PULUMI
    if isinstance(doc, dict):
        if "apiVersion" in doc and "kind" in doc:
            return InputKind.KUBERNETES
        keys = ", ".join(sorted(str(k) for k in doc)[:6])
        raise UnsupportedInputError(
            path, f"JSON of unknown shape (top-level keys: {keys or 'none'}); expected a "
                  "Terraform plan, a CloudFormation change set or a Pulumi preview")
    raise UnsupportedInputError(path, f"JSON {type(doc).__name__} of unknown shape; expected a "
                                      "Terraform plan, CloudFormation change set or Pulumi preview")


def _yaml_kind(text: str, path: str) -> InputKind:
    if _is_workflow_path(path):
        return InputKind.WORKFLOW
    head = text[:20000]
    if ("\non:" in f"\n{head}" or "\n\"on\":" in f"\n{head}" or "\ntrue:" in f"\n{head}") \
            and "\njobs:" in f"\n{head}":
        return InputKind.WORKFLOW
    return InputKind.KUBERNETES


_NOT_JSON = object()


def _sniff(artifact: Artifact) -> tuple[InputKind, Any]:
    """The artifact's kind, and its decoded JSON when it is JSON (parsed only once)."""
    if artifact.kind is not None:
        return artifact.kind, _NOT_JSON
    text = artifact.text
    stripped = text.lstrip()
    suffix = _suffix(artifact.path)
    if stripped[:1] in "{[":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            if suffix == ".json" or stripped[:1] == "{":
                raise ParseError(artifact.path, f"invalid JSON: {exc.msg}",
                                 line=exc.lineno) from None
        else:
            return _json_kind(doc, artifact.path), doc
    if suffix in _DIFF_EXT or looks_like_diff(text):
        if looks_like_diff(text):
            return InputKind.DIFF, _NOT_JSON
        raise ParseError(artifact.path, "not a unified diff: no '--- a/…', '+++ b/…' and '@@' "
                                        "hunk header found", kind=InputKind.DIFF)
    return _text_kind(artifact.path, text, stripped, suffix), _NOT_JSON


def _text_kind(path: str, text: str, stripped: str, suffix: str) -> InputKind:
    first_line = stripped.split("\n", 1)[0]
    if suffix in _SQL_EXT:
        return InputKind.SQL
    if suffix in _SHELL_EXT or (stripped.startswith("#!") and "sh" in first_line):
        return InputKind.SHELL
    if suffix in _HCL_EXT:
        return InputKind.HCL
    if suffix in _YAML_EXT or stripped.startswith(("apiVersion:", "---", "kind:")):
        return _yaml_kind(text, path)
    if suffix == ".json":
        raise UnsupportedInputError(path, "JSON file that is not an object")
    lowered = stripped[:200].lower()
    if lowered.startswith(_SQL_STARTS) and ";" in text:
        return InputKind.SQL
    if "\nresource \"" in f"\n{text[:20000]}" or "\nmodule \"" in f"\n{text[:20000]}":
        return InputKind.HCL
    raise UnsupportedInputError(
        path,
        "cannot tell what kind of input this is (use --kind: diff, terraform-plan, "
        "cloudformation-changeset, pulumi-preview, kubernetes, sql, shell, hcl, github-workflow)",
    )


def detect_kind(artifact: Artifact) -> InputKind:
    """Decide which parser reads the artifact, from its content first, its name second."""
    return _sniff(artifact)[0]


def _parse_one(artifact: Artifact, kind: InputKind, decoded: Any,
               contents: FileContents | None) -> Document:
    path, text = artifact.path, artifact.text
    if kind is InputKind.TERRAFORM_PLAN:
        from reviewer.parsers.terraform_plan import parse_terraform_plan, plan_from_json

        if decoded is not _NOT_JSON:
            return plan_from_json(decoded, path)
        return parse_terraform_plan(text, path)
    if kind is InputKind.DIFF:
        from reviewer.parsers.diff import parse_diff

        return parse_diff(text, path, contents=contents)
    if kind is InputKind.CLOUDFORMATION:
        from reviewer.parsers.cloudformation import change_set_from_json, parse_change_set

        if decoded is not _NOT_JSON:
            return change_set_from_json(decoded, path)
        return parse_change_set(text, path)
    if kind is InputKind.PULUMI:
        from reviewer.parsers.pulumi import parse_preview, preview_from_json

        if decoded is not _NOT_JSON:
            return preview_from_json(decoded, path)
        return parse_preview(text, path)
    if kind is InputKind.KUBERNETES:
        from reviewer.parsers.kubernetes import parse_manifests

        return parse_manifests(text, path)
    if kind is InputKind.SQL:
        from reviewer.parsers.sql import parse_sql

        return parse_sql(text, path)
    if kind is InputKind.SHELL:
        from reviewer.parsers.shell import parse_shell

        return parse_shell(text, path)
    if kind is InputKind.HCL:
        from reviewer.parsers.hcl import parse_hcl

        return parse_hcl(text, path)
    if kind is InputKind.WORKFLOW:
        from reviewer.parsers.workflow import parse_workflow

        return parse_workflow(text, path)
    raise UnsupportedInputError(path, f"no parser for kind {kind}")  # pragma: no cover


def parse_artifact(artifact: Artifact, *, contents: FileContents | None = None) -> ParseOutcome:
    """Parse one artifact into documents.

    Raises:
        InputError: the artifact as a whole cannot be read (message names file and problem).
    """
    kind, decoded = _sniff(artifact)
    doc = _parse_one(artifact, kind, decoded, contents)
    outcome = ParseOutcome(documents=[doc], problems=list(artifact.read_problems))
    outcome.problems.extend(doc.problems)
    return outcome

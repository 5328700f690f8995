"""Whole-file documents for the files a diff changes, so file-kind detectors see diffs too.

A pull request that adds ``DROP TABLE`` to a migration arrives as a diff. For every changed
file whose kind has a parser (SQL, shell, HCL, Kubernetes YAML, CI workflows) this module
builds the file's document with:

- ``changed_lines``: the new-side lines the diff adds, so detectors judge only the change;
- ``previous``: the file before the change, parsed when a detector first asks for it
  (``doc.before()``), so detectors can see what was removed or weakened (a
  ``prevent_destroy`` taken out, a manifest deleted);
- ``origin``: the diff it came from.

The text comes from the full file when it is known (``--git``), else from the diff itself:
an added or deleted file is whole in the diff; a modified file is rebuilt from its hunks
with blank lines where the diff shows nothing, which keeps line numbers right. A partial
file that does not parse is recorded as skipped, not as an error: the diff-level detectors
still review its lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from reviewer.errors import InputError
from reviewer.models import InputKind
from reviewer.parsers.base import Document, Lazy, Problem, ProblemLevel
from reviewer.parsers.diff import DiffDocument, FileChange
from reviewer.parsers.sources import FileContents
from reviewer.parsers.syntax import side_text

_YAML = {".yaml", ".yml"}


def file_kind(path: str, text: str = "") -> InputKind | None:
    """The whole-file kind of a repository path, or None when no file parser applies."""
    norm = path.replace("\\", "/")
    p = PurePosixPath(norm)
    suffix = p.suffix.lower()
    if suffix == ".sql":
        return InputKind.SQL
    if suffix in {".sh", ".bash", ".zsh", ".ksh", ".bats"} or (
        not suffix and text.startswith("#!") and "sh" in text.split("\n", 1)[0]
    ):
        return InputKind.SHELL
    if suffix in {".tf", ".tofu"}:
        return InputKind.HCL
    if suffix in _YAML:
        if "/.github/workflows/" in f"/{norm}" or p.name == ".gitlab-ci.yml":
            return InputKind.WORKFLOW
        head = text[:4000]
        if "apiVersion:" in head and "kind:" in head:
            return InputKind.KUBERNETES
    return None


def _text_decides(path: str) -> bool:
    """Whether :func:`file_kind` of ``path`` can depend on the file's text."""
    suffix = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    return not suffix or suffix in _YAML


def _side_text(change: FileChange, side: str) -> tuple[str, bool]:
    """(text, complete) of one side rebuilt from the hunks."""
    text, gapless = side_text(change.hunks, side == "new")
    if not text:
        return "", False
    whole = (change.status == "added" and side == "new") or (
        change.status == "deleted" and side == "old")
    return text, whole or gapless


def _parser(kind: InputKind) -> Callable[[str, str], Any]:
    if kind is InputKind.SQL:
        from reviewer.parsers.sql import parse_sql

        return parse_sql
    if kind is InputKind.SHELL:
        from reviewer.parsers.shell import parse_shell

        return parse_shell
    if kind is InputKind.HCL:
        from reviewer.parsers.hcl import parse_hcl

        return parse_hcl
    if kind is InputKind.KUBERNETES:
        from reviewer.parsers.kubernetes import parse_manifests

        return parse_manifests
    from reviewer.parsers.workflow import parse_workflow

    return parse_workflow


def _empty(kind: InputKind, path: str) -> Any:
    if kind is InputKind.SQL:
        from reviewer.parsers.sql import SqlScript

        return SqlScript(path, ())
    if kind is InputKind.SHELL:
        from reviewer.parsers.shell import ShellScript

        return ShellScript(path, ())
    if kind is InputKind.HCL:
        from reviewer.parsers.hcl import HclFile

        return HclFile(path, ())
    if kind is InputKind.KUBERNETES:
        from reviewer.parsers.kubernetes import ManifestSet

        return ManifestSet(path, ())
    from reviewer.parsers.workflow import Workflow

    return Workflow(path, "github", ())


def _parse_side(kind: InputKind, path: str, text: str, complete: bool,
                problems: list[Problem]) -> Any:
    if not text.strip():
        return None
    try:
        doc = _parser(kind)(text, path)
    except InputError as exc:
        level = ProblemLevel.ERROR if complete else ProblemLevel.SKIPPED
        why = exc.reason if complete else (
            f"only the diff's hunks of this {kind.value} file are known and they do not parse "
            f"on their own ({exc.reason}); review with --git for whole files")
        problems.append(Problem(path, why, level))
        return None
    if not complete:
        # Problems in a file rebuilt from hunks are expected; keep them as notes.
        demoted = tuple(dataclasses.replace(p, level=ProblemLevel.NOTE)
                        if p.level is ProblemLevel.ERROR else p for p in doc.problems)
        doc = dataclasses.replace(doc, problems=demoted)
    return doc


def _changed_lines(change: FileChange) -> frozenset[int]:
    return frozenset(line.new_lineno for hunk in change.hunks for line in hunk.lines
                     if line.kind == "+" and line.new_lineno is not None)


def derive_file(change: FileChange, diff: DiffDocument,
                contents: FileContents | None) -> tuple[Document | None, list[Problem]]:
    """The whole-file document for one changed file (None when no file parser applies)."""
    problems: list[Problem] = []
    if change.is_binary or change.is_submodule:
        return None, problems
    new_full = contents.new_text(change.new_path) if contents else None
    old_full = contents.old_text(change.old_path) if contents else None
    kind = file_kind(change.path)
    new_side = old_side = ("", False)
    if kind is None and _text_decides(change.path):
        new_side, old_side = _side_text(change, "new"), _side_text(change, "old")
        sample = "\n".join(t for t in (new_full, old_full, new_side[0], old_side[0]) if t)
        kind = file_kind(change.path, sample)
    if kind is None:
        return None, problems
    path = change.path
    if new_full is None and not new_side[0]:
        new_side = _side_text(change, "new")
    if old_full is None and not old_side[0]:
        old_side = _side_text(change, "old")
    new_text, new_complete = (new_full, True) if new_full is not None else new_side
    old_text, old_complete = (old_full, True) if old_full is not None else old_side
    previous = None
    if change.status != "added":
        # The old side only informs detectors that ask for it (parsed on first use); what
        # fails to parse there is not reported.
        old_path = change.old_path or path
        previous = Lazy(lambda: _parse_side(kind, old_path, old_text, old_complete, []),
                        source=old_text)
    if change.status == "deleted":
        current = _empty(kind, path)
    else:
        current = _parse_side(kind, path, new_text, new_complete, problems)
        if current is None:
            return None, problems
    doc = dataclasses.replace(current, changed_lines=_changed_lines(change),
                              previous=previous, origin=diff.path)
    return doc, problems


def derive_documents(diff: DiffDocument,
                     contents: FileContents | None) -> tuple[list[Document], list[Problem]]:
    """Whole-file documents for every changed file that has a file parser."""
    documents: list[Document] = []
    problems: list[Problem] = []
    for change in diff.files:
        doc, found = derive_file(change, diff, contents)
        problems.extend(found)
        if doc is not None:
            documents.append(doc)
            problems.extend(doc.problems)
    return documents, problems

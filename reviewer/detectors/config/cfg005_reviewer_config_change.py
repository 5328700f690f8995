"""CFG005: the change edits the reviewer's own configuration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import trim
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument, DiffLine, FileChange, Hunk

CONFIG_NAME = ".reviewer.toml"
_PYPROJECT = "pyproject.toml"
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=\s*(.*)$")
_WEAK_POLICY = re.compile(r"""policy\s*=\s*["'](off|flag)["']""")
_QUOTED = re.compile(r"""["']([^"']*)["']""")
_LOW_LEVEL = re.compile(r"""=\s*["'](info|low)["']""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Changed:
    """One added or removed line of the reviewer's settings and the table it is in."""

    line: DiffLine
    table: str

    @property
    def key(self) -> str:
        match = _KEY.match(self.line.text)
        return match.group(1).strip("\"'").lower() if match else ""


def _section(table: str) -> str:
    """The config section a table names: ``detectors``, ``protected``… (pyproject prefix off)."""
    name = table.lower().replace(" ", "")
    if name.startswith("tool.reviewer"):
        name = name[len("tool.reviewer"):].lstrip(".")
    return name.split(".", 1)[0]


def _hunk_changes(hunk: Hunk, pyproject: bool) -> Iterator[_Changed]:
    table: str | None = None
    heading = _HEADER.match(hunk.section.strip()) if hunk.section else None
    if heading:
        table = heading.group(1)
    elif not pyproject:
        table = ""
    for line in hunk.lines:
        header = _HEADER.match(line.text)
        if header:
            table = header.group(1)
        if line.kind == " ":
            continue
        if table is None:  # a pyproject hunk whose table the diff does not show
            if "tool.reviewer" in line.text:
                yield _Changed(line, "tool.reviewer")
            continue
        if not pyproject or table.lower().replace(" ", "").startswith("tool.reviewer"):
            yield _Changed(line, table)


def _strings(changes: list[_Changed], kind: str) -> set[str]:
    return {q for c in changes if c.line.kind == kind for q in _QUOTED.findall(c.line.text)}


def _weakens(changes: list[_Changed], deleted: bool) -> str | None:
    """Why the change may weaken the gate, or None."""
    if deleted:
        return "the configuration file is deleted"
    added, removed = _strings(changes, "+"), _strings(changes, "-")
    removed_keys = {c.key for c in changes if c.line.kind == "-"}
    for c in changes:
        section, text, key = _section(c.table), c.line.text, c.key
        quoted = set(_QUOTED.findall(text))
        if c.line.kind == "+":
            if key == "ignore" and quoted - removed:
                return f"adds ignored {'paths' if section == 'paths' else 'detectors'}"
            if _WEAK_POLICY.search(text):
                return "relaxes the AI-assisted policy"
            if section == "detectors" and key == "select" and "select" not in removed_keys:
                return "narrows the detectors that run"
            if section == "detectors" and _LOW_LEVEL.search(text):
                return "lowers a detector's severity"
        elif _HEADER.match(text) and section in ("", "protected", "approvals"):
            return f"removes the [{c.table}] table"
        elif section in ("protected", "approvals") and quoted - added:
            return "removes protected resources or approvers"
    return None


class ReviewerConfigChange(Detector[DiffDocument]):
    """The change edits the reviewer's own configuration (`.reviewer.toml` or `[tool.reviewer]`).

    ## What it detects
    A diff that adds, edits or deletes `.reviewer.toml` (in any folder), or changes lines
    inside the `[tool.reviewer…]` tables of `pyproject.toml`. `high` when the edit can
    weaken the gate — detectors or paths ignored, detectors narrowed by `select`, a severity
    lowered to `info`/`low`, the AI-assisted policy relaxed to `flag`/`off`, protected
    resources or senior approvers removed, or the file deleted — and `medium` otherwise.

    This finding cannot be suppressed from inside the change (see the README's
    "Configuration" section).

    ## Why is this risky?
    The configuration decides which risks the reviewer reports and what blocks a merge. In
    CI the gate reads it from the base branch, so a pull request cannot loosen its own
    review, but once merged the edit applies to every later change: silencing a detector
    or unprotecting a database is a policy decision that needs its owners' eyes.

    ## Example
    ```diff
    diff --git a/.reviewer.toml b/.reviewer.toml
    --- a/.reviewer.toml
    +++ b/.reviewer.toml
    @@ -1,4 +1,5 @@
     [detectors]
    +ignore = ["TF001"]

     [protected]
     resources = ["aws_db_instance.billing*"]
    ```

    ## Safer alternative
    Change the reviewer's settings in a pull request of its own, owned by the people who
    own the policy (a CODEOWNERS rule makes their review mandatory):
    ```diff
    diff --git a/.github/CODEOWNERS b/.github/CODEOWNERS
    --- a/.github/CODEOWNERS
    +++ b/.github/CODEOWNERS
    @@ -1,2 +1,3 @@
     *            @acme/developers
    +/.reviewer.toml @acme/platform-leads
    ```

    ## References
    - This project's README, "Configuration" (the config is read from the base branch in CI)
    - GitHub documentation: CODEOWNERS and required reviews from code owners
    """

    code = "CFG005"
    name = "reviewer-config-change"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    remediation = (
        "Review the reviewer's configuration change on its own, with the policy's owners "
        "(CODEOWNERS on .reviewer.toml), and state why any detector, path or protected "
        "resource is dropped."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in doc.files:
            names = {PurePosixPath(p).name for p in (change.old_path, change.new_path) if p}
            if CONFIG_NAME in names:
                yield from self._file(change, pyproject=False)
            elif _PYPROJECT in names:
                yield from self._file(change, pyproject=True)

    def _file(self, change: FileChange, *, pyproject: bool) -> Iterator[Finding]:
        changes = [c for hunk in change.hunks for c in _hunk_changes(hunk, pyproject)]
        deleted = change.status == "deleted" and not pyproject
        if not changes and not (not pyproject and change.status in ("deleted", "renamed")):
            return
        where = "[tool.reviewer] in " if pyproject else ""
        why = _weakens(changes, deleted)
        first = changes[0].line if changes else None
        line = (first.new_lineno or first.old_lineno) if first else None
        evidence = " | ".join(f"{c.line.kind}{c.line.text.strip()}" for c in changes[:4])
        verb = "deletes" if deleted else "changes"
        message = f"{change.path}: the change {verb} the reviewer's own settings ({where}" \
                  f"{PurePosixPath(change.path).name})"
        if why:
            message += f" and {why}"
        yield self.finding(message, Location(path=change.path, line=line),
                           evidence=trim(evidence or f"{change.status} {change.path}"),
                           severity=Severity.HIGH if why else Severity.MEDIUM)

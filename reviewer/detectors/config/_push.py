"""Helpers of the config-push detectors: changed lines of any config-like file, read as
``key: value`` / ``key = value`` / ``"key": value`` pairs, and the environment a path names.

Unlike :mod:`reviewer.detectors.config._common` these helpers do not track key paths: the
config-push signals (an instant channel, a blank lifecycle field, a deactivated route filter)
are visible on one line, in any format, including router and firewall configs that have no
``key: value`` syntax at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from reviewer.detectors.config._common import is_test_path
from reviewer.parsers.diff import DiffDocument, DiffLine, FileChange

_PAIR = re.compile(
    r"""^\s*(?:-\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*[:=]\s*(.*?)\s*,?\s*$""")
_NONPROD_PART = re.compile(r"^(dev|development|staging|stage|stg|test|testing|qa|sandbox|sbx|"
                           r"preview|local|uat)([-_.].*)?$")
_SQUASH = re.compile(r"[_\-.]")
_TRAILING_COMMENT = re.compile(r"\s+#.*$")
_CI_PATH = re.compile(r"(^|/)\.github/workflows/|\.gitlab-ci\.ya?ml$|(^|/)\.circleci/")
_CODE_SUFFIXES = frozenset({".py", ".go", ".js", ".ts", ".java", ".rb", ".rs", ".c", ".cc",
                            ".cpp", ".h", ".hpp", ".cs", ".kt", ".scala", ".php", ".swift",
                            ".md", ".rst", ".txt"})


@dataclass(frozen=True, slots=True)
class Pair:
    """One changed (or context) line read as a key and a value."""

    change: FileChange
    line: DiffLine
    key: str
    value: str

    @property
    def squashed(self) -> str:
        """The key's last dotted part, lower-case, without ``_``, ``-`` and ``.``."""
        leaf = self.key.rsplit(".", 1)[-1]
        return _SQUASH.sub("", leaf.lower())

    @property
    def plain(self) -> str:
        """The value without quotes, brackets or a trailing comment, lower-case."""
        value = _TRAILING_COMMENT.sub("", self.value)
        return value.strip().strip("[]").strip().strip("\"'").strip().lower()

    @property
    def lineno(self) -> int | None:
        """The line number on the side the line belongs to."""
        return self.line.new_lineno if self.line.kind != "-" else self.line.old_lineno


@lru_cache(maxsize=4096)
def is_nonprod_path(path: str) -> bool:
    """True when a path component names a non-production environment, or it is a test."""
    if is_test_path(path):
        return True
    parts = [p.lower() for p in PurePosixPath(path).parts]
    stems = [PurePosixPath(p).stem for p in parts]
    return any(_NONPROD_PART.match(p) for p in (*parts[:-1], *stems[-1:]))


@lru_cache(maxsize=4096)
def is_code_path(path: str) -> bool:
    """True for source code and prose, which the config-push detectors leave alone."""
    return PurePosixPath(path).suffix.lower() in _CODE_SUFFIXES


def changed_files(diff: DiffDocument) -> Iterator[FileChange]:
    """Files of the diff that have at least one added or removed line."""
    for change in diff.files:
        if any(line.kind in "+-" for hunk in change.hunks for line in hunk.lines):
            yield change


def production_config_files(diff: DiffDocument, *, skip_ci: bool = False) -> Iterator[FileChange]:
    """Changed files that may carry production config: not source code or prose, not tests,
    not named for a non-production environment (and, with ``skip_ci``, not CI pipelines)."""
    for change in changed_files(diff):
        path = change.path
        if is_code_path(path) or is_nonprod_path(path) or (skip_ci and _CI_PATH.search(path)):
            continue
        yield change


def pairs(change: FileChange, kinds: str = "+") -> Iterator[Pair]:
    """Lines of ``kinds`` (``+``, ``-``, ``' '``) in a file that read as key and value."""
    match_pair = _PAIR.match
    for hunk in change.hunks:
        for line in hunk.lines:
            if line.kind not in kinds:
                continue
            match = match_pair(line.text)
            if match:
                yield Pair(change, line, match.group(1), match.group(2))


def lines(change: FileChange, kinds: str = "+") -> Iterator[DiffLine]:
    """Lines of ``kinds`` in a file, in diff order."""
    for hunk in change.hunks:
        for line in hunk.lines:
            if line.kind in kinds:
                yield line

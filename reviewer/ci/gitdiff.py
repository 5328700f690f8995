"""The pull request's diff from git (``base...head``) and an index of its changed lines.

The diff, full old/new files and commits come from :func:`reviewer.parsers.git_range.
load_git_range` with the three-dot form, which is what a pull request shows: the changes
``head`` made since it forked from ``base``. :class:`DiffIndex` then answers "which lines of
which files does the diff touch", so CI outputs only point at lines GitHub shows on the PR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.git_range import GitChange, load_git_range

__all__ = ["DiffIndex", "load_change"]

_RESOURCE = re.compile(r'^\s*(?:resource|data)\s+"([^"]+)"\s+"([^"]+)"', re.MULTILINE)
_INDEX = re.compile(r"\[[^\]]*\]")


def load_change(repo: str, base: str, head: str) -> GitChange:
    """The change ``head`` made since it forked from ``base`` (raises GitError)."""
    return load_git_range(f"{base}...{head}", repo=repo)


@dataclass(slots=True)
class DiffIndex:
    """Changed new-side lines per file, and where Terraform resources are declared."""

    #: path -> sorted new-side line numbers of added lines (the lines a PR can annotate).
    added: dict[str, list[int]] = field(default_factory=dict)
    #: path -> sorted new-side line numbers of every line shown in a hunk (context too).
    shown: dict[str, list[int]] = field(default_factory=dict)
    #: "type.name" -> (path, new-side line or None) of its declaration in a changed file;
    #: None when only the old side declares it (the change removed the declaration).
    declarations: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @classmethod
    def from_change(cls, doc: DiffDocument, new_texts: dict[str, str],
                    old_texts: dict[str, str] | None = None) -> DiffIndex:
        """Index a parsed diff with the changed files' new (and old) contents."""
        index = cls()
        for change in doc.files:
            if change.new_path is None:
                continue
            added: set[int] = set()
            shown: set[int] = set()
            for hunk in change.hunks:
                for line in hunk.lines:
                    if line.new_lineno is None:
                        continue
                    shown.add(line.new_lineno)
                    if line.kind == "+":
                        added.add(line.new_lineno)
            index.added[change.new_path] = sorted(added)
            index.shown[change.new_path] = sorted(shown)
            if not change.new_path.endswith(".tf"):
                continue
            text = new_texts.get(change.new_path) or ""
            for match in _RESOURCE.finditer(text):
                lineno = text.count("\n", 0, match.start()) + 1
                index.declarations.setdefault(f"{match[1]}.{match[2]}",
                                              (change.new_path, lineno))
            old = (old_texts or {}).get(change.old_path or change.new_path) or ""
            for match in _RESOURCE.finditer(old):
                index.declarations.setdefault(f"{match[1]}.{match[2]}",
                                              (change.new_path, None))
        return index

    def has_file(self, path: str) -> bool:
        """True when the diff changes ``path`` and it still exists."""
        return path in self.shown

    def line_in_diff(self, path: str, line: int | None) -> int | None:
        """``line`` when the PR shows it, else the nearest added (or shown) line of ``path``."""
        candidates = self.added.get(path) or self.shown.get(path) or []
        if not candidates:
            return None
        if line is not None and (line in candidates or line in self.shown.get(path, [])):
            return line
        if line is None:
            return candidates[0]
        return min(candidates, key=lambda n: (abs(n - line), n))

    def declaration(self, address: str) -> tuple[str, int | None] | None:
        """Where the Terraform resource ``address`` is declared in a changed file."""
        plain = _INDEX.sub("", address)
        parts = [p for p in plain.split(".") if p]
        while parts and parts[0] in ("module", "data") and len(parts) > 2:
            parts = parts[2:] if parts[0] == "module" else parts[1:]
        if len(parts) < 2:
            return None
        return self.declarations.get(f"{parts[-2]}.{parts[-1]}")

    @property
    def first_file(self) -> str | None:
        """The first changed file that still exists (a last-resort location)."""
        for path, lines in self.shown.items():
            if lines:
                return path
        return next(iter(self.shown), None)

"""Put every finding on a file and line a CI platform can show, and fingerprint it stably.

GitHub shows code-scanning alerts and annotations on a pull request only on lines of its
diff, so a finding is placed, in order of preference:

1. on its own file when the diff changes that file: its own line when the PR shows it,
   else the nearest added line;
2. for a resource address (plan findings): on the changed ``.tf`` file declaring that
   resource, at the nearest shown line;
3. on its plan file (given with ``--plan``), at its line or line 1;
4. on the first plan file, line 1; then on the first changed file.

Fingerprints hash the detector code, the repository path and the resource address (or the
evidence, or the message): never line numbers, so a finding keeps its identity when code
above it moves.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reviewer.ci.gitdiff import DiffIndex
from reviewer.models import Finding

__all__ = ["Locator", "Place", "fingerprints"]


@dataclass(frozen=True, slots=True)
class Place:
    """Where an output points: a repository-relative path and a 1-based line."""

    path: str
    line: int
    #: The line is shown in the pull request's diff.
    in_diff: bool


class Locator:
    """Places findings using the diff index and the plan files of one run."""

    def __init__(self, index: DiffIndex | None, repo_root: str,
                 plan_files: list[str] | None = None) -> None:
        self.index = index or DiffIndex()
        self.root = Path(repo_root).resolve()
        #: Plan files inside the repository (others cannot be shown on the PR).
        self.plan_files = [rel for rel in (self.relative(p) for p in (plan_files or []))
                           if rel and not Path(rel).is_absolute()]

    def relative(self, path: str) -> str:
        """``path`` relative to the repository when it lies inside it, '/'-separated."""
        text = path.strip()
        if not text:
            return text
        candidate = Path(text)
        if candidate.is_absolute():
            try:
                text = str(candidate.resolve().relative_to(self.root))
            except ValueError:
                return text.replace(os.sep, "/")
        elif os.sep != "/":
            text = text.replace(os.sep, "/")
        while text.startswith("./"):
            text = text[2:]
        return text

    def place(self, finding: Finding) -> Place:
        """The best place for ``finding`` (see the module docstring)."""
        loc = finding.location
        path = self.relative(loc.path)
        idx = self.index
        if idx.has_file(path):
            line = idx.line_in_diff(path, loc.line)
            if line is not None:
                return Place(path, line, True)
        if loc.address:
            decl = idx.declaration(loc.address)
            if decl is not None:
                line = idx.line_in_diff(decl[0], decl[1])
                if line is not None:
                    return Place(decl[0], line, True)
        if path and path in self.plan_files:
            return Place(path, loc.line or 1, False)
        if self.plan_files:
            return Place(self.plan_files[0], 1, False)
        first = idx.first_file
        if first is not None:
            return Place(first, idx.line_in_diff(first, None) or 1, True)
        return Place(path or "-", loc.line or 1, False)


def _key(finding: Finding, locator: Locator) -> str:
    loc = finding.location
    anchor = loc.address or finding.evidence.strip() or finding.message
    return "\0".join((finding.code, locator.relative(loc.path), anchor))


def fingerprints(findings: list[Finding], locator: Locator) -> list[str]:
    """A stable SHA-256 per finding; identical keys are told apart by their occurrence."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    for finding in findings:
        key = _key(finding, locator)
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
        out.append(digest)
    return out

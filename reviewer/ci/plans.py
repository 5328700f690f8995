"""Plan files for ``--plan FILE`` / ``--plan 'GLOB'`` (Terraform JSON, change sets, previews).

A literal path that does not exist is an error: the user said the plan would be there, and
reviewing without it would clear a change nobody looked at. A glob that matches nothing is
reported as a note (a pull request that touches no infrastructure has no plan). Matches are
sorted and de-duplicated; ``**`` matches across folders.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

from reviewer.errors import InputError
from reviewer.parsers.base import Artifact
from reviewer.parsers.reading import read_artifact

__all__ = ["PlanFiles", "find_plans", "read_plans"]

_GLOB_CHARS = frozenset("*?[")


@dataclass(slots=True)
class PlanFiles:
    """The plan files found and what to tell the user about the patterns."""

    paths: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def find_plans(patterns: list[str]) -> PlanFiles:
    """Expand ``patterns`` (raises InputError for a missing literal path)."""
    found = PlanFiles()
    seen: set[str] = set()
    for pattern in patterns:
        if not _GLOB_CHARS.intersection(pattern):
            if not os.path.isfile(pattern):
                raise InputError(pattern, "plan file not found (--plan)")
            matches = [pattern]
        else:
            matches = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
            if not matches:
                found.notes.append(f"--plan {pattern!r} matched no file")
        for path in matches:
            key = os.path.normpath(path)
            if key not in seen:
                seen.add(key)
                found.paths.append(path)
    return found


def read_plans(paths: list[str], limit: int | None = None) -> list[Artifact]:
    """Read every plan file (raises InputError naming the file)."""
    return [read_artifact(path, limit=limit) for path in paths]

"""Select detectors by code or prefix, and look them up by code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reviewer.detectors import ALL_DETECTORS
from reviewer.detectors.base import Detector
from reviewer.errors import UsageError


def by_code(code: str) -> type[Detector[Any]]:
    """The detector with this code (case-insensitive)."""
    wanted = code.strip().upper()
    for cls in ALL_DETECTORS:
        if cls.code == wanted:
            return cls
    raise UsageError(f"unknown detector code {code!r} (see `reviewer detectors list`)")


def _matches(cls: type[Detector[Any]], selectors: Sequence[str]) -> bool:
    return any(cls.code.startswith(s.strip().upper()) or cls.name == s.strip().lower()
               for s in selectors)


def select(
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> tuple[type[Detector[Any]], ...]:
    """Detectors matching ``include`` (all when empty) and not ``exclude``, by code prefix."""
    for selector in (*include, *exclude):
        if not any(_matches(cls, [selector]) for cls in ALL_DETECTORS):
            raise UsageError(f"detector selector {selector!r} matches no detector")
    chosen = [cls for cls in ALL_DETECTORS if not include or _matches(cls, include)]
    return tuple(cls for cls in chosen if not _matches(cls, exclude))

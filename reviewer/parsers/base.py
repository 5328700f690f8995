"""Types every parser shares: the raw artifact, problems found while parsing, documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Generic, Protocol, TypeVar

from reviewer.models import InputKind


@dataclass(frozen=True, slots=True)
class Artifact:
    """One input as read: a display path (``-`` for standard input) and its text."""

    path: str
    text: str
    kind: InputKind | None = None
    #: Problems found while reading (e.g. undecodable bytes replaced); carried into coverage.
    read_problems: tuple[Problem, ...] = ()


class ProblemLevel(StrEnum):
    """How much a parse problem weakens the review."""

    #: Part of the input could not be analysed: the review is incomplete (fail closed).
    ERROR = "error"
    #: Part of the input was deliberately not analysed (binary file, unsupported language).
    SKIPPED = "skipped"
    #: Worth telling the reader, does not weaken the review.
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a parser could not fully read, recorded in the verdict's coverage."""

    path: str
    message: str
    level: ProblemLevel = ProblemLevel.ERROR
    line: int | None = None


class Document(Protocol):
    """What every parsed document offers the engine."""

    kind: ClassVar[InputKind]

    @property
    def path(self) -> str:
        """Display path of the artifact the document came from."""
        ...

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Problems found while parsing (partially unreadable input)."""
        ...

    def describe(self) -> str:
        """One phrase saying what was analysed, e.g. ``"42 resource changes"``."""
        ...


@dataclass(slots=True)
class ParseOutcome:
    """All documents parsed from one artifact, and what could not be read."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def lines_touched(
    changed: frozenset[int] | None, start: int | None, end: int | None = None
) -> bool:
    """True when ``changed`` is None (everything is under review) or meets ``start..end``."""
    if changed is None:
        return True
    if start is None:
        return False
    last = start if end is None or end < start else end
    if last - start > 64:
        return any(start <= line <= last for line in changed)
    return any(line in changed for line in range(start, last + 1))


T = TypeVar("T")


class Lazy(Generic[T]):
    """A value computed on first use and kept (e.g. the old side of a changed file)."""

    __slots__ = ("_done", "_thunk", "_value", "source")

    def __init__(self, thunk: Callable[[], T], source: str | None = None) -> None:
        self._thunk: Callable[[], T] | None = thunk
        self._value: T | None = None
        self._done = False
        #: The raw text the value is computed from, when known: a cheap pre-check for
        #: detectors before they pay for parsing (e.g. "does the old file mention X?").
        self.source = source

    def get(self) -> T:
        """The value, computing it the first time."""
        if not self._done:
            assert self._thunk is not None  # noqa: S101 - invariant of __init__
            self._value = self._thunk()
            self._thunk = None
            self._done = True
        return self._value  # type: ignore[return-value]


def before_source(doc: object) -> str | None:
    """The unparsed old text of a document derived from a diff, without parsing it."""
    previous = getattr(doc, "previous", None)
    return previous.source if isinstance(previous, Lazy) else None


def before_may_mention(doc: object, *words: str) -> bool:
    """False only when the old text is known and contains none of ``words``.

    The cheap pre-check before a detector pays for parsing the old side of a file: when
    the old text cannot name what the detector looks for, there is nothing to compare.
    """
    source = before_source(doc)
    return source is None or any(word in source for word in words)

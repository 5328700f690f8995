"""The shape every detector takes.

A detector is a stateless class with a code (``TF001``), a kebab-case name, the input kind
it reads, a default severity and confidence, and a docstring with fixed sections (they
become its documentation page). ``detect`` is a pure function of one parsed document.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar, Generic, TypeVar

from reviewer.models import Confidence, Finding, InputKind, Location, Severity

DocT = TypeVar("DocT")

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,3}\d{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
REQUIRED_SECTIONS = (
    "## What it detects",
    "## Why is this risky?",
    "## Example",
    "## Safer alternative",
    "## References",
)


class Detector(ABC, Generic[DocT]):
    """Base of every detector. Subclasses are stateless and pure."""

    code: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[str]
    kinds: ClassVar[tuple[InputKind, ...]]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence] = Confidence.HIGH
    remediation: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:  # an intermediate base class
            return
        if not CODE_RE.match(cls.code):
            raise TypeError(f"{cls.__name__}: bad detector code {cls.code!r}")
        if not NAME_RE.match(cls.name):
            raise TypeError(f"{cls.__name__}: name must be kebab-case, got {cls.name!r}")
        missing = [s for s in REQUIRED_SECTIONS if s not in (cls.__doc__ or "")]
        if missing:
            raise TypeError(f"{cls.__name__}: docstring lacks sections {missing}")
        if not getattr(cls, "kinds", ()):
            raise TypeError(f"{cls.__name__}: declares no input kinds")

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0].strip()

    @abstractmethod
    def detect(self, doc: DocT) -> Iterator[Finding]:
        """Yield findings for one document; yield nothing when not applicable."""

    def finding(
        self,
        message: str,
        location: Location,
        *,
        evidence: str = "",
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        remediation: str | None = None,
    ) -> Finding:
        """Build a finding carrying this detector's code, name and defaults."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            confidence=confidence or self.confidence,
            message=message,
            location=location,
            evidence=evidence,
            remediation=self.remediation if remediation is None else remediation,
        )

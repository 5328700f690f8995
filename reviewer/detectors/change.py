"""The whole change as one document, for detectors that judge it as a whole.

Most detectors read one parsed artifact. A few need the whole change: what the author
says it does (the intent), every document, and the findings of the other detectors (is a
destructive effect mentioned in the intent? is an AI-assisted change high-risk?). The
service runs those after the others, on a :class:`ChangeDocument`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from reviewer.models import Finding, InputKind, Intent
from reviewer.parsers.base import Document, Problem


@dataclass(frozen=True, slots=True)
class ChangeDocument:
    """The change under review: intent, documents and first-pass findings."""

    kind: ClassVar[InputKind] = InputKind.CHANGE

    intent: Intent
    documents: tuple[Document, ...] = ()
    findings: tuple[Finding, ...] = ()
    path: str = "change"
    problems: tuple[Problem, ...] = ()

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        return f"the change as a whole ({len(self.documents)} documents)"

    @property
    def stated_text(self) -> str:
        """Title and description, lower-cased, for matching what the author says."""
        return f"{self.intent.title}\n{self.intent.description}".lower()

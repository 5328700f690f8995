"""GitHub Actions workflow commands: annotations, notices, and fencing of untrusted text.

Escaping follows the runner's rules (as in ``@actions/core``): in a command's data ``%``,
``\\r`` and ``\\n`` become ``%25``, ``%0D`` and ``%0A``; in its properties ``:`` and ``,``
also become ``%3A`` and ``%2C``. A command is therefore always one line, and text from the
pull request (file names, titles, evidence) cannot end it or start another.

Text that is printed as it is (the PR title, the report, LLM output) is fenced between
``::stop-commands::TOKEN`` and ``::TOKEN::`` with a random token per run, so no line of it
is read as a command. At most 10 errors and 10 warnings (and 10 notices) are annotated per
step, the runner's limit; the rest are counted in one notice and are in the summary/SARIF.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TextIO

from reviewer.ci.locate import Locator
from reviewer.models import Finding, Severity

__all__ = ["ANNOTATION_LIMIT", "Annotation", "annotate_findings", "command",
           "escape_data", "escape_property", "fenced", "new_token"]

Level = Literal["error", "warning", "notice"]
ANNOTATION_LIMIT = 10
_LEVEL: dict[Severity, Level] = {
    Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
    Severity.LOW: "notice", Severity.INFO: "notice",
}
_MESSAGE_LIMIT = 4000


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line (with its newline): ``::name k=v,k=v::message``."""
    props = ",".join(f"{key}={escape_property(str(value))}"
                     for key, value in properties.items() if value not in (None, ""))
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{escape_data(message)}\n"


def new_token() -> str:
    """A random, per-run token for ``::stop-commands::``."""
    return secrets.token_hex(16)


@contextmanager
def fenced(stream: TextIO, enabled: bool = True) -> Iterator[None]:
    """Print the block's output with workflow commands switched off (when ``enabled``)."""
    if not enabled:
        yield
        return
    token = new_token()
    stream.write(f"::stop-commands::{token}\n")
    try:
        yield
    finally:
        stream.write(f"\n::{token}::\n")
        stream.flush()


@dataclass(frozen=True, slots=True)
class Annotation:
    """One annotation about a finding."""

    level: Level
    title: str
    message: str
    file: str
    line: int

    def render(self) -> str:
        """The workflow command line."""
        return command(self.level, self.message, file=self.file, line=self.line,
                       title=self.title)


def _annotation(finding: Finding, locator: Locator) -> Annotation:
    place = locator.place(finding)
    message = finding.message
    if finding.location.address and finding.location.address not in message:
        message += f" ({finding.location.address})"
    if finding.remediation:
        message += f"\nRemediation: {finding.remediation}"
    if len(message) > _MESSAGE_LIMIT:
        message = message[:_MESSAGE_LIMIT - 1] + "…"
    return Annotation(level=_LEVEL[finding.severity],
                      title=f"{finding.code} {finding.name} ({finding.severity.value})",
                      message=message, file=place.path, line=place.line)


def annotate_findings(findings: list[Finding], locator: Locator, stream: TextIO,
                      limit: int = ANNOTATION_LIMIT) -> int:
    """Write up to ``limit`` annotations per level, most severe first; return how many."""
    counts: dict[Level, int] = {"error": 0, "warning": 0, "notice": 0}
    left_out = 0
    for finding in sorted(findings, key=lambda f: -f.severity.rank):
        note = _annotation(finding, locator)
        if counts[note.level] >= limit:
            left_out += 1
            continue
        counts[note.level] += 1
        stream.write(note.render())
    if left_out:
        stream.write(command("notice", f"{left_out} more finding(s) are not annotated (the "
                                       f"limit is {limit} per level); see the job summary "
                                       "and the SARIF report", title="change risk"))
    return sum(counts.values())

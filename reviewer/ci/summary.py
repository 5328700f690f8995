"""The Markdown report of a CI run: the gate's outcome, then the verdict.

The same text is the job summary (appended to ``$GITHUB_STEP_SUMMARY``, at most 1 MiB per
step) and the body of the sticky PR comment (at most 65,536 characters). When the review
itself failed, the report says so instead of showing a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer.verdict.model import Verdict

__all__ = ["COMMENT_LIMIT", "SUMMARY_LIMIT", "GateReport", "clip_utf8", "render_report",
           "write_step_summary"]

SUMMARY_LIMIT = 1024 * 1024
COMMENT_LIMIT = 65_536
_CUT_NOTE = "\n\n_…the report was cut to fit; the full verdict is in the JSON/SARIF outputs._\n"


@dataclass(frozen=True, slots=True)
class GateReport:
    """What the gate decided and why, for people."""

    #: "passed", "failed", "soft-failed", "error" or "error-passed".
    outcome: str
    reason: str
    subject: str = ""
    head: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


_ICON = {"passed": "✅", "failed": "❌", "soft-failed": "⚠️", "error": "❌",
         "error-passed": "⚠️"}
_WORD = {"passed": "passed", "failed": "failed", "soft-failed": "failed (soft-fail: not blocking)",
         "error": "could not review", "error-passed": "could not review (not blocking)"}


def render_report(verdict: Verdict | None, gate: GateReport, error: str | None = None) -> str:
    """The whole Markdown report."""
    from reviewer.render import render_markdown

    where = f" for `{gate.subject}`" if gate.subject else ""
    at = f" at `{gate.head[:12]}`" if gate.head else ""
    lines = [f"### {_ICON.get(gate.outcome, '')} Change-risk gate {_WORD.get(gate.outcome, '')}"
             f"{where}{at}", "", gate.reason, ""]
    if gate.notes:
        lines += [*(f"- {_one_line(n)}" for n in gate.notes), ""]
    if error:
        lines += ["**The review failed**; nothing was judged, so the change is not cleared.",
                  "", f"> {_one_line(error)}", ""]
    text = "\n".join(lines)
    if verdict is not None:
        text += "\n" + render_markdown(verdict)
        if verdict.suppressed:
            text += "\n### Suppressed findings\n\n" + "\n".join(
                f"- `{s.finding.code}` `{_one_line(str(s.finding.location))}`: "
                f"{_one_line(s.finding.message)} — allowed: {_one_line(s.reason)}"
                for s in verdict.suppressed) + "\n"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def clip_utf8(text: str, limit: int) -> str:
    """``text`` cut (with a note) so that its UTF-8 encoding fits in ``limit`` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(_CUT_NOTE.encode("utf-8"))
    return data[:room].decode("utf-8", "ignore") + _CUT_NOTE


def write_step_summary(path: str, text: str) -> None:
    """Append ``text`` to the step summary file, within the 1 MiB limit (raises OSError).

    The limit is per step, so what the step already wrote counts against it.
    """
    import os

    used = os.path.getsize(path) if os.path.exists(path) else 0
    room = max(SUMMARY_LIMIT - used, 1024)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(clip_utf8(text, min(room, SUMMARY_LIMIT)))

"""The author's stated intent, completed from commit messages, and AI-assistance signals."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from reviewer.models import Intent

#: Names in ``Co-authored-by:`` trailers that belong to coding agents and assistants.
AGENT_NAMES = re.compile(
    r"\b(claude|anthropic|copilot|cursor|devin|kiro|amazon q|codewhisperer|gemini|jules|codex|"
    r"openai|chatgpt|aider|windsurf|codeium|sweep|tabnine|cline|roo ?code|opencode|"
    r"github-actions\[bot\].*ai|coding agent|ai assistant)\b",
    re.IGNORECASE,
)
GENERATED_WITH = re.compile(
    r"(generated (with|by)|created (with|by)|written (with|by))\s+\[?[^\n]*\b(ai|claude|"
    r"copilot|cursor|kiro|gemini|codex|chatgpt|aider|devin|agent)\b",
    re.IGNORECASE,
)
_AI_TRAILERS = ("assisted-by", "generated-by", "ai-assisted", "x-ai-assisted")


def ai_signals(messages: Iterable[str], trailers: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Reasons to treat a change as AI-assisted, from trailers and message text."""
    reasons: list[str] = []
    for key, value in trailers:
        lowered = key.strip().lower()
        if lowered == "co-authored-by" and AGENT_NAMES.search(value):
            reasons.append(f"trailer Co-authored-by: {value.strip()}")
        elif lowered in _AI_TRAILERS:
            reasons.append(f"trailer {key.strip()}: {value.strip()}")
    for text in messages:
        match = GENERATED_WITH.search(text)
        if match:
            reasons.append(f"message says {match.group(0).strip()!r}")
        for line in text.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() in (*_AI_TRAILERS, "co-authored-by"):
                found = ai_signals((), [(key, value)])
                reasons.extend(r for r in found if r not in reasons)
    return list(dict.fromkeys(reasons))


def complete_intent(
    title: str,
    description: str,
    ai_assisted: bool,
    documents: Sequence[Any],
) -> Intent:
    """Fill the intent from commit messages carried by documents (format-patch, ``--git``).

    An explicit title or description wins; commits supply what is missing. AI assistance is
    the union of the explicit flag, commit trailers and the description's own text.
    """
    commits = [c for doc in documents for c in getattr(doc, "commits", ()) or ()]
    if not title and commits:
        title = str(commits[-1].subject) if len(commits) == 1 else str(commits[0].subject)
    if not description and commits:
        description = "\n\n".join(
            f"{c.subject}\n{c.body}".strip() for c in commits
        )
    messages = [description, title, *(f"{c.subject}\n{c.body}" for c in commits)]
    trailers = [t for c in commits for t in c.trailers]
    reasons = ai_signals(messages, trailers)
    if ai_assisted:
        reasons.insert(0, "declared AI-assisted by the author (--ai-assisted)")
    return Intent(
        title=title.strip(),
        description=description.strip(),
        ai_assisted=bool(reasons),
        ai_assisted_reasons=tuple(reasons),
    )

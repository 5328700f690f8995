"""The author's stated intent, completed from commit messages, and AI-assistance signals."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from reviewer.models import Intent

#: Names in ``Co-authored-by:`` trailers that belong to coding agents and assistants.
AGENT_NAMES = re.compile(
    r"\b(claude|anthropic|copilot|cursor|cursoragent|devin|kiro|amazon[ -]q|codewhisperer|"
    r"gemini|jules|codex|openai|chatgpt|aider|windsurf|codeium|sweep|tabnine|cline|"
    r"roo ?code|opencode|openhands|all-hands|qodo|github-actions\[bot\].*ai|coding agent|"
    r"ai assistant)\b",
    re.IGNORECASE,
)
GENERATED_WITH = re.compile(
    r"(generated (with|by)|created (with|by)|written (with|by))\s+\[?[^\n]*\b(ai|claude|"
    r"copilot|cursor|kiro|gemini|codex|chatgpt|aider|devin|agent)\b",
    re.IGNORECASE,
)
_AI_TRAILERS = ("assisted-by", "generated-by", "ai-assisted", "x-ai-assisted")
#: Pull-request labels (compared lower-case, ``_`` and spaces read as ``-``) that mark a
#: change as AI-assisted; a label equal to a configured agent name counts too.
AI_LABELS = frozenset({
    "ai", "ai-assisted", "ai-generated", "ai-authored", "ai-agent", "agent", "coding-agent",
    "llm", "llm-generated", "generated-by-ai", "copilot", "claude", "codex", "devin",
    "cursor", "jules", "openhands", "aider",
})


def _custom_agent(value: str, agents: Sequence[str]) -> bool:
    lowered = value.lower()
    return any(agent.strip() and agent.strip().lower() in lowered for agent in agents)


def _generated_line(text: str, agents: Sequence[str]) -> str | None:
    match = GENERATED_WITH.search(text)
    if match:
        return match.group(0).strip()
    if agents:
        for line in text.splitlines():
            lowered = line.lower()
            if re.search(r"\b(generated|created|written) (with|by)\b", lowered) and \
                    _custom_agent(line, agents):
                return line.strip()
    return None


def ai_signals(messages: Iterable[str], trailers: Iterable[tuple[str, str]] = (),
               agents: Sequence[str] = ()) -> list[str]:
    """Reasons to treat a change as AI-assisted, from trailers and message text.

    ``agents`` adds co-author names (the config's ``ai_assisted.agents``), matched
    case-insensitively anywhere in a ``Co-authored-by:`` value or a "Generated with" line.
    """
    reasons: list[str] = []
    for key, value in trailers:
        lowered = key.strip().lower()
        if lowered == "co-authored-by" and (AGENT_NAMES.search(value)
                                            or _custom_agent(value, agents)):
            reasons.append(f"trailer Co-authored-by: {value.strip()}")
        elif lowered in _AI_TRAILERS:
            reasons.append(f"trailer {key.strip()}: {value.strip()}")
    for text in messages:
        said = _generated_line(text, agents)
        if said:
            reasons.append(f"message says {said!r}")
        for line in text.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() in (*_AI_TRAILERS, "co-authored-by"):
                found = ai_signals((), [(key, value)], agents)
                reasons.extend(r for r in found if r not in reasons)
    return list(dict.fromkeys(reasons))


def label_signals(labels: Iterable[str], agents: Sequence[str] = ()) -> list[str]:
    """Reasons from pull-request labels (see :data:`AI_LABELS`)."""
    custom = {a.strip().lower().replace("_", "-").replace(" ", "-") for a in agents}
    reasons: list[str] = []
    for label in labels:
        norm = "-".join(label.strip().lower().replace("_", " ").split())
        if norm in AI_LABELS or (norm and norm in custom):
            reasons.append(f"pull request label {label.strip()!r}")
    return reasons


def complete_intent(
    title: str,
    description: str,
    ai_assisted: bool,
    documents: Sequence[Any],
    *,
    labels: Sequence[str] = (),
    agents: Sequence[str] = (),
) -> Intent:
    """Fill the intent from commit messages carried by documents (format-patch, ``--git``).

    An explicit title or description wins; commits supply what is missing. AI assistance is
    the union of the explicit flag, commit trailers, the description's own text and the
    pull request's labels; ``agents`` adds co-author names to the known coding agents.
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
    reasons = ai_signals(messages, trailers, agents) + label_signals(labels, agents)
    if ai_assisted:
        reasons.insert(0, "declared AI-assisted by the author (--ai-assisted)")
    return Intent(
        title=title.strip(),
        description=description.strip(),
        ai_assisted=bool(reasons),
        ai_assisted_reasons=tuple(reasons),
    )

"""What a stated intent says, and which findings are destructive effects (shared by the
intent detectors and the verdict policy)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewer.models import Finding, Severity

#: Words with which authors announce destruction.
DESTRUCTIVE_WORDS = re.compile(
    r"\b(delet\w*|remov\w*|drop\w*|destroy\w*|decommission\w*|tear\w*[ -]?down|teardown|"
    r"clean\w*[ -]?up|purg\w*|truncat\w*|wip\w*|rebuild\w*|recreat\w*|replac\w*|retir\w*|"
    r"deprecat\w*|sunset\w*|shut\w*[ -]?down|scal\w* (down|in|to zero)|rename\w*|migrat\w*|"
    r"nuke\w*|prune\w*|erase\w*|terminat\w*|uninstall\w*|revok\w*|disabl\w*)\b",
    re.IGNORECASE,
)

#: Words with which authors announce a small, safe change.
SMALL_CHANGE_WORDS = re.compile(
    r"\b(fix\w*|typo\w*|bump\w*|tweak\w*|refactor\w*|rounding|cosmetic|docs?|comment\w*|"
    r"lint\w*|format\w*|minor|small|tidy\w*|chore|no[ -]op|no functional change|"
    r"bug ?fix\w*|patch|hotfix\w*)\b",
    re.IGNORECASE,
)

#: Finding codes whose effect is destruction or loss: what an intent must announce.
DESTRUCTIVE_CODES: frozenset[str] = frozenset({
    "TF001", "TF002", "TF003", "TF004", "TF005", "TF006", "TF009", "TF010", "TF011", "TF012",
    "TF015",
    "CFN001", "CFN002",
    "PUL001",
    "K8S001", "K8S002", "K8S003", "K8S004", "K8S005",
    "SQL001", "SQL002", "SQL003", "SQL008",
    "SH001", "SH002", "SH003", "SH004", "SH005", "SH006", "SH007", "SH008",
    "CODE001", "CODE002", "CODE004",
    "SEC003",
    "CFG002",
})


def is_destructive(finding: Finding) -> bool:
    """True when a finding of high severity or above reports something destroyed or lost."""
    return finding.code in DESTRUCTIVE_CODES and finding.severity >= Severity.HIGH


_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_STOP = frozenset({"aws", "google", "azurerm", "module", "resource", "data", "main", "this",
                   "default", "instance", "the", "and", "for", "prod", "production", "dev",
                   "staging", "table", "column", "db", "a", "an", "of", "to", "in"})


def _name_parts(address: str) -> list[str]:
    """The parts of an address that name the object, not its type or module path."""
    addr = address.split(" (", 1)[0].strip()
    if "/" in addr:  # Deployment/prod/api
        return [addr.rsplit("/", 1)[-1]]
    segments = [seg.split("[", 1)[0] for seg in addr.split(".")]
    if (len(segments) >= 2 and "_" in segments[-2]) or "module" in segments:
        names = [segments[-1]]
        names += [segments[i + 1] for i, seg in enumerate(segments[:-1]) if seg == "module"]
        return names
    return segments


def object_words(finding: Finding) -> set[str]:
    """Distinctive words naming the object of a finding (resource names, tables, files)."""
    if finding.location.address:
        names = _name_parts(finding.location.address)
    else:
        names = [finding.location.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]]
    words: set[str] = set()
    for name in names:
        for part in _SPLIT.split(_CAMEL.sub("_", name).lower()):
            if len(part) >= 3 and part not in _STOP and not part.isdigit():
                words.add(part)
    return words


def mentions_any(text: str, words: Iterable[str]) -> bool:
    """True when the lower-cased text contains one of the words as a word."""
    tokens = set(_SPLIT.split(text.lower()))
    return any(w in tokens for w in words)

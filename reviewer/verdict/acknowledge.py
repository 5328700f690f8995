"""Destruction the author states, in a non-production environment, is capped at medium.

A change titled "Remove the unused exports bucket in dev" that deletes
``aws_s3_bucket.tmp_exports_dev`` is doing what it says where little is at stake. Its
findings stay in the verdict, marked as acknowledged, at `medium`: a human still looks, but
the change is not blocked. Three conditions, all required:

1. the intent uses a destructive word (delete, remove, decommission…);
2. it names the object (a word of its address or file name);
3. the object is in an inferred non-production environment (dev, staging, preview) and not
   in production. An unknown environment does not count: the reviewer fails closed.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewer.environments import environments_in_text
from reviewer.intent_text import DESTRUCTIVE_WORDS, is_destructive, mentions_any, object_words
from reviewer.models import Environment, Finding, Intent, Severity

NOTE = " [acknowledged: stated in the intent, non-production]"


def is_acknowledged(finding: Finding, intent: Intent) -> bool:
    """True when the intent announces this destructive finding for a non-production object."""
    stated = f"{intent.title}\n{intent.description}"
    if not is_destructive(finding) or not DESTRUCTIVE_WORDS.search(stated):
        return False
    if not mentions_any(stated, object_words(finding)):
        return False
    where = " ".join(filter(None, (finding.location.address, finding.location.path,
                                   finding.message)))
    envs = environments_in_text(where)
    return bool(envs) and Environment.PROD not in envs


def acknowledge(findings: Sequence[Finding], intent: Intent) -> tuple[list[Finding], set[str]]:
    """Findings with acknowledged ones capped at medium, and the acknowledged addresses."""
    out: list[Finding] = []
    addresses: set[str] = set()
    for finding in findings:
        if finding.severity > Severity.MEDIUM and is_acknowledged(finding, intent):
            out.append(finding.model_copy(update={
                "severity": Severity.MEDIUM, "message": finding.message + NOTE}))
            if finding.location.address:
                addresses.add(finding.location.address)
        else:
            out.append(finding)
    return out, addresses

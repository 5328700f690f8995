"""Infer deployment environments (prod, staging, dev) from names, paths and tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from reviewer.models import Environment

_PATTERNS: tuple[tuple[Environment, re.Pattern[str]], ...] = (
    (Environment.PROD, re.compile(r"(?<![a-z])(prod|production|prd|live)(?![a-z])")),
    (Environment.STAGING, re.compile(r"(?<![a-z])(staging|stage|stg|preprod|pre-prod|uat)(?![a-z])")),
    (Environment.DEV, re.compile(
        r"(?<![a-z])(dev|development|test|testing|sandbox|sbx|preview|ephemeral|qa|tmp)(?![a-z])")),
)

_TAG_KEYS = ("environment", "env", "stage", "tier", "workspace")


def environments_in_text(text: str) -> set[Environment]:
    """Environments named in free text such as an address, path or name."""
    lowered = text.lower().replace("_", "-")
    return {env for env, pattern in _PATTERNS if pattern.search(lowered)}


def environments_in_tags(tags: Any) -> set[Environment]:
    """Environments named by tag values under conventional keys (Environment, env, stage…)."""
    if not isinstance(tags, Mapping):
        return set()
    found: set[Environment] = set()
    for key, value in tags.items():
        if str(key).lower() in _TAG_KEYS and isinstance(value, str):
            found |= environments_in_text(value)
    return found


def infer_environments(texts: Iterable[str], tag_maps: Iterable[Any] = ()) -> set[Environment]:
    """Union of environments named in texts and in tag maps."""
    found: set[Environment] = set()
    for text in texts:
        found |= environments_in_text(text)
    for tags in tag_maps:
        found |= environments_in_tags(tags)
    return found


def ordered(envs: Iterable[Environment]) -> list[Environment]:
    """Environments in a stable order, prod first."""
    order = list(Environment)
    return sorted(set(envs), key=order.index)

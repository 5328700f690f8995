"""Infer deployment environments (prod, staging, dev) from names, paths and tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from reviewer.models import Environment

_WORDS: dict[Environment, tuple[str, ...]] = {
    Environment.PROD: ("prod", "production", "prd", "live"),
    Environment.STAGING: ("staging", "stage", "stg", "preprod", "pre-prod", "uat"),
    Environment.DEV: ("dev", "development", "test", "testing", "sandbox", "sbx", "preview",
                      "ephemeral", "qa"),
}
_BY_WORD = {word: env for env, words in _WORDS.items() for word in words}
_PATTERN = re.compile(
    r"(?<![a-z])(" + "|".join(sorted(map(re.escape, _BY_WORD), key=len, reverse=True))
    + r")(?![a-z])"
)

_TAG_KEYS = ("environment", "env", "stage", "tier", "workspace")
_NONE: frozenset[Environment] = frozenset()


@lru_cache(maxsize=8192)
def _scan(text: str) -> frozenset[Environment]:
    lowered = text.lower().replace("_", "-")
    if _PATTERN.search(lowered) is None:  # most names and addresses name no environment
        return _NONE
    return frozenset(_BY_WORD[m] for m in _PATTERN.findall(lowered))


def environments_in_text(text: str) -> set[Environment]:
    """Environments named in free text such as an address, path or name."""
    return set(_scan(text))


def environments_in_tags(tags: Any) -> set[Environment]:
    """Environments named by tag values under conventional keys (Environment, env, stage…)."""
    return set(tag_environments(tags))


@lru_cache(maxsize=1024)
def _is_environment_key(key: object) -> bool:
    return str(key).lower() in _TAG_KEYS


def tag_environments(tags: Any) -> frozenset[Environment]:
    """:func:`environments_in_tags` as a shared frozenset (for callers that do not modify it).

    Runs for both sides of every resource of a plan, so tag keys and values are looked up
    in caches rather than lowered and scanned each time.
    """
    if not isinstance(tags, (dict, Mapping)) or not tags:  # dict first: abc checks are slow
        return _NONE
    found = _NONE
    for key, value in tags.items():
        if isinstance(value, str) and _is_environment_key(key):
            envs = _scan(value)
            found = (found | envs) if found else envs
    return found


def text_environments(text: str) -> frozenset[Environment]:
    """:func:`environments_in_text` as a shared frozenset (for callers that do not modify it)."""
    return _scan(text)


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

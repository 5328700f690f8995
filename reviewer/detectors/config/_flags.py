"""Feature-flag files: which config files hold flags, and which flag a key belongs to."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from reviewer.detectors.config._common import ITEM, UNKNOWN, ConfigFile, Entry, squash

#: Keys whose children are flags (``flags: {new-checkout: …}``).
FLAG_CONTAINERS = frozenset({
    "flags", "featureflags", "features", "toggles", "featuretoggles", "featureenvironments",
    "flagvalues", "killswitches", "experiments",
})
_LD_RESOURCE = "launchdarklyfeatureflagenvironment"
#: Keys that structure a flag definition rather than name it.
_STRUCTURAL = frozenset({
    "environments", "fallthrough", "rollout", "variations", "variants", "rules", "targets",
    "targeting", "clauses", "strategies", "parameters", "constraints", "defaults", "settings",
    "contexttargets", "prerequisites", "segments", "weightedvariations", "config",
    *FLAG_CONTAINERS,
})
#: Keys whose removal under a flag removes targeting.
TARGETING_KEYS = frozenset({"rules", "targets", "targeting", "constraints", "segments",
                            "strategies", "contexttargets", "clauses", "userids"})
_FLAG_PATH = re.compile(
    r"(flag|feature|toggle|launchdarkly|unleash|flagd|openfeature|growthbook|flipper|"
    r"killswitch|kill-switch|experiment)", re.IGNORECASE)


def _is_ld_component(component: str) -> bool:
    return squash(component).startswith(_LD_RESOURCE)


def is_flag_file(cfg: ConfigFile) -> bool:
    """True when the file holds feature flags (by its path or its top-level keys)."""
    if cfg.fmt in ("env", "properties"):
        return False
    if cfg.fmt == "hcl":
        return any(_is_ld_component(c) for e in (*cfg.old, *cfg.new) for c in e.path[:1])
    parent = str(PurePosixPath(cfg.path).parent)
    if _FLAG_PATH.search(PurePosixPath(cfg.path).stem) or _FLAG_PATH.search(parent):
        return True
    for entry in (*cfg.old, *cfg.new):
        known = [c for c in entry.path if c not in (ITEM, UNKNOWN)]
        if known and squash(known[0]) in FLAG_CONTAINERS:
            return True
    return False


def container_index(path: tuple[str, ...]) -> int | None:
    """Index of the flag container (``flags``/``features``…) in a key path, if any."""
    for index, component in enumerate(path[:-1]):
        if squash(component) in FLAG_CONTAINERS or _is_ld_component(component):
            return index
    return None


def flag_key(cfg: ConfigFile, entry: Entry) -> str:
    """The flag an entry belongs to (its key under the flag container, or a best guess)."""
    path = entry.path
    index = container_index(path)
    if index is not None:
        component = path[index]
        if _is_ld_component(component):
            return component.split(".", 1)[-1]
        following = path[index + 1]
        if following not in (ITEM, UNKNOWN):
            return following
    for component in reversed(path[:-1]):
        if component in (ITEM, UNKNOWN) or squash(component) in _STRUCTURAL:
            continue
        if re.match(r"^(prod|production|staging|stage|dev|development|test|qa|uat)$",
                    component.lower()):
            continue
        return component
    return cfg.root_name or PurePosixPath(cfg.path).stem


def is_simple_flag(entry: Entry) -> bool:
    """``features: {new_checkout: true}``: the key itself is the flag and holds a boolean."""
    return len(entry.path) >= 2 and squash(entry.path[-2]) in FLAG_CONTAINERS and \
        (entry.value or "").lower() in ("true", "false", "on", "off", "yes", "no")


def defines_flag(entry: Entry) -> str | None:
    """The flag key this entry introduces (``new-checkout: {`` / ``- name: new-checkout``)."""
    path = entry.path
    if len(path) >= 2 and squash(path[-2]) in FLAG_CONTAINERS and path[-1] not in (ITEM,
                                                                                  UNKNOWN):
        return path[-1]
    if len(path) >= 3 and squash(path[-3]) in FLAG_CONTAINERS and \
            squash(path[-1]) in ("name", "key", "featurename", "flagkey") and entry.value \
            and path[-2] == entry.value:
        return entry.value
    return None

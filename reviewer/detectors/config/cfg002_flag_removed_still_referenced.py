"""CFG002: a feature flag is deleted while code in the change still reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import (
    config_files,
    is_code_path,
    is_doc_path,
    is_test_path,
    new_side_lines,
    trim,
)
from reviewer.detectors.config._flags import defines_flag, flag_key, is_flag_file
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

#: Flag keys shorter than this, or these generic words, are too common to search for.
_MIN_KEY = 4
#: Words that show a line handles flags (needed for unquoted or re-spelt keys).
_FLAG_CONTEXT = re.compile(r"flag|feature|toggle|variation|experiment|unleash|launchdarkly|"
                           r"openfeature|is_?enabled|ldclient|rollout", re.IGNORECASE)
_GENERIC = frozenset({"enabled", "default", "name", "true", "false", "value", "state",
                      "rules", "flags", "features", "config", "settings"})


def _variants(key: str) -> set[str]:
    """The spellings code uses for a flag key (kebab, snake, camel, CONSTANT)."""
    words = [w for w in re.split(r"[-_.\s]+|(?<=[a-z0-9])(?=[A-Z])", key) if w]
    if not words:
        return {key}
    lower = [w.lower() for w in words]
    return {
        key, "-".join(lower), "_".join(lower), "_".join(lower).upper(),
        lower[0] + "".join(w.capitalize() for w in lower[1:]),
    }


@dataclass(slots=True)
class _Reference:
    path: str
    line: int
    text: str
    strong: bool
    test: bool


class FlagRemovedStillReferenced(Detector[DiffDocument]):
    """A feature flag is deleted from the flag definitions while code in the change still uses it.

    ## What it detects
    A flag key whose whole definition is removed from a flag file (LaunchDarkly/flagd/Unleash
    exports, `flags:`/`features:` YAML or JSON) while the same key still appears in added or
    unchanged lines of code files in the same diff. A quoted key (`isEnabled("new-checkout")`)
    in application code is `high`; the key only in another spelling (`NEW_CHECKOUT`,
    `newCheckout`), in non-code files or only in tests is `medium`. A flag removed together
    with the code that read it (the references are on removed lines) is not reported.

    ## Why is this risky?
    Evaluating a flag that no longer exists serves the in-code fallback value ("If your
    application evaluates an archived flag, LaunchDarkly serves the flag's fallback value").
    The code path the flag was guarding flips for every user at once, usually to the old
    behaviour, with no error to alert anyone.

    ## Example
    ```diff
    diff --git a/flags/flags.yaml b/flags/flags.yaml
    --- a/flags/flags.yaml
    +++ b/flags/flags.yaml
    @@ -1,6 +1,4 @@
     flags:
    -  new-checkout:
    -    state: ENABLED
       dark-mode:
         state: DISABLED
    diff --git a/app/checkout.py b/app/checkout.py
    --- a/app/checkout.py
    +++ b/app/checkout.py
    @@ -10,3 +10,3 @@ def checkout(cart):
    -    log.info("checkout")
    +    log.info("checkout start")
         if flags.is_enabled("new-checkout"):
             return new_flow(cart)
    ```

    ## Safer alternative
    Remove the code that reads the flag first (or in the same change), then the flag:
    ```diff
    diff --git a/flags/flags.yaml b/flags/flags.yaml
    --- a/flags/flags.yaml
    +++ b/flags/flags.yaml
    @@ -1,6 +1,4 @@
     flags:
    -  new-checkout:
    -    state: ENABLED
       dark-mode:
         state: DISABLED
    diff --git a/app/checkout.py b/app/checkout.py
    --- a/app/checkout.py
    +++ b/app/checkout.py
    @@ -10,4 +10,2 @@ def checkout(cart):
    -    if flags.is_enabled("new-checkout"):
    -        return new_flow(cart)
    -    return old_flow(cart)
    +    return new_flow(cart)
    ```

    ## References
    - LaunchDarkly docs: archiving flags ("serves the flag's fallback value");
      `ld-find-code-refs` (code references)
    - Knight Capital 2012 (a repurposed flag reached dead code)
    """

    code = "CFG002"
    name = "flag-removed-still-referenced"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    remediation = (
        "Remove every code reference to the flag (or hard-code the branch you keep) before or "
        "in the same change that deletes the flag definition."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        removed: dict[str, tuple[str, int | None]] = {}
        still: set[str] = set()
        flag_paths: list[str] = []
        for cfg in config_files(doc):
            if is_test_path(cfg.path) or not is_flag_file(cfg):
                continue
            flag_paths.append(cfg.path)
            still |= {flag_key(cfg, e) for e in cfg.new}
            still |= {k for e in cfg.new if (k := defines_flag(e)) is not None}
            for entry in cfg.removed:
                key = defines_flag(entry)
                if key is None or len(key) < _MIN_KEY or key.lower() in _GENERIC:
                    continue
                removed.setdefault(key, (cfg.path, entry.anchor))
        removed = {k: v for k, v in removed.items() if k not in still}
        if not removed:
            return
        yield from self._references(doc, removed, flag_paths)

    def _references(self, doc: DiffDocument, removed: dict[str, tuple[str, int | None]],
                    flag_paths: list[str]) -> Iterator[Finding]:
        spelling: dict[str, str] = {}
        for key in removed:
            for variant in _variants(key):
                spelling.setdefault(variant, key)
        pattern = re.compile(r"(?<![\w-])(" + "|".join(
            re.escape(v) for v in sorted(spelling, key=len, reverse=True)) + r")(?![\w-])")
        found: dict[str, list[_Reference]] = {}
        for change, line in new_side_lines(doc, skip=flag_paths):
            if is_doc_path(change.path) or line.new_lineno is None:
                continue
            for match in pattern.finditer(line.text):
                key = spelling[match.group(1)]
                start, end = match.span(1)
                quoted = start > 0 and end < len(line.text) and \
                    line.text[start - 1] in "\"'`" and line.text[end] == line.text[start - 1]
                strong = quoted and match.group(1) == key and is_code_path(change.path)
                if not quoted and not _FLAG_CONTEXT.search(line.text):
                    continue
                found.setdefault(key, []).append(_Reference(
                    change.path, line.new_lineno, line.text, strong, is_test_path(change.path)))
        for key, refs in found.items():
            best = sorted(refs, key=lambda r: (r.test, not r.strong))[0]
            high = best.strong and not best.test
            source = removed[key][0]
            where = "tests still read" if best.test else "code still reads"
            yield self.finding(
                f"{best.path}: flag {key} is removed from {source} but {where} it "
                f"({len(refs)} reference(s) in the change)",
                Location(path=best.path, line=best.line), evidence=trim(best.text.strip()),
                severity=None if high else Severity.MEDIUM,
                confidence=Confidence.HIGH if high else Confidence.MEDIUM if best.strong
                else Confidence.LOW)

"""CFG001: a production feature flag's behaviour is flipped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import (
    ConfigFile,
    Entry,
    config_files,
    env_class,
    is_test_path,
    pair_changes,
    squash,
    trim,
)
from reviewer.detectors.config._flags import (
    TARGETING_KEYS,
    flag_key,
    is_flag_file,
    is_simple_flag,
)
from reviewer.environments import environments_in_text
from reviewer.models import Confidence, Environment, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

_TOGGLE_KEYS = frozenset({"on", "enabled", "enable", "state", "status", "active", "archived",
                          "disabled", "killswitch", "killed"})
_DEFAULT_KEYS = frozenset({"defaultvariant", "defaultvariation", "offvariation",
                           "defaultvalue", "default", "fallthroughvariation", "defaultrule",
                           "defaulttreatment", "defaultserve"})
_ROLLOUT_KEYS = frozenset({"rollout", "percentage", "percent", "rolloutpercentage",
                           "rolloutpercent", "weight", "traffic", "trafficallocation"})
_ON = frozenset({"true", "on", "yes", "enabled", "enable", "active", "1"})
_OFF = frozenset({"false", "off", "no", "disabled", "disable", "inactive", "0"})
_NUMBER = re.compile(r"^-?\d+(\.\d+)?%?$")
_LD_TYPE = "launchdarkly_feature_flag_environment"


def _state(value: str | None) -> str:
    text = (value or "").strip().lower()
    return "on" if text in _ON else "off" if text in _OFF else text


def _percent(old: str, new: str) -> tuple[float, float] | None:
    if not (_NUMBER.match(old) and _NUMBER.match(new)):
        return None
    a, b = float(old.rstrip("%")), float(new.rstrip("%"))
    if max(a, b) > 100:  # LaunchDarkly weights are thousandths of a percent
        a, b = a / 1000, b / 1000
    return a, b


def classify(old: Entry, new: Entry) -> str | None:
    """What a value change does to the flag, or None when it does not change behaviour."""
    leaf = squash(new.key)
    parent = squash(new.path[-2]) if len(new.path) >= 2 else ""
    before, after = old.value or "", new.value or ""
    if leaf in _TOGGLE_KEYS or is_simple_flag(new):
        if _state(before) == _state(after):
            return None
        turned = _state(after)
        if leaf in ("archived", "disabled", "killswitch", "killed"):
            turned = "off" if turned == "on" else "on" if turned == "off" else turned
        if turned in ("on", "off"):
            return f"turned {turned} ({new.key}: {before} → {after})"
        return f"state changed ({new.key}: {before} → {after})"
    if leaf in _DEFAULT_KEYS or (leaf == "variation" and parent == "fallthrough"):
        what = "off variation" if leaf == "offvariation" else "default variation"
        return f"{what} changed ({new.key}: {before} → {after})"
    if leaf in _ROLLOUT_KEYS:
        span = _percent(before, after)
        if span is not None and abs(span[1] - span[0]) >= 50:
            return f"rollout jumps {span[0]:g}% → {span[1]:g}% ({new.key})"
    return None


def _in_targeting(entry: Entry) -> bool:
    return any(squash(c) in TARGETING_KEYS for c in entry.path)


class ProdFlagFlipped(Detector[DiffDocument | TerraformPlan]):
    """A production feature flag is switched, its default changes, or its targeting is cut.

    ## What it detects
    Changes to feature-flag definitions (LaunchDarkly exports, flagd / OpenFeature JSON,
    Unleash exports, `features:`/`flags:` YAML or JSON, and
    `launchdarkly_feature_flag_environment` in Terraform plans or `.tf` files) that change
    what production users get:

    - the flag's `on` / `enabled` / `state` is toggled (or it is archived/killed);
    - the default, fallthrough or off variation changes (`defaultVariant`, `offVariation`,
      `fallthrough.variation`);
    - a rollout percentage or weight jumps by 50 points or more;
    - targeting rules, targets, constraints or strategies are removed while the flag stays.

    `high` for production (a `production` environment key or a prod-named file), `medium`
    with low confidence when the file names no environment; other environments and test
    fixtures are not reported.

    ## Why is this risky?
    A flag change is a deploy without a build: it reaches every user within seconds, skips
    CI and canaries, and a default-variation or targeting change silently moves traffic to a
    code path that may never have served production load.

    ## Example
    ```diff
    diff --git a/flags/production.json b/flags/production.json
    --- a/flags/production.json
    +++ b/flags/production.json
    @@ -1,7 +1,7 @@
     {
       "flags": {
         "new-checkout": {
    -      "state": "DISABLED",
    +      "state": "ENABLED",
           "defaultVariant": "off"
         }
       }
    ```

    ## Safer alternative
    Change the flag in a non-production environment first, then roll it out in steps in
    production (10% → 50% → 100%) with a kill switch:
    ```diff
    diff --git a/flags/staging.json b/flags/staging.json
    --- a/flags/staging.json
    +++ b/flags/staging.json
    @@ -1,7 +1,7 @@
     {
       "flags": {
         "new-checkout": {
    -      "state": "DISABLED",
    +      "state": "ENABLED",
           "defaultVariant": "off"
         }
       }
    ```

    ## References
    - LaunchDarkly flag model (`on`, `fallthrough`, `offVariation`, `rules`, `targets`)
    - DCG `featureflags.*` command rules; OpenFeature flagd flag definition schema
    - Incident reference: config pushes that bypass staged rollout (Cloudflare 2019/2025,
      Google Service Control 2025)
    """

    code = "CFG001"
    name = "prod-flag-flipped"
    family = "config"
    kinds = (InputKind.DIFF, InputKind.TERRAFORM_PLAN)
    severity = Severity.HIGH
    remediation = (
        "Change production flags through a staged rollout (percentage steps with monitoring) "
        "after the same change ran in staging, and keep a kill switch ready."
    )

    def detect(self, doc: DiffDocument | TerraformPlan) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
            return
        for cfg in config_files(doc, include_tf=True):
            if is_test_path(cfg.path) or not is_flag_file(cfg):
                continue
            yield from self._file(cfg)

    def _grade(self, envs: set[Environment]) -> tuple[Severity, Confidence, str] | None:
        klass = env_class(envs)
        if klass == "prod":
            return Severity.HIGH, Confidence.HIGH, " in production"
        if klass == "unknown":
            return Severity.MEDIUM, Confidence.LOW, ""
        return None

    def _file(self, cfg: ConfigFile) -> Iterator[Finding]:
        for old, new in pair_changes(cfg):
            what = classify(old, new)
            if what is None:
                continue
            grade = self._grade(cfg.environments(old, "old") | cfg.environments(new, "new"))
            if grade is None:
                continue
            flag = flag_key(cfg, new)
            yield self.finding(
                f"{cfg.path}: flag {flag}{grade[2]} {what}",
                Location(path=cfg.path, line=new.line),
                evidence=trim(f"{old.text.strip()} → {new.text.strip()}"),
                severity=grade[0], confidence=grade[1])
        yield from self._targeting(cfg)

    def _targeting(self, cfg: ConfigFile) -> Iterator[Finding]:
        removed: dict[str, list[Entry]] = {}
        for entry in cfg.removed:
            if _in_targeting(entry):
                removed.setdefault(flag_key(cfg, entry), []).append(entry)
        if not removed:
            return
        added: dict[str, int] = {}
        present: set[str] = set()
        for entry in cfg.new:
            key = flag_key(cfg, entry)
            present.add(key)
            if entry.kind == "+" and _in_targeting(entry):
                added[key] = added.get(key, 0) + 1
        for flag, entries in removed.items():
            if flag not in present or len(entries) <= added.get(flag, 0):
                continue
            envs: set[Environment] = set()
            for entry in entries:
                envs |= cfg.environments(entry, "old")
            grade = self._grade(envs)
            if grade is None:
                continue
            first = entries[0]
            yield self.finding(
                f"{cfg.path}: flag {flag}{grade[2]} loses targeting rules "
                f"({len(entries)} line(s) removed)",
                Location(path=cfg.path, line=first.anchor),
                evidence=trim(" | ".join(e.text.strip() for e in entries[:4])),
                severity=grade[0], confidence=grade[1])

    # ------------------------------------------------------------------ Terraform plans

    def _plan(self, plan: TerraformPlan) -> Iterator[Finding]:
        for rc in plan.of_types((_LD_TYPE,)):
            if not rc.managed or (not rc.is_update and not rc.is_replace):
                continue
            envs = environments_in_text(str(rc.value("env_key") or rc.value("env_key",
                                                                               side="before")))
            envs |= environments_in_text(rc.address)
            grade = self._grade(envs)
            if grade is None:
                continue
            for what in _plan_changes(rc):
                yield self.finding(
                    f"{rc.address}: flag {rc.value('flag_id') or rc.name}{grade[2]} {what}",
                    Location(path=plan.path, address=rc.address), evidence=trim(what),
                    severity=grade[0], confidence=grade[1])


def _plan_changes(rc: ResourceChange) -> Iterator[str]:
    def both(attr: str) -> tuple[Any, Any]:
        return rc.value(attr, side="before"), rc.value(attr, side="after")

    on_before, on_after = both("on")
    if isinstance(on_before, bool) and isinstance(on_after, bool) and on_before != on_after:
        yield (f"turned {'on' if on_after else 'off'} "
               f"(on: {str(on_before).lower()} → {str(on_after).lower()})")
    for attr, label in (("off_variation", "off variation"),
                        ("fallthrough.variation", "default variation")):
        before, after = both(attr)
        if before is not None and after is not None and before != after:
            yield f"{label} changed ({attr}: {before} → {after})"
    for attr in ("rules", "targets", "context_targets"):
        before, after = both(attr)
        if isinstance(before, list) and len(before) > (len(after) if isinstance(after, list)
                                                       else 0):
            count = len(after) if isinstance(after, list) else 0
            yield f"loses targeting {attr} ({len(before)} → {count})"

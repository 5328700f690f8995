"""CFG006: a config change skips staged rollout: instant global channel, all targets at once."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import trim
from reviewer.detectors.config._push import Pair, pairs, production_config_files
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

_CHANNEL_KEY = re.compile(r"(strategy|rollout|propagation|channel|distribution|deploymode|"
                          r"pushmode|delivery|replication|rolloutmode)$")
_INSTANT = re.compile(r"^(all[- _]?at[- _]?once|immediate(ly)?|instant|global[- _]?instant|"
                      r"instant[- _]?global|big[- _]?bang|fleet[- _]?wide|everywhere|global)$")
_TARGET_KEY = re.compile(r"(ring|rings|targetring|targetrings|target|targets|regions?|"
                         r"marketplaces?|zones?|cells?|hostclasses|hostgroups|clusters)$")
_ALL = frozenset({"*", "all", "global", "everywhere", "any", "'*'", '"*"'})
_GATE_KEY = re.compile(r"^(bake|baketime|soak|soaktime|canary|canaryhosts|canarypercent|"
                       r"canarycount|stages|waves|rings|steps|minwait|waitbetween)$")
_ZERO = re.compile(r"^(0+(\.0+)?[smhd]?|0+h0m|none|false|off|no|)$")
_SKIP_KEY = re.compile(r"^(skip|bypass|disable|no|ignore)(validation|validate|canary|staging|"
                       r"stages|safety|safedeploy|checks|healthchecks?|bake|ring|rings|"
                       r"gradual|rollback)$")
_GUARD_KEY = re.compile(r"^(validation|validate|autorollback|canary|staged|gradual|safedeploy|"
                        r"healthgate|rollback)$")
_GUARD_OFF = frozenset({"false", "off", "no", "0", "disabled", "manual", "none"})
_PERCENT_KEY = re.compile(r"^(percent|percentage|batchpercent|rolloutpercent|maxunavailable|"
                          r"batchsize)$")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)%?$")


def _what(pair: Pair) -> str | None:
    key, value = pair.squashed, pair.plain
    if _CHANNEL_KEY.search(key) and _INSTANT.match(value):
        return f"`{pair.key}` is `{value}`: the change reaches every target at once"
    if _TARGET_KEY.search(key) and value.replace(" ", "") in _ALL:
        return f"`{pair.key}` targets `{value}`: every ring, region or host at once"
    if _GATE_KEY.match(key) and pair.value.strip() and _ZERO.match(value.replace(" ", "")):
        return f"`{pair.key}` is `{value or 'empty'}`: the rollout gate between stages is gone"
    if _SKIP_KEY.match(key) and value in ("true", "yes", "on", "1"):
        return f"`{pair.key}` is `{value}`: a rollout safety step is skipped"
    if _GUARD_KEY.match(key) and value in _GUARD_OFF:
        return f"`{pair.key}` is `{value}`: a rollout safety step is switched off"
    return None


def _speed_up(old: Pair, new: Pair) -> str | None:
    a, b = _NUMBER.match(old.plain), _NUMBER.match(new.plain)
    if not a or not b:
        return None
    before, after = float(a.group(1)), float(b.group(1))
    if before > 0 and after >= 10 * before:
        return (f"`{new.key}` rises from {old.plain} to {new.plain}: each rollout batch is "
                f"{after / before:g}x larger")
    return None


class RolloutSafetyBypassed(Detector[DiffDocument]):
    """A config change skips staged rollout: instant global channel, all targets at once.

    ## What it detects
    Lines of changed config files (deploy manifests, rollout plans, global config, rule and
    policy files, in any key/value syntax) that make the change reach everything at once:

    - a strategy, channel, propagation or replication key set to `all-at-once`,
      `immediate`, `instant`, `global-instant` or `global`;
    - a ring, target, region or marketplace key set to `*` / `all`;
    - a bake time, soak, canary or stage list set to `0`, `none` or emptied;
    - `skip_validation: true`, `skip_canary: true` and the like, or validation,
      auto-rollback or canary switched to `false` / `manual`;
    - a rollout batch percentage raised tenfold or more (`medium`).

    A changed file that *declares* an instant global channel in its unchanged lines (a
    killswitch list, a content channel) is reported too: whatever the change adds travels
    that channel. Files under test folders or named for a non-production environment, and
    source code, are not reported.

    ## Why is this risky?
    Staged rollout is what turns a bad change into a small incident. Configuration, rules
    and content often travel faster than code: a global config system propagates in
    seconds, so one bad value reaches every server before any alarm fires. Outages from a
    WAF rule, a killswitch entry, a content file and a deployment that skipped its rings
    all went through such a channel.

    ## Example
    ```diff
    diff --git a/deploy/production.yaml b/deploy/production.yaml
    --- a/deploy/production.yaml
    +++ b/deploy/production.yaml
    @@ -1,4 +1,4 @@
     service: checkout
     rollout:
    -  strategy: waves
    +  strategy: all-at-once
       auto_rollback: true
    ```

    ## Safer alternative
    Send configuration through the same staged pipeline as code: a canary slice, then rings
    or regions with bake time and automatic rollback on health alarms. Keep the instant
    channel for emergencies, with a second approver.

    ```diff
    diff --git a/deploy/production.yaml b/deploy/production.yaml
    --- a/deploy/production.yaml
    +++ b/deploy/production.yaml
    @@ -1,4 +1,6 @@
     service: checkout
     rollout:
       strategy: waves
    +  canary_percent: 1
    +  bake_time: 30m
       auto_rollback: true
    ```

    ## References
    - Cloudflare, "Details of the Cloudflare outage on July 2, 2019" (WAF rules had no
      staged rollout)
    - Microsoft, Azure AD RCA SM79-F88 (2020): a deployment meant for one ring reached all
    - Google SRE book, chapter 16 "Tracking outages" and "Canarying releases" (SRE workbook ch. 16)
    """

    code = "CFG006"
    name = "rollout-safety-bypassed"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Roll the change out in stages (canary, rings or regions with bake time and "
                   "automatic rollback) instead of everywhere at once.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in production_config_files(doc, skip_ci=True):
            path = change.path
            old = {p.key: p for p in pairs(change, "-")}
            found = False
            for pair in pairs(change, "+"):
                what = _what(pair)
                severity = self.severity
                if what is None and pair.key in old and _PERCENT_KEY.match(pair.squashed):
                    what = _speed_up(old[pair.key], pair)
                    severity = Severity.MEDIUM
                if what is None:
                    continue
                found = True
                yield self.finding(what, Location(path=path, line=pair.lineno),
                                   evidence=trim(pair.line.text), severity=severity)
            if found:
                continue
            for pair in pairs(change, " "):
                if _CHANNEL_KEY.search(pair.squashed) and _INSTANT.match(pair.plain):
                    yield self.finding(
                        f"this file is delivered through `{pair.key}: {pair.plain}`: what the "
                        "change adds reaches every target at once",
                        Location(path=path, line=pair.lineno), evidence=trim(pair.line.text))
                    break

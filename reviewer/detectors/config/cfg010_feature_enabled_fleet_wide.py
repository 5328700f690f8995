"""CFG010: a new feature or subsystem is switched on for a whole production fleet at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import read_config_file, trim
from reviewer.detectors.config._flags import is_flag_file
from reviewer.detectors.config._push import Pair, pairs, production_config_files
from reviewer.environments import environments_in_text
from reviewer.models import Confidence, Environment, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument, FileChange

#: A key that names the feature it switches: ``enable_x``, ``use_x``, ``x_enabled``.
_SWITCH = re.compile(r"^(?i:enable|use|experimental|feature)(?:[_\-](?P<pre>\w[\w\-]*)|"
                     r"(?P<camel>[A-Z][\w\-]*))$"
                     r"|^(?P<post>[A-Za-z][\w\-]*?)(?:[_\-](?i:enabled?)|Enabled?)$")
#: Features whose switching on adds observation or protection, not new behaviour.
_PASSIVE = re.compile(r"(metric|logging|^logs?$|(access|query|slow|request)logs?$|trac(e|ing)|"
                      r"telemetry|audit|profil|stats|prometheus|monitor|debug|"
                      r"deletionprotection|backup|versioning|encryption|pprof)")
_ON = frozenset({"true", "on", "yes", "1", "enabled"})
#: Keys that stage a change (a slice of hosts, a percentage, a ring): the file is gated.
_GATE = re.compile(r"(rollout|percent|canary|cohort|allowlist)|^(rings?|waves?|stages?|subset)$")
#: Path words naming a staged slice of the fleet.
_SLICE_PATH = re.compile(r"(^|[/_.\-])(canary|canaries|pilot|ring\d*|wave\d*|cohort|subset|"
                         r"beta|early[-_]?adopters?)([/_.\-]|$)", re.IGNORECASE)
#: Path words naming configuration that every host or service of a fleet reads.
_FLEET_PATH = re.compile(r"(^|[/_.\-])(agents?|servers?|daemons?|clusters?|fleet|global|shared|"
                         r"common|defaults?|site|nodes?|brokers?)([/_.\-]|$)", re.IGNORECASE)
#: Terraform sources: their `enable_*` arguments configure one resource (the Terraform
#: detectors read those, and their plans).
_TF_PATH = re.compile(r"\.tf(\.json)?$")


def _feature(pair: Pair) -> str | None:
    """The feature a switch names, or None when the key is not a named switch."""
    leaf = pair.key.rsplit(".", 1)[-1]
    match = _SWITCH.match(leaf)
    if match is None:
        return None
    name = (match.group("pre") or match.group("camel") or match.group("post") or "").strip("_-")
    squashed = re.sub(r"[_\-.]", "", name.lower())
    if not squashed or _PASSIVE.search(squashed):
        return None
    return name


def _gated(change: FileChange) -> bool:
    """True when the file stages the change itself (a canary slice, a percentage, a ring)."""
    if _SLICE_PATH.search(change.path):
        return True
    return any(_GATE.search(pair.squashed) for pair in pairs(change, "+- "))


def _scope(path: str) -> str | None:
    """Why the file reaches a whole fleet: it names production, or a fleet-wide scope."""
    if Environment.PROD in environments_in_text(path):
        return "production"
    if _FLEET_PATH.search(str(PurePosixPath(path).with_suffix(""))):
        return "fleet-wide"
    return None


class FeatureEnabledFleetWide(Detector[DiffDocument]):
    """A new feature or subsystem is switched on for a whole production fleet at once.

    ## What it detects
    A named switch (`enable_streaming`, `use_streaming_backend`, `new_scheduler_enabled`,
    `experimental_x`) turned on (`false` → `true`, or added as `true`) in a production or
    fleet-wide config file (agent, server, cluster, global or shared config, in any
    key/value syntax: HCL, YAML, TOML, INI, JSON), when nothing in the file stages the
    change: no percentage, canary, cohort, ring, wave or batch key, and no canary or pilot
    slice named in its path.

    Not reported: switches for observation or protection (metrics, logging, tracing,
    telemetry, audit, debug, backups, deletion protection, encryption), feature-flag files
    (CFG001 reads those), source code, CI files, tests and non-production paths. The
    finding is `medium`: a new subsystem is not wrong, it is untried at full load.

    ## Why is this risky?
    A feature that has never run in this fleet is switched on for every host at the same
    moment, so its first real load is all of production. On shared infrastructure (service
    discovery, schedulers, brokers) every service depends on it, and the monitoring that
    would show the problem often depends on it too. A game platform enabled a new streaming
    mode on the service-discovery cluster every service used; under load it caused
    contention that, with a storage pathology, took the whole platform down for 73 hours.

    ## Example
    ```diff
    diff --git a/consul/production/agent.hcl b/consul/production/agent.hcl
    --- a/consul/production/agent.hcl
    +++ b/consul/production/agent.hcl
    @@ -8,2 +8,2 @@
     datacenter = "dc1"
    -use_streaming_backend = false
    +use_streaming_backend = true
    ```

    ## Safer alternative
    Switch the feature on for a canary slice first (a few services or one host group, with
    their own config), watch load and latency on the shared servers, then widen it:
    ```diff
    diff --git a/consul/production/canary-agents.hcl b/consul/production/canary-agents.hcl
    new file mode 100644
    --- /dev/null
    +++ b/consul/production/canary-agents.hcl
    @@ -0,0 +1,2 @@
    +# agents of the search and catalog services only
    +use_streaming_backend = true
    ```

    ## References
    - Roblox, "Roblox Return to Service 10/28-10/31 2021" (2022): a new streaming feature
      enabled on the shared service-discovery cluster
    - Google SRE workbook, chapter 16 "Canarying releases"
    - HashiCorp Consul agent configuration: `use_streaming_backend`, `rpc.enable_streaming`
    """

    code = "CFG010"
    name = "feature-enabled-fleet-wide"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    remediation = ("Turn the feature on for a canary slice of the fleet first (a host group, a "
                   "few services or a percentage), watch the shared servers, then widen it.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in production_config_files(doc, skip_ci=True):
            path = change.path
            if _TF_PATH.search(path):
                continue
            scope = _scope(path)
            if scope is None or self._is_flag_file(change) or _gated(change):
                continue
            was_on = {p.key for p in pairs(change, "-") if p.plain in _ON}
            for pair in pairs(change, "+"):
                feature = _feature(pair)
                if feature is None or pair.plain not in _ON or pair.key in was_on:
                    continue
                yield self.finding(
                    f"`{pair.key}` switches {feature} on for every host that reads {path} "
                    f"({scope}) at once: nothing in the file stages it",
                    Location(path=path, line=pair.lineno), evidence=trim(pair.line.text))

    @staticmethod
    def _is_flag_file(change: FileChange) -> bool:
        cfg = read_config_file(change)
        return cfg is not None and is_flag_file(cfg)

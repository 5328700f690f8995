"""CFG009: host images or fleet config turn on unattended OS package upgrades."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import trim
from reviewer.detectors.config._push import changed_files, is_nonprod_path, lines
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

_SWITCHES = (
    (re.compile(r'APT::Periodic::Unattended-Upgrade\s+"?[1-9]'), "unattended-upgrades runs"),
    (re.compile(r"^\s*-\s*unattended-upgrades\s*$"),
     "the unattended-upgrades package is installed"),
    (re.compile(r"^\s*package_upgrade:\s*true\b"), "cloud-init upgrades every package at boot"),
    (re.compile(r"^\s*apply_updates\s*=\s*(yes|true|1)\b", re.I), "dnf-automatic applies updates"),
    (re.compile(r"^\s*AutomaticUpdates?\s*[:=]\s*(true|enabled|on)\b", re.I),
     "automatic updates are enabled"),
    (re.compile(r'Unattended-Upgrade::Allowed-Origins|"\$\{distro_id\}:\$\{distro_codename\}-'
                r'security"'), "a new origin is allowed for unattended upgrades"),
)


class UnattendedOsUpdates(Detector[DiffDocument]):
    """Host images or fleet config turn on unattended OS package upgrades.

    ## What it detects
    Added lines in image builds, cloud-init and package-manager config that let hosts
    upgrade themselves outside the deploy pipeline: `APT::Periodic::Unattended-Upgrade "1"`,
    the `unattended-upgrades` package, a new allowed origin, cloud-init
    `package_upgrade: true`, dnf-automatic `apply_updates = yes`. Paths naming a
    non-production environment and tests are not reported.

    ## Why is this risky?
    Unattended upgrades change production outside any rollout: every host of every region
    installs the same package in the same window. A routine systemd security update that
    restarts the network daemon flushed the routes a CNI had installed and took tens of
    thousands of nodes offline across regions at once; another platform lost outbound
    connectivity when an OS update ran on hosts where it should have been off.

    ## Example
    ```diff
    diff --git a/images/node/files/20auto-upgrades b/images/node/files/20auto-upgrades
    --- a/images/node/files/20auto-upgrades
    +++ b/images/node/files/20auto-upgrades
    @@ -1,2 +1,2 @@
     APT::Periodic::Update-Package-Lists "1";
    -APT::Periodic::Unattended-Upgrade "0";
    +APT::Periodic::Unattended-Upgrade "1";
    ```

    ## Safer alternative
    Apply security updates by rebuilding the image and rolling it out region by region
    through the normal node rotation; keep unattended upgrades off on production hosts.

    ```diff
    diff --git a/images/node/build.pkr.hcl b/images/node/build.pkr.hcl
    --- a/images/node/build.pkr.hcl
    +++ b/images/node/build.pkr.hcl
    @@ -1,3 +1,4 @@
       inline = [
         "sudo apt-get update",
    +    "sudo apt-get -y upgrade",
       ]
    ```

    ## References
    - Datadog, "2023-03-08 multi-region infrastructure connectivity issue"
    - Heroku, "Summary of June 10 outage" (2025)
    """

    code = "CFG009"
    name = "unattended-os-updates"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Bake updates into the image and roll it out in stages; keep unattended "
                   "upgrades off on production hosts.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in changed_files(doc):
            if is_nonprod_path(change.path):
                continue
            for line in lines(change, "+"):
                for pattern, what in _SWITCHES:
                    if pattern.search(line.text):
                        yield self.finding(
                            f"{what}: hosts will change themselves outside the rollout, "
                            "everywhere in the same window",
                            Location(path=change.path, line=line.new_lineno),
                            evidence=trim(line.text))
                        break

"""CFG012: one change reconfigures two shared infrastructure dependencies at once."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.config._push import production_config_files
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument, FileChange

_EDGE = r"(?:^|[/_.\-])"
_END = r"(?:[/_.\-]|$)"

#: Shared dependencies every service leans on, recognised by a path component or a word of
#: the file name: (label, pattern over the lower-case path).
DEPENDENCIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(_EDGE + "(?:" + words + ")" + _END)) for label, words in (
        ("DNS", r"dns|coredns|nodelocaldns|bind9|named|unbound|powerdns|pdns|resolvers?|route53"),
        ("host or network firewall", r"firewalls?|hostfw|iptables|nftables|netpol|"
                                     r"network-?polic(?:y|ies)|security-groups?"),
        ("service discovery", r"consul|etcd|zookeeper|eureka|service-discovery"),
        ("load balancing", r"haproxy|envoy|load-?balancers?|ingress-controller|ingress-nginx"),
        ("certificates", r"pki|certs|certificates|cert-manager"),
        ("time sync", r"ntp|chrony|timesyncd"),
        ("routing", r"bgp|routers?|routing"),
    ))


def dependency_of(path: str) -> str | None:
    """The shared dependency a config file belongs to, or None."""
    lowered = path.lower()
    for label, pattern in DEPENDENCIES:
        if pattern.search(lowered):
            return label
    return None


def _first_changed_line(change: FileChange) -> int | None:
    return next((line for hunk in change.hunks
                 if (line := hunk.first_changed_line) is not None), None)


class SharedDependenciesTogether(Detector[DiffDocument]):
    """One change reconfigures two shared infrastructure dependencies at once.

    ## What it detects
    A diff that changes the production configuration of two or more different shared
    dependencies that every service relies on: DNS, host or network firewalls, service
    discovery, load balancing, certificates, time sync and routing. Each dependency is
    recognised by a folder or file name (`dns/`, `coredns`, `hostfw/`, `iptables`,
    `consul/`, `haproxy`, `pki/`, `chrony`, `bgp`…); files under test folders, files named
    for a non-production environment, source code and prose are left out. One finding per
    change, at the first changed line of the dependency found second, naming every
    dependency and file involved. `medium`: each change may be fine alone.

    ## Why is this risky?
    Shared dependencies fail together and are debugged apart. When two of them change in
    the same window, an interaction neither change's owner tested can take everything down,
    and rolling back either one alone is not known to restore service. In September 2023 a
    host-firewall policy change shipped alongside an internal DNS server upgrade; together
    they overloaded the DNS servers, and once node-local caches expired every product was
    down for hours (Square's incident report).

    ## Example
    ```diff
    diff --git a/policies/hostfw/production/base.yaml b/policies/hostfw/production/base.yaml
    --- a/policies/hostfw/production/base.yaml
    +++ b/policies/hostfw/production/base.yaml
    @@ -5,3 +5,3 @@
       - name: node-local-dns
         protocol: udp
    -    destination: 169.254.20.10/32
    +    destination: 10.0.53.0/28
    diff --git a/dns/production/servers.yaml b/dns/production/servers.yaml
    --- a/dns/production/servers.yaml
    +++ b/dns/production/servers.yaml
    @@ -1,3 +1,3 @@
     dns_servers:
    -  version: 2.19.4
    +  version: 3.0.1
    ```

    ## Safer alternative
    Ship one dependency's change, watch it through a full cache and connection turnover,
    then ship the other; keep each change on its own so it can be rolled back alone:
    ```diff
    diff --git a/dns/production/servers.yaml b/dns/production/servers.yaml
    --- a/dns/production/servers.yaml
    +++ b/dns/production/servers.yaml
    @@ -1,3 +1,3 @@
     dns_servers:
    -  version: 2.19.4
    +  version: 3.0.1
    ```

    ## References
    - Square, "An update on last week's outage" (September 2023): a host-firewall change
      combined with a DNS service upgrade
    - Google SRE book, "Managing Critical State" and change-management chapters: one
      change at a time to shared infrastructure, with progressive rollout
    """

    code = "CFG012"
    name = "shared-dependencies-changed-together"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    remediation = ("Split the change: ship one shared dependency's change, watch it through "
                   "cache expiry and reconnects, then ship the next, each with its own rollback.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        touched: dict[str, list[FileChange]] = {}
        for change in production_config_files(doc):
            label = dependency_of(change.path)
            if label is not None:
                touched.setdefault(label, []).append(change)
        if len(touched) < 2:
            return
        labels = list(touched)
        second = touched[labels[1]][0]
        parts = [f"{label} ({', '.join(c.path for c in touched[label][:3])}"
                 f"{', …' if len(touched[label]) > 3 else ''})" for label in labels]
        yield self.finding(
            f"one change reconfigures {len(labels)} shared dependencies at once: "
            f"{'; '.join(parts)}. If they interact, everything that depends on them fails "
            "together, and rolling back one of them alone may not restore service",
            Location(path=second.path, line=_first_changed_line(second)),
            evidence=", ".join(labels))

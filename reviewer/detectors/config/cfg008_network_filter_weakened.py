"""CFG008: a router or firewall config loses a filter, reorders a reject, or withdraws prefixes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import trim
from reviewer.detectors.config._push import changed_files, is_nonprod_path, lines
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument, DiffLine, FileChange

_NET_PATH = re.compile(r"(^|/)(routers?|network|net|bgp|junos|ios|policy-options|devices|"
                       r"configs?/distribution|configs?/core|edge|firewall|iptables|nftables|"
                       r"templates/mcp|wan)(/|$)|iptables|nftables|\.(conf|cfg|junos|ios|set|"
                       r"rules|erb|j2)$")
_FILTER = re.compile(r"\b(prefix-list|route-filter|route-map|route-policy|distribute-list|"
                     r"filter-list|maximum-prefix|prefix-limit|as-path-list|import|export)\b")
_INACTIVE = re.compile(r"^\s*(inactive:|deactivate\s)")
_TERM = re.compile(r"^\s*term\s+(\S+)\s*\{?\s*$")
_REJECT = re.compile(r"\b(reject|deny|discard)\b")
_CIDR = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}\b"
                   r"|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}/\d{1,3}\b", re.I)
_RESET = re.compile(r"^\s*(clear\s+(ip\s+)?(bgp|isis|ospf|ospfv3|mpls)\b.*(\*|process)|"
                    r"restart\s+routing|clear\s+(isis|ospf)\s+process)")
_ESTABLISHED = re.compile(r"(ESTABLISHED|ct\s+state\s+established)", re.I)
_MASS_WITHDRAW = 5


def _norm(text: str) -> str:
    return " ".join(text.replace("inactive:", "").split()).rstrip(";")


class NetworkFilterWeakened(Detector[DiffDocument]):
    """A router or firewall config loses a filter, reorders a reject, or withdraws prefixes.

    ## What it detects
    Changes to router and firewall configuration (Junos, IOS-style, iptables/nftables,
    config templates) that widen or cut what the network carries:

    - a match condition or filter is deactivated (`inactive:`, `deactivate`) or removed
      without replacement: `prefix-list`, `route-filter`, `route-map`, `route-policy`,
      `maximum-prefix`, `import`/`export` policies;
    - a term that rejects is moved above the terms after it, shadowing them;
    - five or more prefixes are withdrawn with none added (a generated config that drops
      every announcement);
    - a rule accepting `ESTABLISHED`/`RELATED` return traffic is removed;
    - a routing protocol process is cleared or restarted (`medium`: network-wide
      re-convergence).

    ## Why is this risky?
    Routing policy is read top to bottom and a missing condition matches everything:
    deactivating one prefix-list made a router export every route with a high preference,
    and removing a route filter flooded a carrier's core with the full table. A reject
    term moved up withdraws the prefixes that carry traffic; a firewall without the
    return-traffic rule drops every reply. These changes take effect on commit, on every
    router that gets the template.

    ## Example
    ```diff
    diff --git a/routers/edge01/policy.conf b/routers/edge01/policy.conf
    --- a/routers/edge01/policy.conf
    +++ b/routers/edge01/policy.conf
    @@ -1,4 +1,4 @@
     term SITE-LOCAL {
         from {
    -        prefix-list SITE-LOCAL;
    +        inactive: prefix-list SITE-LOCAL;
         }
    ```

    ## Safer alternative
    Remove the routes you mean to remove (edit the prefix list), never the match
    condition; simulate the policy (Batfish or the vendor's `test policy`) and compare the
    advertised prefixes before and after; apply to one device with `commit confirmed`
    first; keep `maximum-prefix` on every session.

    ```diff
    diff --git a/routers/edge01/policy.conf b/routers/edge01/policy.conf
    --- a/routers/edge01/policy.conf
    +++ b/routers/edge01/policy.conf
    @@ -1,4 +1,3 @@
     prefix-list SITE-LOCAL {
         2001:db8:10::/48;
    -    2001:db8:12::/48;
     }
    ```

    ## References
    - Cloudflare, "Cloudflare outage on July 17, 2020" (inactive prefix-list)
    - Cloudflare, "Cloudflare outage on June 21, 2022" (reject term reordered)
    - CRTC, Rogers letter of 2022-07-22 (route filter removed on distribution routers)
    - Stack Exchange, outage post-mortem of 2014-08-25 (iptables return traffic)
    """

    code = "CFG008"
    name = "network-filter-weakened"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Edit the routes or rules themselves, not the filters around them; simulate "
                   "the policy and apply to one device with a confirmed commit first.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in changed_files(doc):
            path = change.path
            if not _NET_PATH.search(path.lower()) or is_nonprod_path(path):
                continue
            if PurePosixPath(path).suffix.lower() in (".md", ".txt", ".py", ".go"):
                continue
            yield from self._file(change)

    def _hit(self, change: FileChange, lineno: int | None, text: str, message: str,
             severity: Severity | None = None) -> Finding:
        return self.finding(message, Location(path=change.path, line=lineno),
                            evidence=trim(text), severity=severity)

    def _file(self, change: FileChange) -> Iterator[Finding]:
        added = list(lines(change, "+"))
        removed = list(lines(change, "-"))
        added_norm = {_norm(a.text) for a in added}
        for line in added:
            if _INACTIVE.match(line.text):
                yield self._hit(change, line.new_lineno, line.text,
                                "a policy statement is deactivated: its match no longer "
                                "applies, so the term matches more than before")
            elif _RESET.match(line.text):
                yield self._hit(change, line.new_lineno, line.text,
                                "a routing protocol process is cleared: every neighbour "
                                "re-converges", Severity.MEDIUM)
        for line in removed:
            if _FILTER.search(line.text) and _norm(line.text) not in added_norm:
                yield self._hit(change, line.old_lineno, line.text,
                                "a route filter or policy reference is removed without "
                                "replacement: the session accepts or sends every route")
            elif _ESTABLISHED.search(line.text) and "ACCEPT" in line.text.upper() and not any(
                    _ESTABLISHED.search(a.text) for a in added):
                yield self._hit(change, line.old_lineno, line.text,
                                "the rule accepting established/related return traffic is "
                                "removed: replies to outgoing connections are dropped")
        yield from self._reorders(change, added, removed)
        withdrawn = [r for r in removed if _CIDR.search(r.text)]
        if len(withdrawn) >= _MASS_WITHDRAW and not any(_CIDR.search(a.text) for a in added):
            yield self._hit(change, withdrawn[0].old_lineno, withdrawn[0].text,
                            f"{len(withdrawn)} prefixes are withdrawn and none added")

    def _reorders(self, change: FileChange, added: list[DiffLine],
                  removed: list[DiffLine]) -> Iterator[Finding]:
        removed_terms = {m.group(1): r for r in removed if (m := _TERM.match(r.text))}
        for index, line in enumerate(added):
            match = _TERM.match(line.text)
            if not match or match.group(1) not in removed_terms:
                continue
            block = " ".join(a.text for a in added[index + 1:index + 6])
            old = removed_terms[match.group(1)]
            if (_REJECT.search(block) and "from" not in block
                    and line.new_lineno is not None and old.old_lineno is not None
                    and line.new_lineno < old.old_lineno):
                yield self._hit(change, line.new_lineno, line.text,
                                f"term {match.group(1)} rejects everything and now comes "
                                "before terms it used to follow, shadowing them")

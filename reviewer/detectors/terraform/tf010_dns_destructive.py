"""TF010: DNS zones or records are destroyed, or a record's TTL drops sharply."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    DNS_RECORD_TYPES,
    DNS_ZONE_TYPES,
    environment_label,
    fmt,
    location,
    replace_reason,
    side,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

#: Record types whose loss takes a name or a mail domain off the internet.
_DNS_TYPES = DNS_ZONE_TYPES | DNS_RECORD_TYPES.keys()
_SERVING = frozenset({"A", "AAAA", "CNAME", "ALIAS", "MX", "NS", "SOA", "HTTPS", "SVCB"})
#: Attributes that hold a record's values, across providers.
_VALUES = ("records", "rrdatas", "record", "value", "content", "data", "alias", "target",
           "exchange", "answers")
#: A TTL drop is big when the new TTL is at most this share of the old one…
TTL_DROP_RATIO = 0.1
#: …and the old TTL was at least this long (seconds).
TTL_DROP_MIN_BEFORE = 3600


def _record_type(rc: ResourceChange, obj: dict[str, Any]) -> str:
    fixed = DNS_RECORD_TYPES.get(rc.type, "")
    if fixed:
        return fixed
    value = obj.get("type")
    return value.upper() if isinstance(value, str) else ""


def _name(obj: dict[str, Any]) -> str:
    for attr in ("name", "fqdn", "hostname"):
        value = obj.get(attr)
        if isinstance(value, str) and value:
            return value.lower().rstrip(".")
    return ""


def _zone(obj: dict[str, Any]) -> str:
    value = obj.get("zone_name") or obj.get("managed_zone") or obj.get("domain") or ""
    return str(value).lower().rstrip(".")


def _key(rc: ResourceChange, obj: dict[str, Any]) -> tuple[str, str, str, str]:
    """What identifies a record regardless of its Terraform address."""
    return rc.type, _zone(obj), _name(obj), _record_type(rc, obj)


def _values(obj: dict[str, Any]) -> str | None:
    """The record's values, canonical (None when the side shows none)."""
    found = {a: obj[a] for a in _VALUES if obj.get(a) not in (None, [], "")}
    if not found:
        return None
    canonical = {k: sorted(map(str, v)) if isinstance(v, list) and all(
        not isinstance(x, (dict, list)) for x in v) else v for k, v in found.items()}
    return json.dumps(canonical, sort_keys=True, default=str)


def _is_apex(rc: ResourceChange, obj: dict[str, Any]) -> bool:
    name = _name(obj)
    if name in ("@", ""):
        return name == "@"
    zone = _zone(obj)
    if zone:
        return name == zone
    return name.count(".") == 1


class DnsDestructive(Detector[TerraformPlan]):
    """A DNS zone or record is destroyed, a zone is made force-destroyable, or a TTL collapses.

    ## What it detects
    - a hosted zone (`aws_route53_zone`, `google_dns_managed_zone`, `azurerm_dns_zone`,
      `cloudflare_zone`…) destroyed or replaced: `critical`; `force_destroy` switched on
      for a zone: `high`;
    - a record (`aws_route53_record`, `google_dns_record_set`, `azurerm_dns_*_record`,
      `cloudflare_record`…) destroyed or replaced destroy-first: `high` for apex, A/AAAA,
      CNAME, MX and NS records, `medium` for TXT, SRV, CAA and the like; a create-first
      replacement is `medium`;
    - a record TTL cut to a tenth or less of a TTL of an hour or more: `high`, medium
      confidence.

    A record destroyed at one address and created with the same name, type and values at
    another (moved between modules) is not reported here (TF006 reports the missing
    `moved` block).

    ## Why is this risky?
    DNS is the front door: a deleted zone takes every name in it offline and its name
    servers change when it is recreated; a deleted apex, MX or NS record breaks the site,
    mail or delegation until caches expire, and resolvers keep the negative answer. A
    collapsed TTL multiplies query load and removes the cache that rides out an outage.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_route53_record.mx", "mode": "managed", "type": "aws_route53_record",
       "name": "mx", "change": {"actions": ["delete"], "after": null,
       "before": {"name": "example.com", "type": "MX", "ttl": 300,
                  "records": ["10 mx1.example.com"]}}}]}
    ```

    ## Safer alternative
    Move the record with a `moved` block (or leave it in place) instead of destroying it:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "module.dns.aws_route53_record.mx", "mode": "managed",
       "type": "aws_route53_record", "name": "mx",
       "previous_address": "aws_route53_record.mx", "change": {"actions": ["no-op"],
       "before": {"name": "example.com", "type": "MX", "records": ["10 mx1.example.com"]},
       "after": {"name": "example.com", "type": "MX", "records": ["10 mx1.example.com"]}}}]}
    ```

    ## References
    - DCG `dns.route53:*delete*` pack; Overmind CloudFront/DNS risk example
    - Terraform `force_destroy` on `aws_route53_zone` ("destroy all records in the zone")
    """

    code = "TF010"
    name = "dns-destructive-change"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Keep the zone and records; when moving them between modules add a `moved` block, and "
        "lower TTLs in steps ahead of a planned cut-over."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        created: dict[tuple[str, str, str, str], list[str | None]] = {}
        records: list[ResourceChange] = []
        for rc in doc.of_types(_DNS_TYPES, changed=True):
            if rc.type in DNS_ZONE_TYPES:
                yield from self._zone(doc, rc)
            elif rc.type in DNS_RECORD_TYPES:
                records.append(rc)
                if rc.is_create and not rc.is_replace:
                    after = side(rc, "after")
                    created.setdefault(_key(rc, after), []).append(_values(after))
        for rc in records:
            yield from self._record(doc, rc, created)

    def _zone(self, doc: TerraformPlan, rc: ResourceChange) -> Iterator[Finding]:
        before, after = side(rc, "before"), side(rc, "after")
        dns_name = before.get("dns_name") or after.get("dns_name")
        name = str(dns_name).rstrip(".") if dns_name else (_name(before) or rc.address)
        if rc.is_delete:
            what = "replaced (destroyed, then recreated with new name servers)" \
                if rc.is_replace else "destroyed with every record in it"
            message = f"DNS zone {name} ({rc.address}){environment_label(rc)} will be {what}"
            reason = replace_reason(rc) if rc.is_replace else ""
            if reason:
                message += f" because {reason}"
            yield self.finding(
                message, location(doc, rc), evidence=f"actions: {list(rc.actions)}",
                severity=Severity.HIGH if rc.deposed else Severity.CRITICAL,
                confidence=Confidence.MEDIUM if rc.deposed else None)
            return
        if rc.is_update and after.get("force_destroy") is True \
                and before.get("force_destroy") is not True:
            yield self.finding(
                f"DNS zone {name} ({rc.address}){environment_label(rc)}: force_destroy switched "
                "on; the next destroy deletes every record in it",
                location(doc, rc),
                evidence=f"force_destroy: {fmt(before.get('force_destroy'))} → true")

    def _record(self, doc: TerraformPlan, rc: ResourceChange,
                created: dict[tuple[str, str, str, str], list[str | None]]) -> Iterator[Finding]:
        before, after = side(rc, "before"), side(rc, "after")
        if rc.is_update:
            yield from self._ttl(doc, rc, before, after)
            return
        if not rc.is_delete:
            return
        rtype = _record_type(rc, before)
        name = _name(before) or rc.address
        apex = _is_apex(rc, before)
        if rc.is_pure_delete:
            twins = created.get(_key(rc, before), [])
            values = _values(before)
            if twins and (values is None or values in twins or None in twins):
                return  # the same record is created at another address: a move
        important = apex or rtype in _SERVING or not rtype
        label = f"{'apex ' if apex else ''}{rtype + ' ' if rtype else ''}record {name}"
        if rc.is_pure_delete:
            what, severity = "destroyed", Severity.HIGH if important else Severity.MEDIUM
        elif rc.delete_first:
            what = "destroyed before its replacement is created"
            severity = Severity.HIGH if important else Severity.MEDIUM
        else:
            what, severity = "replaced (new record created first)", Severity.MEDIUM
        message = f"DNS {label} ({rc.address}){environment_label(rc)} will be {what}"
        reason = replace_reason(rc) if rc.is_replace else ""
        if reason:
            message += f" because {reason}"
        yield self.finding(message, location(doc, rc), evidence=f"actions: {list(rc.actions)}",
                           severity=severity,
                           confidence=Confidence.MEDIUM if rc.deposed else None)

    def _ttl(self, doc: TerraformPlan, rc: ResourceChange, before: dict[str, Any],
             after: dict[str, Any]) -> Iterator[Finding]:
        old, new = before.get("ttl"), after.get("ttl")
        if not isinstance(old, int) or not isinstance(new, int) or isinstance(old, bool) \
                or isinstance(new, bool) or rc.is_unknown("ttl"):
            return
        if old >= TTL_DROP_MIN_BEFORE and new <= old * TTL_DROP_RATIO:
            name = _name(after) or _name(before) or rc.address
            yield self.finding(
                f"DNS record {name} ({rc.address}){environment_label(rc)}: TTL drops from "
                f"{old}s to {new}s", location(doc, rc), evidence=f"ttl: {old} → {new}",
                confidence=Confidence.MEDIUM)

"""Helpers shared by the Terraform detectors (formatting, protections, environments)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from reviewer.environments import ordered
from reviewer.models import Environment, Location
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.resources import PROTECTION_ATTRIBUTES, SKIP_DESTROY_ATTRIBUTES

#: Shown instead of any value marked sensitive in the plan.
MASK = "(sensitive)"


def location(plan: TerraformPlan, rc: ResourceChange) -> Location:
    """Where a resource change is: the plan file and the resource address."""
    return Location(path=plan.path, address=rc.address)


@lru_cache(maxsize=64)
def _label(envs: frozenset[Environment]) -> str:
    names = [e.value for e in ordered(envs)]
    return f" ({', '.join(names)})" if names else ""


def environment_label(rc: ResourceChange) -> str:
    """``" (prod)"`` when the address or tags name an environment, else ``""``."""
    return _label(rc.environments)  # a handful of distinct sets per plan


def is_sensitive(rc: ResourceChange, attr: str, side: str = "before") -> bool:
    """True when the plan marks the top-level attribute sensitive on that side."""
    marks: Any = rc.before_sensitive if side == "before" else rc.after_sensitive
    if marks is True:
        return True
    return isinstance(marks, dict) and bool(marks.get(attr))


def fmt(value: Any) -> str:
    """A short, JSON-like rendering of a plan value."""
    if value is None:
        return "null"
    if value is True or value is False:  # the usual protection flags, without the encoder
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if type(value) is int:
        return str(value)
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def skip_destroy(rc: ResourceChange) -> bool:
    """True when the resource's own attributes make a delete only forget it."""
    return any(rc.value(a, side="before") is True for a in SKIP_DESTROY_ATTRIBUTES)


_FINAL_SNAPSHOT_BY_ID = frozenset({
    "aws_db_instance", "aws_rds_cluster", "aws_redshift_cluster", "aws_docdb_cluster",
    "aws_neptune_cluster", "aws_elasticache_replication_group", "aws_elasticache_cluster",
})


_TOP_LEVEL_PROTECTIONS = tuple((a, u) for a, u in PROTECTION_ATTRIBUTES if "." not in a)


def missing_recovery(rc: ResourceChange) -> list[str]:
    """Protections the object lacked when it is destroyed (from its before-state)."""
    gaps: list[str] = []
    before = rc.before if isinstance(rc.before, dict) else {}
    for attr, unsafe in _TOP_LEVEL_PROTECTIONS:
        value = before.get(attr)
        if value is not None and value == unsafe:
            gaps.append(f"{attr} = {fmt(value)}")
    if before.get("backup_retention_period") == 0:
        gaps.append("backup_retention_period = 0")
    if before.get("snapshot_retention_limit") == 0:
        gaps.append("snapshot_retention_limit = 0")
    if rc.type in _FINAL_SNAPSHOT_BY_ID and "final_snapshot_identifier" in before \
            and not before.get("final_snapshot_identifier") \
            and before.get("skip_final_snapshot") is not True:
        gaps.append("final_snapshot_identifier = null (no final snapshot)")
    if rc.type == "aws_ebs_volume" and before.get("final_snapshot") is False:
        gaps.append("final_snapshot = false")
    return gaps


#: Why a delete happens, from the plan's ``action_reason``, in words.
DELETE_REASONS: dict[str, str] = {
    "delete_because_no_resource_config": "its resource block is no longer in the configuration",
    "delete_because_no_module": "its module call is no longer in the configuration",
    "delete_because_no_move_target": "a `moved` block points it at an address that does not exist",
    "delete_because_count_index": "its count index is out of range of the new count",
    "delete_because_each_key": "its key is no longer in for_each",
    "delete_because_wrong_repetition": "count/for_each changed its instance key type",
}


def delete_reason(rc: ResourceChange) -> str:
    """Why Terraform deletes the object, in words ("" when the plan gives no reason)."""
    return DELETE_REASONS.get(rc.action_reason or "", "")


def replace_reason(rc: ResourceChange) -> str:
    """Why Terraform replaces the object: the attributes that force it, and their values."""
    parts: list[str] = []
    for path in rc.replace_paths:
        top = str(path[0]) if path else ""
        if not top:
            continue
        dotted = ".".join(str(p) for p in path)
        if is_sensitive(rc, top, "before") or is_sensitive(rc, top, "after"):
            parts.append(f"{dotted}: {MASK}")
            continue
        before = rc.value(top, side="before")
        after = "(known after apply)" if rc.is_unknown(top) else fmt(rc.value(top, side="after"))
        parts.append(f"{dotted}: {fmt(before)} → {after}")
    reason = {
        "replace_because_tainted": "the object is tainted",
        "replace_by_request": "replacement was requested with -replace",
        "replace_by_triggers": "replace_triggered_by fired",
    }.get(rc.action_reason or "")
    if reason:
        parts.append(reason)
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Instance addresses, sides and safe values (TF005, TF006, TF010, TF012…)

#: Delete reasons caused by `count` / `for_each` instance keys rather than a removed block.
REPETITION_REASONS: dict[str, str] = {
    "delete_because_count_index": "its count index is out of range of the new count",
    "delete_because_each_key": "its key is no longer in for_each",
    "delete_because_wrong_repetition": "count/for_each changed its instance key type",
}

_INSTANCE_KEY = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')

#: Attribute names whose values are never shown (on top of the plan's sensitive marks).
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|private_key|credential|api_key|"
                         r"access_key|auth", re.IGNORECASE)


def base_address(rc: ResourceChange) -> str:
    """The resource's address without its instance key (``aws_subnet.a[2]`` → ``aws_subnet.a``)."""
    address = rc.address
    return _INSTANCE_KEY.sub("", address) if address.endswith("]") else address


def instance_key(address: str) -> str:
    """The trailing instance key of an address (``[2]``, ``["web"]``), or ``""``."""
    match = _INSTANCE_KEY.search(address)
    return match.group(0) if match else ""


def side(rc: ResourceChange, which: str) -> dict[str, Any]:
    """The before or after object of a change (``{}`` when it is null or not an object)."""
    obj = rc.before if which == "before" else rc.after
    return obj if isinstance(obj, dict) else {}


def _unknown_keys(rc: ResourceChange) -> frozenset[str]:
    marks = rc.after_unknown
    if marks is True:
        return frozenset(side(rc, "after"))
    if not isinstance(marks, dict):
        return frozenset()
    return frozenset(k for k, v in marks.items() if v is True)


def unknown_keys(rc: ResourceChange) -> frozenset[str]:
    """Top-level attributes whose after-value is known only after apply."""
    return rc.memo("unknown_keys", _unknown_keys)


def shown(rc: ResourceChange, attr: str, value: Any, which: str = "before") -> str:
    """``fmt(value)``, or the mask when the attribute is sensitive or looks like a secret."""
    top = attr.split(".", 1)[0]
    if _SECRET_KEY.search(top) or is_sensitive(rc, top, which):
        return MASK
    return fmt(value)


def informative(value: Any) -> bool:
    """True for values that say something about an object (not null, empty, 0 or a flag)."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, (str, list, dict)):
        return bool(value)
    return bool(value != 0)


def only_nonprod(rc: ResourceChange) -> bool:
    """True when the address or tags name only development/test environments."""
    envs = rc.environments
    return bool(envs) and envs <= {Environment.DEV}


# ---------------------------------------------------------------------------------------------
# Resource type lists (kept here rather than in reviewer/resources.py)

#: Encryption keys and key containers whose destruction makes encrypted data unreadable.
CRYPTO_KEY_TYPES: frozenset[str] = frozenset({
    "aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key",
    "aws_kms_replica_external_key",
    # google_kms_key_ring is not listed: destroying one only removes it from state.
    "google_kms_crypto_key", "google_kms_crypto_key_version",
    "azurerm_key_vault", "azurerm_key_vault_key",
    "azurerm_key_vault_managed_hardware_security_module",
    "azurerm_key_vault_managed_hardware_security_module_key",
})

#: DNS zones: deleting one takes every name in it off the internet.
DNS_ZONE_TYPES: frozenset[str] = frozenset({
    "aws_route53_zone", "google_dns_managed_zone", "azurerm_dns_zone", "cloudflare_zone",
    "digitalocean_domain", "ns1_zone", "dnsimple_zone", "oci_dns_zone",
})

#: DNS record resources, with the record type when the resource type fixes it.
DNS_RECORD_TYPES: dict[str, str] = {
    "aws_route53_record": "", "google_dns_record_set": "", "cloudflare_record": "",
    "cloudflare_dns_record": "", "digitalocean_record": "", "ns1_record": "",
    "dnsimple_zone_record": "", "oci_dns_rrset": "",
    "azurerm_dns_a_record": "A", "azurerm_dns_aaaa_record": "AAAA",
    "azurerm_dns_cname_record": "CNAME", "azurerm_dns_mx_record": "MX",
    "azurerm_dns_ns_record": "NS", "azurerm_dns_txt_record": "TXT",
    "azurerm_dns_srv_record": "SRV", "azurerm_dns_caa_record": "CAA",
    "azurerm_dns_ptr_record": "PTR",
}

#: Network foundations: everything in a VPC/VNet depends on them.
NETWORK_FOUNDATION_TYPES: dict[str, str] = {
    # AWS
    "aws_vpc": "VPC", "aws_subnet": "subnet", "aws_default_vpc": "VPC",
    "aws_route_table": "route table", "aws_default_route_table": "route table",
    "aws_main_route_table_association": "main route table association",
    "aws_route_table_association": "route table association",
    "aws_nat_gateway": "NAT gateway", "aws_internet_gateway": "internet gateway",
    "aws_egress_only_internet_gateway": "egress-only internet gateway",
    "aws_ec2_transit_gateway": "transit gateway",
    "aws_ec2_transit_gateway_vpc_attachment": "transit gateway attachment",
    "aws_ec2_transit_gateway_route_table": "transit gateway route table",
    "aws_ec2_transit_gateway_peering_attachment": "transit gateway peering",
    "aws_vpc_peering_connection": "VPC peering", "aws_vpn_connection": "VPN connection",
    "aws_vpn_gateway": "VPN gateway", "aws_customer_gateway": "customer gateway",
    "aws_dx_connection": "Direct Connect connection",
    "aws_dx_gateway": "Direct Connect gateway",
    "aws_networkfirewall_firewall": "network firewall",
    "aws_networkfirewall_firewall_policy": "network firewall policy",
    "aws_network_acl": "network ACL", "aws_default_network_acl": "network ACL",
    "aws_vpc_endpoint": "VPC endpoint", "aws_vpc_dhcp_options_association": "DHCP options",
    "aws_route53_zone_association": "private DNS zone association",
    "aws_route53_resolver_endpoint": "DNS resolver endpoint",
    "aws_route53_resolver_rule_association": "DNS resolver rule association",
    # Google Cloud
    "google_compute_network": "VPC network", "google_compute_subnetwork": "subnet",
    "google_compute_router": "cloud router", "google_compute_router_nat": "cloud NAT",
    "google_compute_route": "route", "google_compute_vpn_gateway": "VPN gateway",
    "google_compute_ha_vpn_gateway": "VPN gateway", "google_compute_vpn_tunnel": "VPN tunnel",
    "google_compute_network_peering": "VPC peering",
    "google_compute_interconnect_attachment": "interconnect attachment",
    "google_compute_firewall_policy": "firewall policy",
    "google_compute_network_firewall_policy": "firewall policy",
    "google_compute_shared_vpc_host_project": "shared VPC host",
    "google_service_networking_connection": "private service connection",
    # Azure
    "azurerm_virtual_network": "VNet", "azurerm_subnet": "subnet",
    "azurerm_route_table": "route table", "azurerm_nat_gateway": "NAT gateway",
    "azurerm_subnet_route_table_association": "route table association",
    "azurerm_subnet_nat_gateway_association": "NAT gateway association",
    "azurerm_virtual_network_peering": "VNet peering",
    "azurerm_virtual_network_gateway": "VPN gateway",
    "azurerm_virtual_network_gateway_connection": "VPN connection",
    "azurerm_express_route_circuit": "ExpressRoute circuit",
    "azurerm_virtual_hub": "virtual hub", "azurerm_virtual_wan": "virtual WAN",
    "azurerm_firewall": "firewall", "azurerm_firewall_policy": "firewall policy",
    "azurerm_private_dns_zone": "private DNS zone",
    "azurerm_private_dns_zone_virtual_network_link": "private DNS zone link",
    "azurerm_private_dns_resolver": "private DNS resolver",
}


# ---------------------------------------------------------------------------------------------
# Attribute similarity (a delete and a create that are the same object under a new address)

#: Attributes that differ between two incarnations of the same object, or carry no meaning.
VOLATILE_ATTRIBUTES: frozenset[str] = frozenset({
    "id", "arn", "tags", "tags_all", "labels", "effective_labels", "terraform_labels",
    "timeouts", "self_link", "etag", "unique_id", "owner_id", "creation_date", "create_date",
    "created_at", "creation_timestamp", "last_modified", "fingerprint", "version",
})

#: Attributes that name the real object; equal values mean the same object.
IDENTITY_ATTRIBUTES: tuple[str, ...] = (
    "name", "bucket", "identifier", "cluster_identifier", "function_name", "table_name",
    "domain_name", "repository_name", "cidr_block", "fqdn", "account_id", "project_id",
    "queue_name", "stream_name", "topic_name", "secret_id", "key_id", "alias",
)


def _comparable(rc: ResourceChange, which: str) -> dict[str, str]:
    obj = side(rc, which)
    if not obj:
        return {}
    skip = unknown_keys(rc) if which == "after" else frozenset()
    out: dict[str, str] = {}
    # ``informative`` inlined with exact-type dispatch: this runs over every attribute of
    # every created and destroyed object of a plan.
    for key, value in obj.items():
        if not value or key in VOLATILE_ATTRIBUTES or key in skip:
            continue  # None, "", 0, False, [] and {} say nothing
        kind = type(value)
        if kind is str:
            out[key] = value
        elif kind is bool:
            continue
        elif kind is int or kind is float:
            out[key] = f"#{value!r}"
        elif kind is dict or kind is list:  # repr is canonical: plan objects have sorted keys
            out[key] = f"\x00{value!r}"
        elif informative(value):
            out[key] = f"#{value!r}" if isinstance(value, (int, float)) else f"\x00{value!r}"
    return out


def _comparable_before(rc: ResourceChange) -> dict[str, str]:
    return _comparable(rc, "before")


def _comparable_after(rc: ResourceChange) -> dict[str, str]:
    return _comparable(rc, "after")


def comparable(rc: ResourceChange, which: str) -> dict[str, str]:
    """Attribute → canonical text of the informative, known, non-volatile values of one side.

    Computed once per change and side; callers must not modify the mapping.
    """
    if which == "before":
        return rc.memo("comparable_before", _comparable_before)
    return rc.memo("comparable_after", _comparable_after)


def similarity(before: dict[str, str], after: dict[str, str]) -> tuple[float, list[str],
                                                                       list[str]]:
    """(share of equal attributes, equal attributes, differing attributes) of two sides."""
    keys = before.keys() | after.keys()
    if not keys:
        return 0.0, [], []
    same = sorted(k for k in keys if before.get(k) == after.get(k))
    differ = sorted(k for k in keys if before.get(k) != after.get(k))
    return len(same) / len(keys), same, differ


def identity_values(values: dict[str, str]) -> list[tuple[str, str]]:
    """(attribute, value) pairs of the identity attributes present in a comparable side."""
    return [(a, values[a]) for a in IDENTITY_ATTRIBUTES if a in values]


#: Similarity at or above which a delete and a create are taken for the same object.
SAME_OBJECT_SHARE = 0.8
#: Similarity needed on top of an equal identity attribute.
SAME_IDENTITY_SHARE = 0.6
#: Fewest compared attributes for a match on similarity alone.
SAME_OBJECT_MIN_KEYS = 3


def same_object(before: dict[str, str], after: dict[str, str],
                ignore: set[str] | frozenset[str] = frozenset()) -> tuple[bool, list[str],
                                                                     list[str], bool]:
    """(match, equal attrs, differing attrs, by identity) for a deleted and a created side.

    ``ignore``: attributes whose after-value is known only after apply (computed ones the
    deleted object still shows); they say nothing either way.
    """
    # Set operations on dict views run in C: this is the hot path of rename pairing.
    keys = before.keys() | after.keys()
    if ignore:
        keys -= ignore - after.keys()
    if not keys:
        return False, [], [], False
    common = before.items() & after.items()
    if ignore and not ignore.isdisjoint(after.keys()):
        equal = sum(1 for k, _ in common if k not in ignore)
    else:  # the usual case: ``after`` comes from comparable(), which drops unknown keys
        equal = len(common)
    share = equal / len(keys)
    if share < SAME_IDENTITY_SHARE:  # cheap rejection before building the lists
        return False, [], [], False
    if ignore:
        before = {k: v for k, v in before.items() if k not in ignore}
    by_identity = any(after.get(a) == v for a, v in identity_values(before))
    match = by_identity or (share >= SAME_OBJECT_SHARE and len(keys) >= SAME_OBJECT_MIN_KEYS)
    if not match:
        return False, [], [], False
    _, same, differ = similarity(before, after)
    return True, same, differ, by_identity

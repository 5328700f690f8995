"""ACL004: a network path from the internet is opened to admin or database ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reviewer.detectors.access._common import (
    ManifestChanges,
    Risk,
    as_list,
    cfn_changes,
    cfn_location,
    cfn_properties,
    dig,
    first,
    is_false,
    is_true,
    k8s_location,
    risk_findings,
    str_list,
    tf_before,
    tf_changes,
    tf_location,
    type_filter,
    unchanged,
)
from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.kubernetes import Manifest, ManifestSet
from reviewer.parsers.terraform_plan import TerraformPlan

#: TCP ports of remote administration, databases and control planes.
TCP_PORTS: dict[int, str] = {
    21: "FTP", 22: "SSH", 23: "Telnet", 135: "MS RPC", 139: "NetBIOS", 445: "SMB",
    1433: "SQL Server", 1521: "Oracle", 2181: "ZooKeeper", 2375: "Docker API",
    2376: "Docker API", 2379: "etcd", 2380: "etcd", 3306: "MySQL", 3389: "RDP",
    5432: "PostgreSQL", 5601: "Kibana", 5672: "RabbitMQ", 5900: "VNC", 5984: "CouchDB",
    5985: "WinRM", 5986: "WinRM", 6379: "Redis", 6443: "Kubernetes API", 7474: "Neo4j",
    8086: "InfluxDB", 8500: "Consul", 9042: "Cassandra", 9092: "Kafka", 9200: "Elasticsearch",
    9300: "Elasticsearch", 10250: "kubelet", 11211: "Memcached", 15672: "RabbitMQ admin",
    27017: "MongoDB", 27018: "MongoDB", 28017: "MongoDB",
}
UDP_PORTS: dict[int, str] = {161: "SNMP", 11211: "Memcached"}
_OPEN = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any"})
#: Azure firewall range start meaning "from the first IPv4 address" (a value, not a bind).
_FIRST_V4 = "0.0.0.0"  # noqa: S104
_DB_FLAGS = {"aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster",
             "aws_dms_replication_instance", "aws_mq_broker"}
_LBS = {"aws_lb", "aws_alb", "aws_elb"}
_AZURE_DB_FIREWALL = {
    "azurerm_mssql_firewall_rule", "azurerm_sql_firewall_rule",
    "azurerm_postgresql_firewall_rule", "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_firewall_rule", "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_mariadb_firewall_rule", "azurerm_redis_firewall_rule",
    "azurerm_synapse_firewall_rule",
}
_WANTED = type_filter((
    "aws_security_group", "aws_default_security_group", "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule", "google_compute_firewall",
    "azurerm_network_security_rule", "azurerm_network_security_group",
    "google_sql_database_instance", "aws_eks_cluster", "google_container_cluster",
    *_DB_FLAGS, *_LBS, *_AZURE_DB_FIREWALL))
#: Every attribute exposure is read from (an update that keeps them all opens nothing).
_EXPOSURE_KEYS = (
    "ingress", "type", "cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6",
    "from_port", "to_port", "protocol", "ip_protocol", "direction", "disabled",
    "source_ranges", "allow", "access", "source_address_prefix", "source_address_prefixes",
    "destination_port_range", "destination_port_ranges", "security_rule",
    "publicly_accessible", "internal", "vpc_config", "private_cluster_config", "settings",
    "start_ip_address", "end_ip_address",
)
_CFN_TYPES = frozenset({
    "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::RDS::DBInstance",
    "AWS::Redshift::Cluster", "AWS::DMS::ReplicationInstance",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::EKS::Cluster",
})


def is_open(cidr: str) -> bool:
    """True for a source that means the whole internet."""
    return cidr.strip().lower() in _OPEN


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "all").strip().lower()
    if text in ("-1", "all", "*", "any"):
        return "all"
    return {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp", "icmpv6": "icmp"}.get(text, text)


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def _range(text: Any) -> tuple[int, int]:
    """``"22"``, ``"8000-8100"`` or ``"*"`` as an inclusive port range."""
    value = str(text).strip()
    if value in ("*", "", "None", "0-65535"):
        return 0, 65535
    low, _, high = value.partition("-")
    return _int(low, 0), _int(high or low, 65535)


@dataclass(frozen=True, slots=True)
class Ingress:
    """One allow rule from the internet: sources, protocol and port range."""

    sources: tuple[str, ...]
    protocol: str
    low: int
    high: int

    def exposure(self) -> tuple[str, Severity | None] | None:
        """What the rule exposes and how bad it is (None for web ports, ICMP…)."""
        if self.protocol in ("icmp", "esp", "ah", "gre", "50", "51", "47"):
            return None
        if self.protocol == "all" or (self.low <= 1 and self.high >= 65535):
            proto = "all protocols" if self.protocol == "all" else self.protocol.upper()
            return f"all ports ({proto})", None
        table = UDP_PORTS if self.protocol == "udp" else TCP_PORTS \
            if self.protocol == "tcp" else {}
        hits = [p for p in sorted(table) if self.low <= p <= self.high]
        if not hits:
            return None
        if self.low == self.high:
            return f"port {self.low} ({table[self.low]})", Severity.CRITICAL
        shown = ", ".join(f"{p} ({table[p]})" for p in hits[:4])
        more = f" and {len(hits) - 4} more" if len(hits) > 4 else ""
        return f"ports {self.low}-{self.high}, including {shown}{more}", Severity.CRITICAL

    def risk(self, subject: str = "", line: int | None = None) -> Risk | None:
        """The rule as a risk: critical for admin/DB ports, high for all ports."""
        found = self.exposure()
        if found is None:
            return None
        what, severity = found
        src = ", ".join("any source (*)" if s == "*" else s for s in self.sources)
        return Risk(f"{subject}|{self.protocol}|{self.low}|{self.high}",
                    f"opens {what} to {src}",
                    f"{self.protocol} {self.low}-{self.high} from {src}", severity, None, line)


def _aws_rule(item: dict[str, Any]) -> Ingress | None:
    sources = [c for c in (*str_list(item.get("cidr_blocks")),
                           *str_list(item.get("ipv6_cidr_blocks")),
                           *str_list(item.get("cidr_ipv4")), *str_list(item.get("cidr_ipv6")))
               if is_open(c)]
    if not sources:
        return None
    protocol = _protocol(item.get("protocol", item.get("ip_protocol")))
    low = _int(item.get("from_port"), 0)
    high = _int(item.get("to_port"), 65535)
    if protocol == "all":
        low, high = 0, 65535
    return Ingress(tuple(sources), protocol, low, high)


def _gcp_rules(attrs: dict[str, Any]) -> list[Ingress]:
    if str(attrs.get("direction") or "INGRESS").upper() != "INGRESS" or \
            is_true(attrs.get("disabled")):
        return []
    sources = tuple(c for c in str_list(attrs.get("source_ranges")) if is_open(c))
    if not sources:
        return []
    out: list[Ingress] = []
    for allow in as_list(attrs.get("allow")):
        if not isinstance(allow, dict):
            continue
        protocol = _protocol(allow.get("protocol"))
        ports = str_list(allow.get("ports")) or ["*"]
        for port in ports:
            low, high = _range(port)
            out.append(Ingress(sources, protocol, low, high))
    return out


def _azure_rule(item: dict[str, Any]) -> list[Ingress]:
    if str(item.get("direction", "")).lower() != "inbound" or \
            str(item.get("access", "")).lower() != "allow":
        return []
    sources = tuple(c for c in (*str_list(item.get("source_address_prefix")),
                                *str_list(item.get("source_address_prefixes"))) if is_open(c))
    if not sources:
        return []
    protocol = _protocol(item.get("protocol"))
    ranges = [*str_list(item.get("destination_port_range")),
              *str_list(item.get("destination_port_ranges"))] or ["*"]
    return [Ingress(sources, protocol, *_range(r)) for r in ranges]


def _cfn_rule(item: dict[str, Any]) -> Ingress | None:
    sources = [c for c in (*str_list(item.get("CidrIp")), *str_list(item.get("CidrIpv6")))
               if is_open(c)]
    if not sources:
        return None
    protocol = _protocol(item.get("IpProtocol"))
    low, high = _int(item.get("FromPort"), 0), _int(item.get("ToPort"), 65535)
    if protocol == "all" or low < 0:
        low, high = 0, 65535
    return Ingress(tuple(sources), protocol, low, high)


def tf_risks(rtype: str, attrs: dict[str, Any], created: bool) -> list[Risk]:
    """Internet exposure carried by one side of a Terraform resource."""
    rules: list[Ingress] = []
    if rtype in ("aws_security_group", "aws_default_security_group"):
        rules = [r for item in as_list(attrs.get("ingress")) if isinstance(item, dict)
                 for r in [_aws_rule(item)] if r is not None]
    elif rtype == "aws_security_group_rule":
        rule = _aws_rule(attrs) if attrs.get("type") == "ingress" else None
        rules = [rule] if rule is not None else []
    elif rtype == "aws_vpc_security_group_ingress_rule":
        rule = _aws_rule(attrs)
        rules = [rule] if rule is not None else []
    elif rtype == "google_compute_firewall":
        rules = _gcp_rules(attrs)
    elif rtype == "azurerm_network_security_rule":
        rules = _azure_rule(attrs)
    elif rtype == "azurerm_network_security_group":
        rules = [r for item in as_list(attrs.get("security_rule")) if isinstance(item, dict)
                 for r in _azure_rule(item)]
    else:
        return _tf_flags(rtype, attrs, created)
    return [risk for rule in rules for risk in [rule.risk()] if risk is not None]


def _tf_flags(rtype: str, attrs: dict[str, Any], created: bool) -> list[Risk]:
    if rtype in _DB_FLAGS:
        if is_true(attrs.get("publicly_accessible")):
            return [Risk("public", "is made publicly accessible from the internet",
                         "publicly_accessible = true")]
        return []
    if rtype in _LBS:
        if is_false(attrs.get("internal")):
            return [Risk("internet-facing", "is made internet-facing",
                          "internal: true → false")]
        return []
    if rtype == "aws_eks_cluster":
        vpc = first(attrs.get("vpc_config"))
        cidrs = str_list(vpc.get("public_access_cidrs")) or ["0.0.0.0/0"]
        if is_true(vpc.get("endpoint_public_access")) and any(is_open(c) for c in cidrs):
            return [Risk("public-endpoint",
                         "makes its Kubernetes API endpoint reachable from the internet "
                         f"(public access CIDRs {', '.join(cidrs)})",
                         "vpc_config.endpoint_public_access = true",
                         Severity.MEDIUM if created else None,
                         Confidence.MEDIUM if created else None)]
        return []
    if rtype == "google_container_cluster":
        if is_false(dig(attrs, "private_cluster_config.enable_private_endpoint")):
            return [Risk("public-endpoint", "gives the cluster control plane a public endpoint",
                         "private_cluster_config.enable_private_endpoint = false")]
        return []
    if rtype == "google_sql_database_instance":
        networks = as_list(dig(attrs, "settings.ip_configuration.authorized_networks"))
        open_nets = [str(n.get("value")) for n in networks
                     if isinstance(n, dict) and is_open(str(n.get("value", "")))]
        if open_nets and not is_false(dig(attrs, "settings.ip_configuration.ipv4_enabled")):
            return [Risk("open-db", f"accepts database connections from {open_nets[0]} "
                                    "(authorized network open to the internet)",
                         f"authorized_networks: {', '.join(open_nets)}", Severity.CRITICAL)]
        return []
    if rtype in _AZURE_DB_FIREWALL:
        start, end = attrs.get("start_ip_address"), attrs.get("end_ip_address")
        if start == _FIRST_V4 and end == "255.255.255.255":
            return [Risk("open-db", "opens the database firewall to every IPv4 address",
                         f"start_ip_address = {start}, end_ip_address = {end}",
                         Severity.CRITICAL)]
    return []


def cfn_risks(rtype: str, props: dict[str, Any]) -> list[Risk]:
    """Internet exposure carried by one side of a CloudFormation resource."""
    if rtype == "AWS::EC2::SecurityGroup":
        rules = [_cfn_rule(i) for i in as_list(props.get("SecurityGroupIngress"))
                 if isinstance(i, dict)]
        return [risk for rule in rules if rule is not None
                for risk in [rule.risk()] if risk is not None]
    if rtype == "AWS::EC2::SecurityGroupIngress":
        rule = _cfn_rule(props)
        risk = rule.risk() if rule is not None else None
        return [risk] if risk is not None else []
    if rtype in ("AWS::RDS::DBInstance", "AWS::Redshift::Cluster",
                 "AWS::DMS::ReplicationInstance"):
        if is_true(props.get("PubliclyAccessible")):
            return [Risk("public", "is made publicly accessible from the internet",
                         "PubliclyAccessible: true")]
        return []
    if rtype.startswith("AWS::ElasticLoadBalancing"):
        if str(props.get("Scheme") or "internet-facing").lower() != "internal":
            return [Risk("internet-facing", "is made internet-facing",
                         "Scheme: internal → internet-facing")]
        return []
    if rtype == "AWS::EKS::Cluster":
        vpc = props.get("ResourcesVpcConfig")
        vpc = vpc if isinstance(vpc, dict) else {}
        if not is_false(vpc.get("EndpointPublicAccess")):
            return [Risk("public-endpoint",
                         "makes its Kubernetes API endpoint reachable from the internet",
                         "ResourcesVpcConfig.EndpointPublicAccess: true")]
    return []


_INTERNAL_VALUES = frozenset({"internal", "private", "true", "0.0.0.0/0"})


def _internal_lb(m: Manifest) -> bool:
    for key, value in m.annotations.items():
        k = key.lower()
        if "load-balancer" not in k:
            continue
        v = value.strip().lower()
        if ("internal" in k and v not in ("false", "")) or \
                (k.endswith(("-type", "-scheme", "ip-type")) and v in _INTERNAL_VALUES):
            return True
    return False


def service_risks(m: Manifest) -> list[Risk]:
    """Admin/DB ports a LoadBalancer Service exposes to the internet."""
    if m.kind != "Service" or m.spec.get("type") != "LoadBalancer" or _internal_lb(m):
        return []
    ranges = str_list(m.spec.get("loadBalancerSourceRanges")) + [
        r.strip() for r in m.annotations.get(
            "service.beta.kubernetes.io/load-balancer-source-ranges", "").split(",")
        if r.strip()]
    if ranges and not any(is_open(r) for r in ranges):
        return []
    sources = ("0.0.0.0/0",)
    out: list[Risk] = []
    for i, port in enumerate(as_list(m.spec.get("ports"))):
        if not isinstance(port, dict):
            continue
        number = _int(port.get("port"), -1)
        rule = Ingress(sources, _protocol(port.get("protocol", "TCP")), number, number)
        found = rule.exposure()
        if found is not None:
            what, severity = found
            out.append(Risk(f"svc|{rule.protocol}|{number}",
                            f"LoadBalancer Service exposes {what} to the internet",
                            f"ports[{i}]: {port.get('port')}/{port.get('protocol', 'TCP')}, "
                            "no loadBalancerSourceRanges", severity or Severity.CRITICAL,
                            None, m.line_of(f"spec.ports.{i}.port"),
                            (m.line_of("spec.type"), m.line_of(f"spec.ports.{i}"))))
    return out


class PublicNetworkIngress(Detector[TerraformPlan | ChangeSet | ManifestSet]):
    """A firewall or security group opens admin or database ports to the whole internet.

    ## What it detects
    Ingress the change adds from `0.0.0.0/0`, `::/0`, `*` or `Internet`:
    - AWS security groups and rules (`aws_security_group`, `aws_security_group_rule`,
      `aws_vpc_security_group_ingress_rule`, CloudFormation `AWS::EC2::SecurityGroup` and
      `SecurityGroupIngress`), GCP `google_compute_firewall`, Azure NSGs and NSG rules:
      `critical` when the ports include SSH, RDP, a database or a control plane (22, 3389,
      3306, 5432, 1433, 6379, 27017, 9200, 6443…), `high` for all ports or protocols;
    - Kubernetes `LoadBalancer` Services exposing such ports without
      `loadBalancerSourceRanges` or an internal load-balancer annotation (`critical`);
    - databases made `publicly_accessible` (RDS, Redshift, DMS, MQ), Cloud SQL authorized
      network `0.0.0.0/0` and Azure database firewall rules `0.0.0.0`–`255.255.255.255`
      (`critical`), load balancers switched from internal to internet-facing, EKS/GKE
      control planes made public (`high`; a new EKS cluster with the default public
      endpoint is `medium`).

    Web ports (80, 443) and ICMP from anywhere are not reported; rules that only repeat an
    exposure the resource already had (an IPv6 twin of an existing IPv4 rule) are not
    reported again.

    ## Why is this risky?
    Admin and database ports on the internet are found by scanners within minutes and
    brute-forced or exploited (exposed Redis, MongoDB and Elasticsearch are a leading cause
    of data breaches). A public control plane or database skips every other layer of
    defence.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_security_group_rule.db_admin", "mode": "managed",
       "type": "aws_security_group_rule", "name": "db_admin", "change": {
       "actions": ["create"], "before": null,
       "after": {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432,
                 "cidr_blocks": ["0.0.0.0/0"], "security_group_id": "sg-0a1b2c3d"}}}]}
    ```

    ## Safer alternative
    Allow the database port only from the application's security group or private range,
    and reach admin ports through SSM Session Manager, a bastion or a VPN:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_security_group_rule.db_admin", "mode": "managed",
       "type": "aws_security_group_rule", "name": "db_admin", "change": {
       "actions": ["create"], "before": null,
       "after": {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432,
                 "cidr_blocks": ["10.20.0.0/16"], "security_group_id": "sg-0a1b2c3d"}}}]}
    ```

    ## References
    - Checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_260, CKV_AWS_277, CKV_AWS_17, CKV_AWS_39,
      CKV_GCP_2, CKV_GCP_3, CKV_GCP_106, CKV_AZURE_9, CKV_AZURE_10, CKV_AZURE_160,
      CKV_AZURE_77
    - Trivy AVD-AWS-0107, AVD-GCP-0027, AVD-AZU-0047
    """

    code = "ACL004"
    name = "public-network-ingress"
    family = "access"
    kinds = (InputKind.TERRAFORM_PLAN, InputKind.CLOUDFORMATION, InputKind.KUBERNETES)
    severity = Severity.HIGH
    remediation = (
        "Restrict the source to known CIDRs or security groups; reach admin ports through a "
        "bastion, VPN or SSM, and keep databases and control planes private."
    )

    def detect(self, doc: TerraformPlan | ChangeSet | ManifestSet) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        elif isinstance(doc, ChangeSet):
            yield from self._change_set(doc)
        else:
            yield from self._manifests(doc)

    def _plan(self, plan: TerraformPlan) -> Iterator[Finding]:
        for rc in tf_changes(plan, _WANTED):
            before = tf_before(rc)
            if (rc.type in _LBS or rc.type == "google_container_cluster") and before is None:
                continue  # a new internet-facing LB or cluster is not a change of exposure
            if unchanged(before, rc.after, _EXPOSURE_KEYS):
                continue
            after = tf_risks(rc.type, rc.after, before is None)
            if not after:
                continue
            old = tf_risks(rc.type, before, False) if before is not None else None
            yield from risk_findings(self, f"{rc.address} ", tf_location(plan, rc),
                                     after, old)

    def _change_set(self, cs: ChangeSet) -> Iterator[Finding]:
        for rc in cfn_changes(cs, _CFN_TYPES):
            props = cfn_properties(rc, "after")
            if props is None:
                continue
            before = cfn_properties(rc, "before")
            if (rc.resource_type.startswith(("AWS::ElasticLoadBalancing", "AWS::EKS::"))
                    and before is None):
                continue
            after = cfn_risks(rc.resource_type, props)
            if not after:
                continue
            old = cfn_risks(rc.resource_type, before) if before is not None else None
            yield from risk_findings(self, f"{rc.logical_id} ({rc.resource_type}) ",
                                     cfn_location(cs, rc), after, old)

    def _manifests(self, doc: ManifestSet) -> Iterator[Finding]:
        changes = ManifestChanges(doc)
        for m in doc.manifests:
            if m.kind != "Service":
                continue
            for risk in changes.added(m, service_risks(m), service_risks):
                yield self.finding(f"{m.address}: {risk.message}",
                                   k8s_location(doc, m, risk), evidence=risk.evidence,
                                   severity=risk.severity, confidence=risk.confidence)

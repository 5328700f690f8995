"""TF011: a VPC, subnet, route table, gateway, peering, VPN or firewall is destroyed."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    NETWORK_FOUNDATION_TYPES,
    delete_reason,
    environment_label,
    location,
    only_nonprod,
    replace_reason,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import TerraformPlan


class NetworkFoundationDestroyed(Detector[TerraformPlan]):
    """A VPC/VNet, subnet, route table, NAT or internet gateway, VPN or firewall is destroyed.

    ## What it detects
    A delete or destroy-first replacement of a resource everything else in the network
    depends on: VPCs and VNets, subnets, route tables and their associations, NAT and
    internet gateways, transit gateways and attachments, peerings, VPN and Direct
    Connect/ExpressRoute links, network firewalls and firewall policies, VPC endpoints,
    private DNS zones, links and resolvers (AWS, Google Cloud and Azure). `high`; `medium`
    for a create-first replacement (`create_before_destroy`) and for resources named or
    tagged for dev/test only.

    ## Why is this risky?
    Removing a subnet, route table or NAT gateway cuts off every instance, database and
    function behind it at once, and replacing a VPC or subnet forces everything inside it
    to be replaced too. Routes and peerings fail silently: traffic is black-holed rather
    than refused.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_nat_gateway.main", "mode": "managed", "type": "aws_nat_gateway",
       "name": "main", "change": {"actions": ["delete"], "after": null,
       "before": {"subnet_id": "subnet-0a1b", "connectivity_type": "public"}}}]}
    ```

    ## Safer alternative
    Change network foundations in place, or build the new one next to the old and move
    traffic before removing anything:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_nat_gateway.main", "mode": "managed", "type": "aws_nat_gateway",
       "name": "main", "change": {"actions": ["update"],
       "before": {"subnet_id": "subnet-0a1b", "tags": {"Name": "nat"}},
       "after": {"subnet_id": "subnet-0a1b", "tags": {"Name": "nat-main"}}}}]}
    ```

    ## References
    - Blast-radius weight tables: Spacelift `check-blast-radius.rego`, OPA Terraform
      tutorial; agent plan-review rules ("dangerous = replace of VPC/LB")
    - AWS VPC documentation: deleting a VPC, subnet or NAT gateway
    """

    code = "TF011"
    name = "network-foundation-destroyed"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Confirm nothing still routes through the resource; build the replacement alongside "
        "it (new subnet, NAT, peering), move traffic, and remove the old one in a later change."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        for rc in doc.of_types(NETWORK_FOUNDATION_TYPES):
            if not rc.managed or not rc.is_delete:
                continue
            what = NETWORK_FOUNDATION_TYPES.get(rc.type)
            if what is None:
                continue
            severity = Severity.HIGH
            if rc.is_replace and not rc.delete_first:
                action = "replaced (new one created first, then the old one destroyed)"
                severity = Severity.MEDIUM
            elif rc.is_replace:
                action = "destroyed and recreated"
            else:
                action = "destroyed"
            if only_nonprod(rc):
                severity = Severity.MEDIUM
            message = (f"{what[:1].upper()}{what[1:]} {rc.address}{environment_label(rc)} "
                       f"will be {action}")
            why = replace_reason(rc) if rc.is_replace else delete_reason(rc)
            if why:
                message += f" because {why}"
            evidence = f"actions: {list(rc.actions)}"
            if rc.action_reason:
                evidence += f"; action_reason: {rc.action_reason}"
            yield self.finding(message, location(doc, rc), evidence=evidence, severity=severity,
                               confidence=Confidence.MEDIUM if rc.deposed else None)

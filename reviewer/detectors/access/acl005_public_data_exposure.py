"""ACL005: a bucket, snapshot, image or data store is made readable by anyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.detectors.access._common import (
    PINNING_KEYS,
    Risk,
    Statement,
    action_matches,
    as_list,
    cfn_changes,
    cfn_location,
    cfn_properties,
    compact,
    first,
    is_false,
    is_true,
    load_document,
    risk_findings,
    statements,
    str_list,
    tf_before,
    tf_location,
    unchanged,
)
from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

_PUBLIC_ACLS = {"public-read": "public-read", "public-read-write": "public-read-write",
                "authenticated-read": "authenticated-read", "publicread": "PublicRead",
                "publicreadwrite": "PublicReadWrite", "authenticatedread": "AuthenticatedRead"}
_PUBLIC_GRANTEES = ("/global/AllUsers", "/global/AuthenticatedUsers")
_GCP_PUBLIC = frozenset({"allUsers", "allAuthenticatedUsers"})
_GCS_PUBLIC_ACL = frozenset({"publicRead", "publicReadWrite", "authenticatedRead"})
_BPA_FIELDS = ("block_public_acls", "block_public_policy", "ignore_public_acls",
               "restrict_public_buckets")
_BPA_TYPES = frozenset({"aws_s3_bucket_public_access_block",
                        "aws_s3_account_public_access_block"})
#: Resource policies and the attribute holding them.
_TF_POLICIES = {
    "aws_s3_bucket_policy": "policy", "aws_s3_bucket": "policy",
    "aws_sqs_queue_policy": "policy", "aws_sqs_queue": "policy",
    "aws_sns_topic_policy": "policy", "aws_sns_topic": "policy",
    "aws_ecr_repository_policy": "policy", "aws_secretsmanager_secret_policy": "policy",
    "aws_secretsmanager_secret": "policy", "aws_glacier_vault": "access_policy",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_opensearch_domain": "access_policies", "aws_elasticsearch_domain": "access_policies",
    "aws_efs_file_system_policy": "policy", "aws_backup_vault_policy": "policy",
}
_TF_ACL = frozenset({"aws_s3_bucket_acl", "aws_s3_bucket", "aws_s3_object",
                     "aws_s3_bucket_object"})
_TF_OTHER = frozenset({
    "aws_ami_launch_permission", "aws_db_snapshot", "aws_db_cluster_snapshot",
    "aws_ebs_snapshot_block_public_access", "aws_ec2_image_block_public_access",
    "azurerm_storage_account", "azurerm_storage_container", "google_storage_bucket_acl",
    "google_storage_object_acl", "google_storage_bucket_object",
    "google_storage_bucket_access_control", "google_storage_default_object_access_control",
    "google_storage_object_access_control", "google_bigquery_dataset",
    "google_bigquery_dataset_access",
})
_GCP_IAM_SUFFIXES = ("_iam_member", "_iam_binding", "_iam_policy")
#: Actions that only let anyone send in (a public inbox), not read out.
_WRITE_ONLY = ("sns:publish", "sqs:sendmessage")
#: Every attribute exposure is read from (an update that keeps them all exposes nothing).
_EXPOSURE_KEYS = (
    *set(_TF_POLICIES.values()), *_BPA_FIELDS, "acl", "grant", "access_control_policy",
    "role", "member", "members", "policy_data", "group", "shared_accounts", "state",
    "allow_nested_items_to_be_public", "allow_blob_public_access", "container_access_type",
    "predefined_acl", "role_entity", "entity", "access", "special_group", "iam_member",
)
_CFN_POLICIES = {
    "AWS::S3::BucketPolicy": "PolicyDocument", "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument", "AWS::ECR::Repository": "RepositoryPolicyText",
    "AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
    "AWS::OpenSearchService::Domain": "AccessPolicies",
    "AWS::Elasticsearch::Domain": "AccessPolicies",
}
_CFN_TYPES = frozenset({*_CFN_POLICIES, "AWS::S3::Bucket"})


def _wanted(rtype: str) -> bool:
    if rtype in _TF_POLICIES or rtype in _TF_ACL or rtype in _BPA_TYPES or rtype in _TF_OTHER:
        return True
    return rtype.startswith("google_") and rtype.endswith(_GCP_IAM_SUFFIXES)


def _public_statement(stmt: Statement) -> bool:
    return stmt.allows and stmt.public_principal and not stmt.restricted_by(PINNING_KEYS)


def policy_risks(document: Any, website: bool = False) -> list[Risk]:
    """Statements of a resource policy that let anyone in."""
    out: list[Risk] = []
    for stmt in statements(document):
        if not _public_statement(stmt):
            continue
        actions = sorted(set(stmt.actions)) or ["(NotAction)"]
        names = stmt.action_names or ["every action except its NotAction list"]
        shown = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
        key = f"policy:{','.join(actions)}"
        if stmt.actions and all(any(action_matches([a], w) for w in _WRITE_ONLY)
                                and a not in ("*", "*:*") for a in stmt.actions):
            out.append(Risk(key, f"lets anyone (Principal \"*\") {shown}: a public inbox",
                            stmt.evidence(), Severity.HIGH, Confidence.MEDIUM))
        elif website and stmt.actions and set(stmt.actions) <= {"s3:getobject"}:
            out.append(Risk(key, "bucket policy makes a static-website bucket's objects "
                                 "readable by anyone (s3:GetObject); confirm only public "
                                 "content is stored", stmt.evidence(), Severity.MEDIUM,
                            Confidence.LOW))
        else:
            out.append(Risk(key, f"lets anyone (Principal \"*\") {shown} with no condition "
                                 "pinning the caller", stmt.evidence()))
    return out


def _acl_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    out: list[Risk] = []
    obj = rtype in ("aws_s3_object", "aws_s3_bucket_object")
    acl = attrs.get("acl")
    if isinstance(acl, str) and acl.lower() in _PUBLIC_ACLS:
        what = "object" if obj else "bucket"
        out.append(Risk(f"acl:{acl}", f"sets the canned ACL {acl}: the {what} is readable "
                                      f"by {'any AWS user' if 'auth' in acl else 'anyone'}",
                        f"acl = {acl}", Severity.HIGH if obj else None,
                        Confidence.MEDIUM if obj else None))
    grants = as_list(attrs.get("grant")) + as_list(
        first(attrs.get("access_control_policy")).get("grant"))
    for grant in grants:
        if not isinstance(grant, dict):
            continue
        grantee = first(grant.get("grantee")) or grant
        uri = str(grantee.get("uri") or "")
        if uri.endswith(_PUBLIC_GRANTEES):
            perms = str_list(grant.get("permissions")) or str_list(grant.get("permission"))
            group = uri.rsplit("/", 1)[-1]
            out.append(Risk(f"grant:{group}:{','.join(sorted(perms))}",
                            f"grants {', '.join(perms) or 'access'} to the {group} group",
                            compact(grant)))
    return out


def _bpa_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    off = [f for f in _BPA_FIELDS if is_false(attrs.get(f))]
    scope = "account-wide" if rtype == "aws_s3_account_public_access_block" else \
        f"for bucket {attrs.get('bucket', '?')}"
    return [Risk(f"bpa:{f}", f"turns S3 Block Public Access off {scope} ({f} = false)",
                 f"{f} = false") for f in off]


def _gcp_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    pairs: list[tuple[str, str]] = []
    if rtype.endswith("_iam_policy"):
        policy = load_document(attrs.get("policy_data")) or {}
        pairs = [(str(b.get("role", "")), m) for b in as_list(policy.get("bindings"))
                 if isinstance(b, dict) for m in str_list(b.get("members"))]
    elif isinstance(attrs.get("role"), str):
        members = attrs.get("members") if rtype.endswith("_iam_binding") \
            else attrs.get("member")
        pairs = [(attrs["role"], m) for m in str_list(members)]
    return [Risk(f"{role}|{member}", f"grants {role} to {member}",
                 f"role: {role}; member: {member}")
            for role, member in pairs
            if member in _GCP_PUBLIC and not role.endswith(".invoker")]


def _other_risks(rtype: str, attrs: dict[str, Any], created: bool) -> list[Risk]:
    if rtype == "aws_ami_launch_permission":
        if attrs.get("group") == "all":
            return [Risk("ami:all", f"makes AMI {attrs.get('image_id', '?')} public "
                                    "(launch permission group \"all\")", "group = all")]
    elif rtype in ("aws_db_snapshot", "aws_db_cluster_snapshot"):
        if "all" in str_list(attrs.get("shared_accounts")):
            return [Risk("snapshot:all", "shares the database snapshot with every AWS "
                                         "account (shared_accounts includes \"all\")",
                         "shared_accounts = [\"all\"]")]
    elif rtype in ("aws_ebs_snapshot_block_public_access", "aws_ec2_image_block_public_access"):
        if str(attrs.get("state", "")).lower() == "unblocked":
            what = "EBS snapshots" if "snapshot" in rtype else "AMIs"
            return [Risk("unblocked", f"turns off block public access for {what} in the "
                                      "region (state = unblocked)", "state = unblocked")]
    elif rtype == "azurerm_storage_account":
        for attr in ("allow_nested_items_to_be_public", "allow_blob_public_access"):
            if is_true(attrs.get(attr)):
                return [Risk("nested-public", f"allows public blob containers ({attr} = true)",
                             f"{attr} = true", Severity.HIGH if created else None,
                             Confidence.MEDIUM if created else None)]
    elif rtype == "azurerm_storage_container":
        access = str(attrs.get("container_access_type", "private"))
        if access in ("blob", "container"):
            return [Risk(f"container:{access}", f"makes container "
                                                f"{attrs.get('name', '?')} public "
                                                f"(container_access_type = {access})",
                         f"container_access_type = {access}")]
    else:
        return _gcs_risks(rtype, attrs)
    return []


def _gcs_risks(rtype: str, attrs: dict[str, Any]) -> list[Risk]:
    out: list[Risk] = []
    predefined = attrs.get("predefined_acl")
    obj = "object" in rtype
    if isinstance(predefined, str) and predefined in _GCS_PUBLIC_ACL:
        out.append(Risk(f"acl:{predefined}", f"sets the predefined ACL {predefined}",
                        f"predefined_acl = {predefined}", Severity.HIGH if obj else None,
                        Confidence.MEDIUM if obj else None))
    for entry in str_list(attrs.get("role_entity")):
        role, _, who = entry.partition(":")
        if who in _GCP_PUBLIC:
            out.append(Risk(f"entity:{entry}", f"grants {role} to {who}", entry))
    entity = attrs.get("entity")
    if isinstance(entity, str) and entity in _GCP_PUBLIC:
        out.append(Risk(f"entity:{entity}", f"grants {attrs.get('role', 'access')} to "
                                            f"{entity}", f"entity = {entity}"))
    accesses = as_list(attrs.get("access")) if rtype == "google_bigquery_dataset" else [attrs]
    for access in accesses:
        if not isinstance(access, dict) or rtype not in ("google_bigquery_dataset",
                                                         "google_bigquery_dataset_access"):
            continue
        for key in ("special_group", "iam_member"):
            member = access.get(key)
            if isinstance(member, str) and member in _GCP_PUBLIC:
                out.append(Risk(f"bq:{member}", f"grants dataset {access.get('role', 'access')}"
                                                f" to {member}", f"{key} = {member}"))
    return out


class PublicDataExposure(Detector[TerraformPlan | ChangeSet]):
    """A bucket, data store, snapshot or image is made readable by anyone on the internet.

    ## What it detects
    Exposure the change adds:
    - S3 canned ACLs `public-read`, `public-read-write`, `authenticated-read` and grants to
      the `AllUsers`/`AuthenticatedUsers` groups (bucket ACLs `critical`, object ACLs `high`);
    - resource policies (S3, SQS, SNS, ECR, Secrets Manager, OpenSearch, EFS, Backup,
      Glacier; CloudFormation `AWS::S3::BucketPolicy`…) with `Principal: "*"` and no
      condition pinning the caller (`aws:SourceVpce`, `aws:PrincipalOrgID`,
      `aws:SourceArn`…); publish/send-only statements are `high`; a `s3:GetObject`-only
      policy on a bucket the plan configures as a static website is `medium`;
    - S3 Block Public Access settings turned off, or the block resource destroyed without
      its bucket;
    - `allUsers`/`allAuthenticatedUsers` in GCP IAM bindings, GCS ACLs and BigQuery dataset
      access (public `*.invoker` roles of Cloud Run/Functions are left out: they serve
      endpoints, not data);
    - public AMIs (`group = "all"`), RDS snapshots shared with `all`, EBS-snapshot or AMI
      block-public-access set to `unblocked`;
    - Azure `allow_nested_items_to_be_public`/`allow_blob_public_access` switched on and
      containers with `container_access_type` `blob` or `container`.

    ## Why is this risky?
    Public buckets, snapshots and images are indexed by scanners within hours; most large
    cloud data leaks started with one public ACL or one `Principal: "*"` statement. The
    exposure cannot be undone once the data is copied.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_s3_bucket_acl.exports", "mode": "managed", "type": "aws_s3_bucket_acl",
       "name": "exports", "change": {"actions": ["update"],
       "before": {"bucket": "acme-exports", "acl": "private"},
       "after": {"bucket": "acme-exports", "acl": "public-read"}}}]}
    ```

    ## Safer alternative
    Keep the bucket private and share objects with presigned URLs or through CloudFront
    with origin access control:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_s3_bucket_acl.exports", "mode": "managed", "type": "aws_s3_bucket_acl",
       "name": "exports", "change": {"actions": ["update"],
       "before": {"bucket": "acme-exports", "acl": "public-read"},
       "after": {"bucket": "acme-exports", "acl": "private"}}}]}
    ```

    ## References
    - Checkov CKV_AWS_20, CKV_AWS_57, CKV_AWS_70, CKV_AWS_53–56, CKV2_AWS_6, CKV_GCP_28,
      CKV_AZURE_190
    - AWS S3 user guide: "Blocking public access to your Amazon S3 storage"
    """

    code = "ACL005"
    name = "public-data-exposure"
    family = "access"
    kinds = (InputKind.TERRAFORM_PLAN, InputKind.CLOUDFORMATION)
    severity = Severity.CRITICAL
    remediation = (
        "Keep data private: remove the public ACL or `*` principal (or pin it with "
        "`aws:SourceVpce`/`aws:PrincipalOrgID`), keep Block Public Access on, and share "
        "through presigned URLs, CloudFront origin access control or named principals."
    )

    def detect(self, doc: TerraformPlan | ChangeSet) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        else:
            yield from self._change_set(doc)

    def _plan(self, plan: TerraformPlan) -> Iterator[Finding]:
        websites: set[str] | None = None
        deleted_buckets: set[str] | None = None
        for rc in plan.of_types(_wanted, changed=True):
            if rc.is_pure_delete:
                if rc.type not in _BPA_TYPES:
                    continue
                if deleted_buckets is None:
                    deleted_buckets = _deleted_buckets(plan)
                yield from self._bpa_deleted(plan, rc, deleted_buckets)
                continue
            if (not rc.is_create and not rc.is_update) or not isinstance(rc.after, dict):
                continue
            website = False
            if rc.type in ("aws_s3_bucket_policy", "aws_s3_bucket") and \
                    not unchanged(tf_before(rc), rc.after, _EXPOSURE_KEYS):
                if websites is None:
                    websites = _website_buckets(plan)
                website = str(rc.after.get("bucket")) in websites
            before = tf_before(rc)
            if unchanged(before, rc.after, _EXPOSURE_KEYS):
                continue
            after = self._risks(rc.type, rc.after, before is None, website)
            if not after:
                continue
            old = self._risks(rc.type, before, False, website) if before is not None else None
            yield from risk_findings(self, f"{rc.address} ", tf_location(plan, rc),
                                     after, old)

    @staticmethod
    def _risks(rtype: str, attrs: dict[str, Any], created: bool, website: bool) -> list[Risk]:
        out: list[Risk] = []
        if rtype in _TF_POLICIES:
            out += policy_risks(attrs.get(_TF_POLICIES[rtype]), website)
        if rtype in _TF_ACL:
            out += _acl_risks(rtype, attrs)
        if rtype in _BPA_TYPES:
            out += _bpa_risks(rtype, attrs)
        if rtype.startswith("google_") and rtype.endswith(_GCP_IAM_SUFFIXES):
            out += _gcp_risks(rtype, attrs)
        elif rtype in _TF_OTHER:
            out += _other_risks(rtype, attrs, created)
        return out

    def _bpa_deleted(self, plan: TerraformPlan, rc: ResourceChange,
                     deleted: set[str]) -> Iterator[Finding]:
        before = rc.before if isinstance(rc.before, dict) else {}
        bucket = before.get("bucket")
        if rc.type == "aws_s3_bucket_public_access_block" and (
                not isinstance(bucket, str) or bucket in deleted):
            return
        scope = "account-wide" if rc.type == "aws_s3_account_public_access_block" else \
            f"for bucket {bucket}"
        yield self.finding(f"{rc.address} is destroyed: S3 Block Public Access is removed "
                           f"{scope} while the data stays", tf_location(plan, rc),
                           evidence=f"actions: {list(rc.actions)}",
                           confidence=Confidence.MEDIUM)

    def _change_set(self, cs: ChangeSet) -> Iterator[Finding]:
        for rc in cfn_changes(cs, _CFN_TYPES):
            props = cfn_properties(rc, "after")
            if props is None:
                continue
            after = _cfn_risks(rc.resource_type, props)
            if not after:
                continue
            before = cfn_properties(rc, "before")
            old = _cfn_risks(rc.resource_type, before) if before is not None else None
            yield from risk_findings(self, f"{rc.logical_id} ({rc.resource_type}) ",
                                     cfn_location(cs, rc), after, old)


def _cfn_risks(rtype: str, props: dict[str, Any]) -> list[Risk]:
    if rtype in _CFN_POLICIES:
        return policy_risks(props.get(_CFN_POLICIES[rtype]))
    out: list[Risk] = []
    acl = props.get("AccessControl")
    if isinstance(acl, str) and acl.lower() in _PUBLIC_ACLS:
        who = "any AWS user" if "auth" in acl.lower() else "anyone"
        out.append(Risk(f"acl:{acl.lower()}",
                        f"sets the canned ACL {acl}: the bucket is readable by {who}",
                        f"AccessControl: {acl}"))
    block = props.get("PublicAccessBlockConfiguration")
    if isinstance(block, dict):
        names = {"block_public_acls": "BlockPublicAcls", "block_public_policy":
                 "BlockPublicPolicy", "ignore_public_acls": "IgnorePublicAcls",
                 "restrict_public_buckets": "RestrictPublicBuckets"}
        for field, name in names.items():
            if is_false(block.get(name)):
                out.append(Risk(f"bpa:{field}", f"turns S3 Block Public Access off ({name} = "
                                                "false)", f"{name}: false"))
    return out


def _website_buckets(plan: TerraformPlan) -> set[str]:
    """Buckets the plan configures as static websites."""
    out: set[str] = set()
    for rc in plan.of_types(("aws_s3_bucket_website_configuration", "aws_s3_bucket")):
        after = rc.after if isinstance(rc.after, dict) else None
        if after is None:
            continue
        if rc.type == "aws_s3_bucket_website_configuration" or (
                rc.type == "aws_s3_bucket" and as_list(after.get("website"))):
            bucket = after.get("bucket")
            if isinstance(bucket, str):
                out.add(bucket)
    return out


def _deleted_buckets(plan: TerraformPlan) -> set[str]:
    """Buckets the plan destroys."""
    return {str(rc.before.get("bucket")) for rc in plan.of_types(("aws_s3_bucket",))
            if rc.is_pure_delete and isinstance(rc.before, dict)}

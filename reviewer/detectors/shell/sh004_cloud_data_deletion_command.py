"""SH004: cloud CLI commands that delete buckets, databases, disks, instances or DNS records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    Cli,
    commands,
    is_ephemeral,
    is_prod,
    parse_cli,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import ShellScript
from reviewer.parsers.workflow import Workflow

_AWS_VALUE_OPTS = frozenset({
    "--profile", "--region", "--output", "--endpoint-url", "--query", "--color", "--ca-bundle",
    "--cli-read-timeout", "--cli-connect-timeout", "--bucket", "--key", "--db-instance-identifier",
    "--db-cluster-identifier", "--instance-ids", "--table-name", "--hosted-zone-id",
    "--change-batch", "--volume-id", "--snapshot-id", "--file-system-id", "--cluster-identifier",
    "--replication-group-id", "--cache-cluster-id", "--domain-name", "--key-id", "--secret-id",
    "--backup-vault-name", "--recovery-point-arn", "--vault-name", "--account-id", "--name",
    "--repository-name", "--function-name", "--log-group-name", "--user-name", "--role-name",
    "--exclude", "--include", "--backup-arn", "--id", "--pending-window-in-days",
    "--recovery-window-in-days", "--final-db-snapshot-identifier", "--storage-class", "--acl",
    "--sse", "--cluster", "--filters",
})
_GSUTIL_GLOBAL_VALUE_OPTS = frozenset({"-o", "-h", "-u", "-i"})
_GCLOUD_VALUE_OPTS = frozenset({
    "--project", "--zone", "--region", "--account", "--configuration", "--format",
    "--verbosity", "--impersonate-service-account", "--location", "--instance", "--database",
    "--filter", "--limit", "--dataset", "--cluster",
})
_AZ_VALUE_OPTS = frozenset({
    "-n", "--name", "-g", "--resource-group", "--subscription", "-o", "--output", "--query",
    "--account-name", "--account-key", "--connection-string", "-s", "--server", "--source",
    "-d", "--destination", "--ids", "--vault-name", "--sas-token", "--pattern",
})
#: ``aws <service> <operation>`` → (what it deletes, severity). ``None`` severity: decided in
#: code (needs options).
_AWS_OPS: dict[tuple[str, str], tuple[str, Severity]] = {
    ("s3api", "delete-bucket"): ("S3 bucket", Severity.CRITICAL),
    ("ec2", "terminate-instances"): ("EC2 instances", Severity.CRITICAL),
    ("ec2", "delete-volume"): ("EBS volume", Severity.CRITICAL),
    ("ec2", "delete-snapshot"): ("EBS snapshot", Severity.CRITICAL),
    ("dynamodb", "delete-table"): ("DynamoDB table", Severity.CRITICAL),
    ("dynamodb", "delete-backup"): ("DynamoDB backup", Severity.HIGH),
    ("route53", "delete-hosted-zone"): ("Route 53 hosted zone", Severity.CRITICAL),
    ("efs", "delete-file-system"): ("EFS file system", Severity.CRITICAL),
    ("redshift", "delete-cluster"): ("Redshift cluster", Severity.CRITICAL),
    ("elasticache", "delete-replication-group"): ("ElastiCache replication group",
                                                  Severity.CRITICAL),
    ("elasticache", "delete-cache-cluster"): ("ElastiCache cluster", Severity.CRITICAL),
    ("docdb", "delete-db-cluster"): ("DocumentDB cluster", Severity.CRITICAL),
    ("neptune", "delete-db-cluster"): ("Neptune cluster", Severity.CRITICAL),
    ("opensearch", "delete-domain"): ("OpenSearch domain", Severity.CRITICAL),
    ("es", "delete-elasticsearch-domain"): ("Elasticsearch domain", Severity.CRITICAL),
    ("kms", "schedule-key-deletion"): ("KMS key (and everything encrypted with it)",
                                       Severity.CRITICAL),
    ("backup", "delete-recovery-point"): ("backup recovery point", Severity.CRITICAL),
    ("backup", "delete-backup-vault"): ("backup vault", Severity.CRITICAL),
    ("glacier", "delete-vault"): ("Glacier vault", Severity.CRITICAL),
    ("eks", "delete-cluster"): ("EKS cluster", Severity.HIGH),
    ("ecr", "delete-repository"): ("ECR repository", Severity.HIGH),
    ("logs", "delete-log-group"): ("CloudWatch log group", Severity.HIGH),
    ("lambda", "delete-function"): ("Lambda function", Severity.HIGH),
    ("iam", "delete-user"): ("IAM user", Severity.HIGH),
    ("iam", "delete-role"): ("IAM role", Severity.HIGH),
}
_RDS_DELETE = frozenset({"delete-db-instance", "delete-db-cluster"})
#: ``gcloud <group>`` whose ``delete`` destroys data (others are reported at ``high``).
_GCLOUD_DATA = frozenset({"sql", "spanner", "bigtable", "firestore", "filestore", "redis",
                          "memcache", "projects", "storage", "alloydb", "datastore",
                          "container", "dataproc", "composer", "kms", "secrets", "backup-dr"})
_GCLOUD_COMPUTE_DATA = frozenset({"instances", "disks", "snapshots", "machine-images",
                                  "instance-groups"})
_AZ_DATA = frozenset({"group", "storage", "sql", "cosmosdb", "postgres", "mysql", "mariadb",
                      "keyvault", "redis", "disk", "snapshot", "backup", "aks", "vm", "synapse",
                      "databricks", "monitor"})
#: Targets whose names say they are scratch / test / per-PR resources.
_SCRATCH = re.compile(r"(?<![a-z])(tmp|temp|scratch|test|testing|e2e|ci|sandbox|throwaway)"
                      r"(?![a-z])", re.IGNORECASE)
#: Source directories of a static-site deploy (``aws s3 sync dist s3://site --delete``).
_BUILD_DIRS = re.compile(r"^(\./)?(dist|build|public|out|_site|site|www|static|docs/_build"
                         r"|storybook-static)/?$")
_LOCAL_ENDPOINT = re.compile(r"localhost|127\.0\.0\.1|localstack|minio|\[::1\]")


@dataclass(frozen=True, slots=True)
class _Op:
    what: str
    severity: Severity
    #: Names of what it deletes (bucket, instance ids, stack, group).
    targets: tuple[str, ...]
    confidence: Confidence = Confidence.HIGH
    note: str = ""


def _sync_delete(source: str, dest: str, tool: str) -> _Op:
    """A mirror that deletes destination objects missing from the source."""
    if "://" not in source and dest.startswith(("s3://", "gs://")):
        if _BUILD_DIRS.match(source):
            return _Op(f"{tool} deletes every object of {dest} that is not in the build "
                       f"output {source}", Severity.MEDIUM, (dest,), Confidence.LOW,
                       "a static-site deploy; an empty or wrong build directory wipes the bucket")
        return _Op(f"{tool} deletes every object of {dest} that is not in {source}",
                   Severity.HIGH, (dest,), Confidence.MEDIUM)
    return _Op(f"{tool} deletes every object of {dest} that is not in {source}",
               Severity.CRITICAL, (dest,))


def _aws(cli: Cli) -> _Op | None:
    words = cli.positionals
    if len(words) < 2 or cli.has("--dryrun", "--dry-run"):
        return None
    if _LOCAL_ENDPOINT.search(cli.value("--endpoint-url") or ""):
        return None
    service, op = words[0], words[1]
    if service == "s3":
        if op == "rb" and cli.has("--force"):
            return _Op(f"aws s3 rb --force deletes the bucket {' '.join(words[2:3])} and every "
                       "object in it", Severity.CRITICAL, words[2:3])
        if op == "rm" and cli.has("--recursive"):
            return _Op(f"aws s3 rm --recursive deletes every object under "
                       f"{' '.join(words[2:3])}", Severity.CRITICAL, words[2:3])
        if op == "sync" and cli.has("--delete") and len(words) >= 4:
            return _sync_delete(words[2], words[3], "aws s3 sync --delete")
        return None
    if service == "rds" and op in _RDS_DELETE:
        ident = cli.values("--db-instance-identifier", "--db-cluster-identifier")
        if cli.has("--skip-final-snapshot"):
            return _Op(f"aws rds {op} --skip-final-snapshot deletes the database "
                       f"{' '.join(ident)} with no final snapshot", Severity.CRITICAL, ident)
        return _Op(f"aws rds {op} deletes the database {' '.join(ident)} (a final snapshot is "
                   "kept)", Severity.HIGH, ident)
    if service == "route53" and op == "change-resource-record-sets":
        batch = cli.value("--change-batch") or ""
        if re.search(r"\bDELETE\b", batch):
            return _Op("aws route53 change-resource-record-sets deletes DNS records",
                       Severity.CRITICAL, cli.values("--hosted-zone-id"))
        return None
    if service == "secretsmanager" and op == "delete-secret":
        if cli.has("--force-delete-without-recovery"):
            return _Op("aws secretsmanager delete-secret --force-delete-without-recovery "
                       "deletes the secret with no recovery window", Severity.CRITICAL,
                       cli.values("--secret-id"))
        return None
    known = _AWS_OPS.get((service, op))
    if known is None:
        return None
    what, severity = known
    targets = tuple(v for name in ("--bucket", "--instance-ids", "--table-name", "--volume-id",
                                   "--cluster-identifier", "--name", "--hosted-zone-id",
                                   "--file-system-id", "--domain-name", "--repository-name",
                                   "--function-name", "--log-group-name", "--key-id",
                                   "--replication-group-id", "--cache-cluster-id",
                                   "--db-cluster-identifier", "--snapshot-id", "--vault-name",
                                   "--backup-vault-name", "--user-name", "--role-name")
                    for v in cli.values(name))
    named = (*targets, *words[2:])
    return _Op(f"aws {service} {op} deletes the {what} {' '.join(named)}".rstrip(), severity,
               named)


def _gsutil(args: tuple[str, ...]) -> _Op | None:
    i = 0
    while i < len(args) and args[i].startswith("-"):  # global options: -m, -o key=value…
        i += 2 if args[i] in _GSUTIL_GLOBAL_VALUE_OPTS else 1
    if i >= len(args):
        return None
    sub, rest = args[i], parse_cli(args[i + 1:], frozenset({"-x", "-p", "-c"}))
    if sub == "rm" and rest.has("-r", "-R", "-a"):
        return _Op(f"gsutil rm -r deletes every object under {' '.join(rest.positionals[:1])}",
                   Severity.CRITICAL, rest.positionals)
    if sub == "rb":
        return _Op(f"gsutil rb deletes the bucket {' '.join(rest.positionals[:1])}",
                   Severity.CRITICAL, rest.positionals)
    if sub == "rsync" and rest.has("-d") and len(rest.positionals) >= 2:
        return _sync_delete(rest.positionals[0], rest.positionals[1], "gsutil rsync -d")
    return None


def _gcloud(cli: Cli) -> _Op | None:
    words = cli.positionals
    if words[:2] == ("storage", "rm") and cli.has("-r", "--recursive"):
        return _Op(f"gcloud storage rm --recursive deletes every object under "
                   f"{' '.join(words[2:3])}", Severity.CRITICAL, words[2:])
    if words[:2] == ("storage", "rsync") and cli.has("--delete-unmatched-destination-objects") \
            and len(words) >= 4:
        return _sync_delete(words[2], words[3], "gcloud storage rsync "
                                                "--delete-unmatched-destination-objects")
    if "delete" not in words:
        return None
    at = words.index("delete")
    group = [w for w in words[:at] if w not in ("alpha", "beta")]
    if not group:
        return None
    names = words[at + 1:]
    data = group[0] in _GCLOUD_DATA or (group[0] == "compute" and len(group) > 1
                                       and group[1] in _GCLOUD_COMPUTE_DATA)
    what = " ".join(group)
    return _Op(f"gcloud {what} delete deletes {' '.join(names) or 'resources'}",
               Severity.CRITICAL if data else Severity.HIGH, names)


def _az(cli: Cli) -> _Op | None:
    words = cli.positionals
    verbs = [w for w in words if w in ("delete", "delete-batch", "purge")]
    if not verbs:
        return None
    at = words.index(verbs[0])
    group = words[:at]
    if not group:
        return None
    names = cli.values("-n", "--name", "-g", "--resource-group", "-s", "--source")
    data = group[0] in _AZ_DATA or "blob" in group
    target = " ".join(names) or "resources"
    return _Op(f"az {' '.join(group)} {verbs[0]} deletes {target}",
               Severity.CRITICAL if data else Severity.HIGH, names)


def _bq(cli: Cli) -> _Op | None:
    words = cli.positionals
    if words[:1] != ("rm",):
        return None
    return _Op(f"bq rm deletes {' '.join(words[1:]) or 'a dataset or table'}", Severity.CRITICAL,
               words[1:])


class CloudDataDeletionCommand(Detector[ShellScript | Workflow]):
    """A script or CI step deletes cloud data: buckets, databases, disks, instances, DNS records.

    ## What it detects
    AWS CLI: `s3 rb --force`, `s3 rm --recursive`, `s3 sync --delete`, `s3api
    delete-bucket`, `rds delete-db-instance|delete-db-cluster` (`critical` with
    `--skip-final-snapshot`, else `high`), `ec2 terminate-instances|delete-volume|
    delete-snapshot`, `dynamodb delete-table`, `route53 change-resource-record-sets` with a
    `DELETE` change, `route53 delete-hosted-zone`, EFS/Redshift/ElastiCache/DocumentDB/
    OpenSearch/Backup/Glacier deletes, `kms schedule-key-deletion`, `secretsmanager
    delete-secret --force-delete-without-recovery`; `high` for EKS, ECR, Lambda, log group
    and IAM deletes. Google Cloud: `gcloud … delete` (`critical` for data services, `high`
    otherwise), `gcloud storage rm --recursive`, `gsutil rm -r`, `gsutil rb`, `gsutil rsync
    -d`, `bq rm`. Azure: `az group delete` and other `az … delete|purge` (`critical` for data
    services). `--dryrun`/`--dry-run` and local emulators (`awslocal`, an `--endpoint-url`
    on localhost/LocalStack/MinIO) are not reported. Targets named as scratch, test or
    per-PR resources go down to `medium`; a `sync --delete` from a build directory (a
    static-site deploy) is `medium` with low confidence.

    ## Why is this risky?
    These calls delete data with no undo: a bucket's objects, a database without its final
    snapshot, instances and their instance-store volumes, the DNS records a service is
    reached by. A wrong variable or profile points them at production.

    ## Example
    ```sh
    #!/bin/bash
    aws rds delete-db-instance --db-instance-identifier billing-prod --skip-final-snapshot
    ```

    ## Safer alternative
    Keep a final snapshot (and deletion protection) and delete through reviewed IaC:
    ```sh
    #!/bin/bash
    aws rds create-db-snapshot --db-instance-identifier billing-prod \\
      --db-snapshot-identifier billing-prod-final
    ```

    ## References
    - destructive_command_guard `cloud.aws:ec2-terminate`, `s3-rm-recursive`, `s3-rb`,
      `s3api-delete-bucket`, `rds-delete`, `dynamodb-delete`; `storage.s3:s3-sync-delete`;
      `cloud.gcp:*`; `dns.route53:change-resource-record-sets-delete`
    - Incidents: Amazon Q "wiper" prompt (`ec2 terminate-instances`, `s3 rm`, 2025);
      UniSuper private cloud deletion (2024)
    """

    code = "SH004"
    name = "cloud-data-deletion-command"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    remediation = (
        "Delete cloud data through reviewed IaC, keep final snapshots and deletion protection, "
        "and scope any clean-up script to resources tagged as scratch or per-PR."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, ("aws", "gsutil", "gcloud", "az", "bq")):
            program = argv[0]
            if program == "aws":
                op = _aws(parse_cli(argv[1:], _AWS_VALUE_OPTS))
            elif program == "gsutil":
                op = _gsutil(argv[1:])
            elif program == "gcloud":
                op = _gcloud(parse_cli(argv[1:], _GCLOUD_VALUE_OPTS))
            elif program == "az":
                op = _az(parse_cli(argv[1:], _AZ_VALUE_OPTS))
            else:
                op = _bq(parse_cli(argv[1:], frozenset({"--project_id", "--location"})))
            if op is None:
                continue
            severity, confidence, message = op.severity, op.confidence, op.what
            if op.note:
                message += f" ({op.note})"
            if not is_prod(*op.targets, script.scope) and severity > Severity.MEDIUM and (
                    is_ephemeral(*op.targets) or any(_SCRATCH.search(t) for t in op.targets)):
                severity, confidence = Severity.MEDIUM, Confidence.LOW
                message += " (named as a scratch / test / per-PR resource)"
            yield self.finding(
                script.message(message, command),
                Location(path=script.path, line=command.line),
                evidence=script.evidence(command), severity=severity, confidence=confidence,
            )

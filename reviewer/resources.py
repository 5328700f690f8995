"""What the reviewer knows about resource types: which hold state, which serve traffic.

Sources: the stateful-resource tables of the detector catalog research (provider
documentation, cfn-lint's ``StatefulResources.json``), kept here so parsers, detectors and
the blast-radius summary share one list.
"""

from __future__ import annotations

#: Terraform resource types whose deletion loses data.
TERRAFORM_STATEFUL: frozenset[str] = frozenset({
    # AWS
    "aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_global_cluster",
    "aws_docdb_cluster", "aws_docdb_cluster_instance", "aws_neptune_cluster",
    "aws_neptune_cluster_instance", "aws_redshift_cluster", "aws_dynamodb_table",
    "aws_dynamodb_global_table", "aws_s3_bucket", "aws_ebs_volume", "aws_efs_file_system",
    "aws_elasticache_replication_group", "aws_elasticache_cluster", "aws_memorydb_cluster",
    "aws_kinesis_stream", "aws_sqs_queue", "aws_kms_key", "aws_secretsmanager_secret",
    "aws_route53_zone", "aws_cognito_user_pool", "aws_qldb_ledger", "aws_backup_vault",
    "aws_ecr_repository", "aws_opensearch_domain", "aws_elasticsearch_domain",
    "aws_fsx_lustre_file_system", "aws_fsx_windows_file_system", "aws_fsx_ontap_file_system",
    "aws_msk_cluster", "aws_timestreamwrite_table", "aws_keyspaces_table",
    "aws_cloudwatch_log_group", "aws_glacier_vault", "aws_s3_bucket_object_lock_configuration",
    # Google Cloud
    "google_sql_database_instance", "google_sql_database", "google_storage_bucket",
    "google_bigquery_dataset", "google_bigquery_table", "google_spanner_instance",
    "google_spanner_database", "google_bigtable_instance", "google_bigtable_table",
    "google_compute_disk", "google_compute_region_disk", "google_filestore_instance",
    "google_redis_instance", "google_kms_crypto_key", "google_kms_key_ring",
    "google_firestore_database", "google_alloydb_cluster", "google_alloydb_instance",
    "google_secret_manager_secret", "google_dns_managed_zone", "google_project",
    "google_container_cluster",
    # Azure
    "azurerm_resource_group", "azurerm_mssql_server", "azurerm_mssql_database",
    "azurerm_sql_server", "azurerm_sql_database", "azurerm_postgresql_server",
    "azurerm_postgresql_flexible_server", "azurerm_mysql_server", "azurerm_mysql_flexible_server",
    "azurerm_cosmosdb_account", "azurerm_storage_account", "azurerm_storage_container",
    "azurerm_managed_disk", "azurerm_key_vault", "azurerm_key_vault_key",
    "azurerm_key_vault_secret", "azurerm_redis_cache", "azurerm_dns_zone",
    "azurerm_kubernetes_cluster",
    # Others
    "kubernetes_persistent_volume", "kubernetes_persistent_volume_claim",
    "kubernetes_namespace", "kubernetes_persistent_volume_claim_v1",
    "kubernetes_persistent_volume_v1", "kubernetes_namespace_v1",
    "digitalocean_database_cluster", "digitalocean_volume",
})

#: Types on the path that serves users: destroying them before their replacement exists
#: means a window of downtime (DNS, certificates, load balancers, compute behind them).
TERRAFORM_SERVING_PATH: frozenset[str] = frozenset({
    "aws_route53_record", "aws_acm_certificate", "aws_acm_certificate_validation",
    "aws_lb", "aws_alb", "aws_elb", "aws_lb_listener", "aws_alb_listener", "aws_lb_target_group",
    "aws_alb_target_group", "aws_lb_listener_rule", "aws_cloudfront_distribution",
    "aws_api_gateway_rest_api", "aws_apigatewayv2_api", "aws_api_gateway_domain_name",
    "aws_security_group", "aws_instance", "aws_autoscaling_group", "aws_launch_template",
    "aws_eks_cluster", "aws_eks_node_group", "aws_ecs_service", "aws_ecs_cluster",
    "aws_lambda_function", "aws_nat_gateway", "aws_internet_gateway", "aws_eip",
    "google_dns_record_set", "google_compute_managed_ssl_certificate",
    "google_compute_ssl_certificate", "google_compute_url_map", "google_compute_backend_service",
    "google_compute_target_https_proxy", "google_compute_global_forwarding_rule",
    "google_compute_forwarding_rule", "google_compute_instance",
    "google_compute_instance_group_manager",
    "google_container_node_pool", "google_cloud_run_service", "google_cloud_run_v2_service",
    "azurerm_dns_a_record", "azurerm_dns_cname_record", "azurerm_lb", "azurerm_application_gateway",
    "azurerm_app_service_certificate", "azurerm_kubernetes_cluster_node_pool",
    "azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine",
    "azurerm_frontdoor", "azurerm_cdn_frontdoor_profile",
    "cloudflare_record", "cloudflare_zone",
})

#: Protection attributes: (attribute path, the unsafe value). A transition from any other
#: value to the unsafe one switches a protection off.
PROTECTION_ATTRIBUTES: tuple[tuple[str, object], ...] = (
    ("deletion_protection", False),
    ("deletion_protection_enabled", False),
    ("enable_deletion_protection", False),
    ("delete_protection", False),
    ("disable_api_termination", False),
    ("skip_final_snapshot", True),
    ("delete_automated_backups", True),
    ("force_destroy", True),
    ("force_delete", True),
    ("enforce_consumer_deletion", True),
    ("delete_contents_on_destroy", True),
    ("purge_protection_enabled", False),
    ("settings.deletion_protection_enabled", False),
)

#: Attributes that are safe only as "not DELETE"/"not INACTIVE" strings.
PROTECTION_STRING_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("deletion_protection", "INACTIVE"),  # aws_cognito_user_pool
    ("deletion_policy", "DELETE"),  # google_project
)

#: Attributes that make a planned delete only forget the object (it keeps existing).
SKIP_DESTROY_ATTRIBUTES: frozenset[str] = frozenset({"skip_destroy"})


#: Stateful types whose loss hurts less than a database's (logs, queues, registries):
#: their destruction is high rather than critical.
TERRAFORM_STATEFUL_SECONDARY: frozenset[str] = frozenset({
    "aws_cloudwatch_log_group", "aws_sqs_queue", "aws_ecr_repository", "aws_kinesis_stream",
    "google_container_cluster", "azurerm_kubernetes_cluster", "aws_cognito_user_pool",
})


def is_stateful_terraform(resource_type: str) -> bool:
    """True when deleting a resource of this Terraform type loses data."""
    return resource_type in TERRAFORM_STATEFUL


def is_serving_path_terraform(resource_type: str) -> bool:
    """True when the type sits on the path that serves users."""
    return resource_type in TERRAFORM_SERVING_PATH


#: CloudFormation types that hold data (cfn-lint's StatefulResources.json, plus KMS keys,
#: OpenSearch domains and Kinesis streams).
CLOUDFORMATION_STATEFUL: frozenset[str] = frozenset({
    "AWS::CloudFormation::Stack", "AWS::Backup::BackupVault", "AWS::Cognito::UserPool",
    "AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance", "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table", "AWS::EC2::Volume", "AWS::EFS::FileSystem", "AWS::EMR::Cluster",
    "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup",
    "AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain", "AWS::FSx::FileSystem",
    "AWS::Logs::LogGroup", "AWS::Neptune::DBCluster", "AWS::Neptune::DBInstance",
    "AWS::QLDB::Ledger", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
    "AWS::Redshift::Cluster", "AWS::SDB::Domain", "AWS::SQS::Queue", "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret", "AWS::KMS::Key", "AWS::Kinesis::Stream",
})

#: Pulumi type tokens that hold data (the bridged providers' equivalents of the above).
PULUMI_STATEFUL: frozenset[str] = frozenset({
    "aws:rds/instance:Instance", "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:dynamodb/table:Table",
    "aws:ebs/volume:Volume", "aws:efs/fileSystem:FileSystem", "aws:docdb/cluster:Cluster",
    "aws:neptune/cluster:Cluster", "aws:redshift/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster",
    "aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "aws:sqs/queue:Queue",
    "aws:kinesis/stream:Stream", "aws:opensearch/domain:Domain", "aws:route53/zone:Zone",
    "aws:cloudwatch/logGroup:LogGroup", "aws:ecr/repository:Repository",
    "gcp:sql/databaseInstance:DatabaseInstance", "gcp:sql/database:Database",
    "gcp:storage/bucket:Bucket", "gcp:bigquery/dataset:Dataset", "gcp:bigquery/table:Table",
    "gcp:spanner/database:Database", "gcp:spanner/instance:Instance",
    "gcp:compute/disk:Disk", "gcp:kms/cryptoKey:CryptoKey", "gcp:redis/instance:Instance",
    "azure-native:storage:StorageAccount", "azure-native:sql:Database",
    "azure-native:sql:Server",
    "azure-native:dbforpostgresql:Server", "azure-native:dbforpostgresql:FlexibleServer",
    "azure-native:documentdb:DatabaseAccount", "azure-native:keyvault:Vault",
    "azure-native:resources:ResourceGroup", "azure-native:compute:Disk",
    "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:core/v1:PersistentVolume",
    "kubernetes:core/v1:Namespace",
})


def is_stateful_cloudformation(resource_type: str) -> bool:
    """True when deleting a CloudFormation resource of this type loses data."""
    return resource_type in CLOUDFORMATION_STATEFUL


def is_stateful_pulumi(type_token: str) -> bool:
    """True when deleting a Pulumi resource of this type token loses data."""
    return type_token in PULUMI_STATEFUL

"""Data at rest is encrypted with a customer-managed KMS key, not an AWS-managed one."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

# Where each resource type names its key (nested blocks separated by "/").
KEY_ATTRIBUTE = {
    "aws_db_instance": "kms_key_id",
    "aws_rds_cluster": "kms_key_id",
    "aws_sqs_queue": "kms_master_key_id",
    "aws_sns_topic": "kms_master_key_id",
    "aws_elasticache_replication_group": "kms_key_id",
    "aws_cloudwatch_log_group": "kms_key_id",
    "aws_lambda_function": "kms_key_arn",
    "aws_secretsmanager_secret": "kms_key_id",
    "aws_s3_bucket_server_side_encryption_configuration": "rule/apply_server_side_encryption_by_default/kms_master_key_id",
}


def _lookup(conf: Any, path: list[str]) -> Any:
    for part in path:
        while isinstance(conf, list) and conf:
            conf = conf[0]
        if not isinstance(conf, dict) or part not in conf:
            return None
        conf = conf[part]
    while isinstance(conf, list) and conf:
        conf = conf[0]
    return conf


class CustomerManagedKey(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Data at rest is encrypted with a customer-managed KMS key",
            id="CKV_SSOPS_2",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=list(KEY_ATTRIBUTE),
            guideline="https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk",
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        key = _lookup(conf, KEY_ATTRIBUTE[self.entity_type].split("/"))
        if not key or not isinstance(key, str):
            return CheckResult.FAILED
        if "alias/aws/" in key:  # an AWS-managed key: no key policy of ours, no rotation control
            return CheckResult.FAILED
        return CheckResult.PASSED

    def get_evaluated_keys(self) -> list[str]:
        return [KEY_ATTRIBUTE.get(self.entity_type, "kms_key_id")]


check = CustomerManagedKey()

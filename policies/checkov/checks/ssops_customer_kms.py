"""Data at rest is encrypted with a customer-managed KMS key, not an AWS-managed one.

Which resource types hold data and where each names its key is catalog data: `encryption_key` under
`resources.<type>` in each kind's template.yaml. ssops-ci writes it beside this file as
`ssops-catalog.data` on every scan; without it this check refuses to load (and ssops-ci then refuses
to judge), rather than pass everything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

KEY_ATTRIBUTE: dict[str, str] = json.loads(Path(__file__).with_name("ssops-catalog.data").read_text())["encryption_key"]


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
            supported_resources=sorted(KEY_ATTRIBUTE),
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

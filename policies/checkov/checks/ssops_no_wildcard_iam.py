"""No IAM policy statement allows every action, or every action of a service."""

from __future__ import annotations

import json
import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

POLICY_ATTRIBUTES = {
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_kms_key": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_sqs_queue_policy": "policy",
}
WILDCARD = re.compile(r"^(\*|[a-z0-9-]+:\*)$")


def _document(value: Any) -> Any:
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None  # an expression checkov could not evaluate
    return value


def offending(document: Any) -> list[str] | None:
    """Wildcard actions allowed by the document; None when it cannot be read."""
    doc = _document(document)
    if not isinstance(doc, dict):
        return None
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    found = []
    for st in statements:
        if not isinstance(st, dict):
            return None
        if st.get("Effect", "Allow") != "Allow":
            continue
        if "NotAction" in st:
            found.append("NotAction (allows everything else)")
        actions = st.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            if isinstance(action, str) and WILDCARD.match(action.strip()):
                found.append(action)
    return found


class NoWildcardActions(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name='IAM policies allow no "*" or "service:*" actions',
            id="CKV_SSOPS_3",
            categories=[CheckCategories.IAM],
            supported_resources=list(POLICY_ATTRIBUTES),
            guideline="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        attribute = POLICY_ATTRIBUTES[self.entity_type]
        if attribute not in conf:
            return CheckResult.PASSED
        found = offending(conf[attribute])
        if found is None:
            self.details.append("the policy could not be evaluated; write its statements as literals")
            return CheckResult.FAILED
        if found:
            self.details.append("allows " + ", ".join(sorted(set(found))))
            return CheckResult.FAILED
        return CheckResult.PASSED

    def get_evaluated_keys(self) -> list[str]:
        return [POLICY_ATTRIBUTES.get(self.entity_type, "policy")]


check = NoWildcardActions()

"""Whose a Terraform failure is, from the words Terraform and the AWS provider really print."""

from __future__ import annotations

import pytest

from ssops_ci.adapters.terraform_faults import classify
from ssops_ci.config.platform import Backend, TerraformSettings

S3 = TerraformSettings(
    backend=Backend(
        type="s3",
        config={
            "bucket": "acme-tfstate",
            "key": "{stack}.tfstate",
            "region": "us-east-1",
            "dynamodb_table": "acme-lock",
        },
    )
)

CASES = [
    (
        "plan",
        "Error: Error acquiring the state lock\n\nError message: ConditionalCheckFailedException: The conditional "
        "request failed\nLock Info:\n  ID: 4c2b\n  Path: acme-tfstate/payments/db.tfstate",
        "another Terraform run holds this stack's state lock",
        "the lock table acme-lock (terraform.backend.config.dynamodb_table)",
    ),
    (
        "plan",
        "Error: error configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider "
        "found.",
        "the runner has no usable cloud credentials",
        "repository variable SSOPS_AWS_PLAN_ROLE",
    ),
    (
        "init",
        "Error: error configuring S3 Backend: error validating provider credentials: error calling "
        "sts:GetCallerIdentity: InvalidClientTokenId: The security token included in the request is invalid.",
        "the runner has no usable cloud credentials",
        "repository variable SSOPS_AWS_PLAN_ROLE",
    ),
    (
        "init",
        "Error: Failed to get existing workspaces: S3 bucket does not exist.\n\nThe referenced S3 bucket must "
        "have been previously created.",
        "the state backend could not be reached or read",
        "terraform.backend in policies/platform.yaml (s3: bucket=acme-tfstate, region=us-east-1)",
    ),
    (
        "init",
        "Error: Failed to query available provider packages\n\nCould not retrieve the list of available versions "
        "for provider hashicorp/aws: could not connect to registry.terraform.io",
        "Terraform could not install its providers",
        "terraform.plugin_dir in policies/platform.yaml",
    ),
    (
        "plan",
        'Error: Unsupported argument\n\n  on main.tf line 12, in resource "aws_db_instance" "this":\n  12:   '
        'deletion_protection_enabeld = true\n\nAn argument named "deletion_protection_enabeld" is not expected here.',
        "the rendered Terraform is invalid: the kind's template is wrong, not the request",
        "the template under templates/",
    ),
    (
        "plan",
        "Error: reading SQS Queue (https://sqs.us-east-1.amazonaws.com/1/acme-q): AccessDenied: User: "
        "arn:aws:sts::1:assumed-role/ssops-plan/GitHubActions is not authorized to perform: sqs:GetQueueAttributes",
        "the cloud refused the role an action it needs",
        "the permissions of the read-only plan role (repository variable SSOPS_AWS_PLAN_ROLE)",
    ),
]


@pytest.mark.parametrize(("step", "output", "what", "setting"), CASES)
def test_platform_failures_name_what_to_fix(step: str, output: str, what: str, setting: str) -> None:
    fault = classify(step, output, S3, "plan")
    assert fault is not None
    assert fault.what == what
    assert setting in fault.setting


def test_the_apply_role_is_named_when_applying() -> None:
    fault = classify("init", "Error: Failed to get existing workspaces: AccessDenied: Access Denied", S3, "apply")
    assert fault is not None
    assert fault.setting.startswith(
        "grant the apply role (repository variable SSOPS_AWS_APPLY_ROLE) read and write access to the state"
    )


def test_what_is_not_recognised_stays_unattributed() -> None:
    output = "Error: creating RDS DB Instance (acme-payments-db): InvalidParameterCombination: RDS does not support"
    assert classify("apply", output, S3, "apply") is None

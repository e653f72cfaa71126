# Rendered by ssops-ci from requests/payments/receipts.yaml with ObjectBucket@1.0.0 (templates/object-bucket).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:495acb0f15af0294004ead7e9eb3506827c49072322298b98727e6d6562d2d8d

terraform {
  required_version = ">= 1.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

locals {
  name        = "acme-payments-receipts-prod"
  description = "PDF receipts sent to customers (kept 7 years)"
  tags = {
    team           = "payments"
    environment    = "prod"
    cost-center    = "CC-1042"
    managed-by     = "ssops-ci"
    ssops-request  = "requests/payments/receipts.yaml"
    ssops-template = "ObjectBucket@1.0.0"
    description    = "PDF receipts sent to customers _kept 7 years_"
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "this" {
  description             = format("ssops-ci %s: %s", local.name, local.description)
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = format("arn:%s:iam::%s:root", data.aws_partition.current.partition, data.aws_caller_identity.current.account_id) }
        Action = [
          "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
          "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:Encrypt", "kms:EnableKey",
          "kms:EnableKeyRotation", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
          "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants",
          "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo",
          "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource",
          "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
        ]
        Resource = "*"
      },
    ]
  })
  tags = local.tags
}

resource "aws_kms_alias" "this" {
  name          = format("alias/%s", local.name)
  target_key_id = aws_kms_key.this.key_id
}

# Rendered by ssops-ci from requests/payments/refund-events.yaml with Queue@1.0.0 (templates/queue).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:264f2420f94ae749f7ce756f168d39f0499830a8fb44ecc97ef63720d054aa18

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
  region = "eu-west-1"
}

locals {
  name        = "acme-payments-refund-events-staging"
  description = "Refund requests waiting for the ledger service"
  tags = {
    team           = "payments"
    environment    = "staging"
    cost-center    = "CC-1042"
    managed-by     = "ssops-ci"
    ssops-request  = "requests/payments/refund-events.yaml"
    ssops-template = "Queue@1.0.0"
    description    = "Refund requests waiting for the ledger service"
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
      {
        Sid       = "SenderSns"
        Effect    = "Allow"
        Principal = { Service = format("%s.amazonaws.com", "sns") }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
      },
      {
        Sid       = "SenderEvents"
        Effect    = "Allow"
        Principal = { Service = format("%s.amazonaws.com", "events") }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
      },
      {
        Sid       = "SenderS3"
        Effect    = "Allow"
        Principal = { Service = format("%s.amazonaws.com", "s3") }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
      },
    ]
  })
  tags = local.tags
}

resource "aws_kms_alias" "this" {
  name          = format("alias/%s", local.name)
  target_key_id = aws_kms_key.this.key_id
}

data "aws_sns_topic" "alarms" {
  name = "ssops-alarms"
}

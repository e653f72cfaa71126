# Rendered by ssops-ci from requests/payments/orders-db.yaml with PostgresDatabase@1.0.0 (templates/postgres-database).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:6c37ce2fda63ef004e6ad9c39e700e36a0d849a71ea14d436a2c7cf3e5de123d

terraform {
  required_version = ">= 1.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

locals {
  name        = "acme-payments-orders-db-prod"
  description = "Orders service primary database"
  tags = {
    team           = "payments"
    environment    = "prod"
    cost-center    = "CC-1042"
    managed-by     = "ssops-ci"
    ssops-request  = "requests/payments/orders-db.yaml"
    ssops-template = "PostgresDatabase@1.0.0"
    description    = "Orders service primary database"
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
        Sid       = "ServiceLogs"
        Effect    = "Allow"
        Principal = { Service = format("%s.%s.amazonaws.com", "logs", "us-east-1") }
        Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
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

data "aws_vpc" "this" {
  tags = {
    Name = "acme-prod"
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.this.id]
  }

  tags = {
    tier = "private"
  }
}

data "aws_sns_topic" "alarms" {
  name = "ssops-alarms"
}

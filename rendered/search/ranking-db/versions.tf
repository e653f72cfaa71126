# Rendered by ssops-ci from requests/search/ranking-db.yaml with PostgresDatabase@1.0.0 (templates/postgres-database).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:f7a11c2cbc6266865775191948bedf17bb0c76e9d34a8b25ea08c85f10e48744

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
  region = "eu-west-1"
}

locals {
  name        = "acme-search-ranking-db-dev"
  description = "Ranking experiments"
  tags = {
    team           = "search"
    environment    = "dev"
    cost-center    = "CC-2077"
    managed-by     = "ssops-ci"
    ssops-request  = "requests/search/ranking-db.yaml"
    ssops-template = "PostgresDatabase@1.0.0"
    description    = "Ranking experiments"
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
        Principal = { Service = format("%s.%s.amazonaws.com", "logs", "eu-west-1") }
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
    Name = "acme-dev"
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

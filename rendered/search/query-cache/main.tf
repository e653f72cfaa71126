# Rendered by ssops-ci from requests/search/query-cache.yaml with RedisCache@1.0.0 (templates/redis-cache).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:be836231a790b917528038ca32dc367f89c5f6ede6e07b1f706eed679c267225

resource "aws_security_group" "this" {
  name        = local.name
  description = "Redis clients inside the VPC"
  vpc_id      = data.aws_vpc.this.id

  ingress {
    description = "Redis over TLS from the VPC"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }

  egress {
    description = "Replies stay inside the VPC"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }

  tags = local.tags
}

resource "aws_elasticache_subnet_group" "this" {
  name       = local.name
  subnet_ids = data.aws_subnets.private.ids
  tags       = local.tags
}

resource "random_password" "auth" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "auth" {
  name                    = format("ssops/%s/redis-auth", local.name)
  description             = "AUTH token for the Redis cache"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "auth" {
  secret_id     = aws_secretsmanager_secret.auth.id
  secret_string = random_password.auth.result
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = format("/ssops/elasticache/%s/slow-log", local.name)
  retention_in_days = 365
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = local.name
  description          = format("Redis for %s", local.name)
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = "cache.m6g.large"
  num_cache_clusters   = 3
  port                 = 6379
  parameter_group_name = "default.redis7"

  automatic_failover_enabled = true
  multi_az_enabled           = true
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.this.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.auth.result

  snapshot_retention_limit   = 7
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:04:00-sun:05:00"
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = format("%s-engine-cpu", local.name)
  alarm_description   = "Redis engine CPU above 80% for 15 minutes"
  namespace           = "AWS/ElastiCache"
  metric_name         = "EngineCPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  dimensions          = { ReplicationGroupId = aws_elasticache_replication_group.this.id }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "memory" {
  alarm_name          = format("%s-memory", local.name)
  alarm_description   = "Redis memory usage above 85%"
  namespace           = "AWS/ElastiCache"
  metric_name         = "DatabaseMemoryUsagePercentage"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 85
  dimensions          = { ReplicationGroupId = aws_elasticache_replication_group.this.id }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

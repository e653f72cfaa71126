# Rendered by ssops-ci from requests/search/ranking-db.yaml with PostgresDatabase@1.0.0 (templates/postgres-database).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:8d576e3158146932ac8939dda3e5ef474f5ade12fa72fb9352f55d0dbfde843c

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = format("%s-cpu", local.name)
  alarm_description   = "CPU above 80% for 15 minutes"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  ok_actions          = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "free_storage" {
  alarm_name          = format("%s-free-storage", local.name)
  alarm_description   = "Less than 10% of the allocated storage is free"
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 2147483648
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  ok_actions          = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "memory" {
  alarm_name          = format("%s-freeable-memory", local.name)
  alarm_description   = "Less than 256 MiB of memory is freeable"
  namespace           = "AWS/RDS"
  metric_name         = "FreeableMemory"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 268435456
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  ok_actions          = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

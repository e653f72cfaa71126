# Rendered by ssops-ci from requests/payments/orders-db.yaml with PostgresDatabase@1.0.0 (templates/postgres-database).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:ff191e76618cb4e838990cde83dc914e7cbc928eb56d4e0fdc49d66650e6e956

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
  threshold           = 5368709120
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

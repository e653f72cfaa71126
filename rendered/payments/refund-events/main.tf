# Rendered by ssops-ci from requests/payments/refund-events.yaml with Queue@1.0.0 (templates/queue).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:288cd163e817194beda3db39f6a13b1cd93b6789b5c5efeac405963788e49561

resource "aws_sqs_queue" "dlq" {
  name                              = "acme-payments-refund-events-staging-dlq.fifo"
  fifo_queue                        = true
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

resource "aws_sqs_queue" "this" {
  name                              = "acme-payments-refund-events-staging.fifo"
  fifo_queue                        = true
  visibility_timeout_seconds        = 60
  message_retention_seconds         = 345600
  delay_seconds                     = 0
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 3
  })
  tags = local.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.this.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = format("%s-dead-letters", local.name)
  alarm_description   = "Messages are landing in the dead-letter queue"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message" {
  alarm_name          = format("%s-oldest-message", local.name)
  alarm_description   = "The oldest message has waited more than half the retention period"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 172800
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

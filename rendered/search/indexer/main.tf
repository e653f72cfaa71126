# Rendered by ssops-ci from requests/search/indexer.yaml with Function@1.0.0 (templates/function).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:5e2306d7f5278772dd4189a9dbc2ffeb553f0a85368bcb35ec14c735f37dc0cd

resource "aws_cloudwatch_log_group" "this" {
  name              = format("/aws/lambda/%s", local.name)
  retention_in_days = 30
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_sqs_queue" "dlq" {
  name                              = format("%s-dlq", local.name)
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = local.tags
}

resource "aws_iam_role" "this" {
  name = local.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "this" {
  name = "least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "OwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = format("%s:*", aws_cloudwatch_log_group.this.arn)
      },
      {
        Sid      = "OwnDeadLetters"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = aws_sqs_queue.dlq.arn
      },
      {
        Sid      = "OwnKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.this.arn
      },
      {
        Sid      = "Tracing"
        Effect   = "Allow"
        Action   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.this.name
  policy_arn = format("arn:%s:iam::aws:policy/service-role/AWSLambdaENIManagementAccess", data.aws_partition.current.partition)
}

resource "aws_security_group" "this" {
  name        = local.name
  description = "Outbound HTTPS from the function"
  vpc_id      = data.aws_vpc.this.id

  egress {
    description = "HTTPS inside the VPC (endpoints and services)"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }

  tags = local.tags
}

resource "aws_lambda_function" "this" {
  function_name                  = local.name
  description                    = local.description
  role                           = aws_iam_role.this.arn
  runtime                        = "python3.12"
  handler                        = "app.handler"
  s3_bucket                      = "acme-dev-lambda-artifacts"
  s3_key                         = "search/indexer/1.4.2.zip"
  memory_size                    = 512
  timeout                        = 120
  reserved_concurrent_executions = 10
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = {
      INDEX_NAME = "products-dev"
      LOG_LEVEL  = "info"
    }
  }

  vpc_config {
    subnet_ids         = data.aws_subnets.private.ids
    security_group_ids = [aws_security_group.this.id]
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.this, aws_iam_role_policy_attachment.vpc_access]
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = format("%s-errors", local.name)
  alarm_description   = "The function failed in 3 consecutive 5-minute periods"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = format("%s-throttles", local.name)
  alarm_description   = "Invocations are being throttled by the concurrency cap"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  alarm_actions       = [data.aws_sns_topic.alarms.arn]
  tags                = local.tags
}

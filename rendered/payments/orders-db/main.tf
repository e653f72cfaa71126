# Rendered by ssops-ci from requests/payments/orders-db.yaml with PostgresDatabase@1.0.0 (templates/postgres-database).
# Do not edit: change the request or the template and run `ssops-ci render`.
# checksum: sha256:f9c61e1385655fe00e5e147cbc4c29a1c5e3512b8447250da493ce7c3b91467a

resource "aws_security_group" "this" {
  name        = local.name
  description = "PostgreSQL clients inside the VPC"
  vpc_id      = data.aws_vpc.this.id

  ingress {
    description = "PostgreSQL from the VPC"
    from_port   = 5432
    to_port     = 5432
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

resource "aws_db_subnet_group" "this" {
  name       = local.name
  subnet_ids = data.aws_subnets.private.ids
  tags       = local.tags
}

# A major-version upgrade needs a parameter group of the new family before the old one can go: a
# generated name and create_before_destroy let both exist during the switch.
resource "aws_db_parameter_group" "this" {
  name_prefix = format("%s-", local.name)
  family      = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

# The log groups RDS exports to, created first so they get a retention and the stack's key (RDS would
# otherwise create them itself, unencrypted and kept forever).
resource "aws_cloudwatch_log_group" "postgresql" {
  name              = format("/aws/rds/instance/%s/postgresql", local.name)
  retention_in_days = 365
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "upgrade" {
  name              = format("/aws/rds/instance/%s/upgrade", local.name)
  retention_in_days = 365
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

# Keeps the final snapshot's name unique, so deleting a database of the same name a second time
# does not collide with the first one's snapshot.
resource "random_id" "snapshot" {
  byte_length = 4
  keepers     = { identifier = local.name }
}

resource "aws_iam_role" "monitoring" {
  name = format("%s-rds-monitoring", local.name)
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = format("arn:%s:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", data.aws_partition.current.partition)
}

resource "aws_db_instance" "this" {
  identifier     = local.name
  engine         = "postgres"
  engine_version = "16"
  instance_class = "db.t4g.small"
  db_name        = "app"
  username       = "ssops_admin"

  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.this.key_id
  iam_database_authentication_enabled = true

  allocated_storage     = 50
  max_allocated_storage = 200
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false

  backup_retention_period   = 30
  backup_window             = "03:00-04:00"
  maintenance_window        = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = format("%s-final-%s", local.name, random_id.snapshot.hex)

  allow_major_version_upgrade     = true
  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.monitoring.arn
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.this.arn

  tags       = local.tags
  depends_on = [aws_cloudwatch_log_group.postgresql, aws_cloudwatch_log_group.upgrade]
}

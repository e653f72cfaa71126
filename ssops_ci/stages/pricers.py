"""Which pricer turns each resource type the catalog renders into billed components.

Attributes come from the plan (static or terraform); usage comes from the template's
assumptions or the request's `spec.usage`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ssops_ci.config.pricing import PriceBook
from ssops_ci.model.cost import Component, Usage
from ssops_ci.stages import price_databases as db
from ssops_ci.stages import price_services as svc
from ssops_ci.stages.price_builder import Builder, first

PRICERS: dict[str, Callable[[dict[str, Any], Builder], None]] = {
    "aws_db_instance": db.db_instance,
    "aws_elasticache_replication_group": db.elasticache_group,
    "aws_s3_bucket": svc.s3_bucket,
    "aws_s3_bucket_lifecycle_configuration": svc.s3_lifecycle,
    "aws_sqs_queue": svc.sqs_queue,
    "aws_lambda_function": svc.lambda_function,
    "aws_cloudwatch_log_group": svc.log_group,
    "aws_cloudwatch_metric_alarm": svc.metric_alarm,
    "aws_kms_key": svc.kms_key,
    "aws_secretsmanager_secret": svc.secret,
}


def components(rtype: str, attrs: dict[str, Any], book: PriceBook, usage: dict[str, Usage]) -> list[Component] | None:
    """The billed components of one resource; None when the type has no pricer."""
    pricer = PRICERS.get(rtype)
    if pricer is None:
        return None
    b = Builder(book, usage)
    pricer({k: first(v) if k in ("node_type", "instance_class") else v for k, v in attrs.items()}, b)
    return b.out

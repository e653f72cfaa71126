"""Which pricer turns each resource type the catalog renders into billed components.

A type described in `policies/pricing/billing.yaml` is priced from that data; the types below need
logic the data cannot say (volume tiers, dated charges, classes chosen by lifecycle rules, request
chunks, key specs, alarm metric counts). Attributes come from the plan (static or terraform); usage
comes from the template's assumptions or the request's `spec.usage`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ssops_ci.config.billing import Billing
from ssops_ci.config.pricing import PriceBook
from ssops_ci.model.cost import Component, Usage
from ssops_ci.stages import price_databases as db
from ssops_ci.stages import price_services as svc
from ssops_ci.stages.price_builder import Builder, first
from ssops_ci.stages.price_data import billed

PRICERS: dict[str, Callable[[dict[str, Any], Builder], None]] = {
    "aws_db_instance": db.db_instance,
    "aws_elasticache_replication_group": db.elasticache_group,
    "aws_s3_bucket_lifecycle_configuration": svc.s3_lifecycle,
    "aws_sqs_queue": svc.sqs_queue,
    "aws_lambda_function": svc.lambda_function,
    "aws_cloudwatch_metric_alarm": svc.metric_alarm,
    "aws_kms_key": svc.kms_key,
}


def components(
    rtype: str, attrs: dict[str, Any], book: PriceBook, usage: dict[str, Usage], billing: Billing | None = None
) -> list[Component] | None:
    """The billed components of one resource; None when neither the data nor a pricer says how it is billed."""
    b = Builder(book, usage)
    specs = (billing or {}).get(rtype)
    if specs is not None:
        billed(specs, attrs, b)
        return b.out
    pricer = PRICERS.get(rtype)
    if pricer is None:
        return None
    pricer({k: first(v) if k in ("node_type", "instance_class") else v for k, v in attrs.items()}, b)
    return b.out

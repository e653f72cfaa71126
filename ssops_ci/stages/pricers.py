"""How each resource type the catalog renders turns into billed components.

Attributes come from the plan (static or terraform); usage comes from the
template's assumptions or the request's `spec.usage`. A component whose quantity
cannot be known says so instead of counting as $0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ssops_ci.config.pricing import HOURS_PER_MONTH, PriceBook
from ssops_ci.model.change import MASK, UNKNOWN
from ssops_ci.model.cost import Component, Usage


def _known(v: Any) -> bool:
    return v is not None and v not in (UNKNOWN, MASK) and not (isinstance(v, str) and "${" in v)


def _num(attrs: dict[str, Any], key: str) -> float | None:
    v = attrs.get(key)
    if isinstance(v, bool) or not _known(v):
        return None
    try:
        return float(v) if isinstance(v, int | float | str) else None
    except ValueError:
        return None


def _first(v: Any) -> Any:
    while isinstance(v, list) and v:
        v = v[0]
    return v


class Builder:
    def __init__(self, book: PriceBook, usage: dict[str, Usage]) -> None:
        self.book = book
        self.usage = usage
        self.out: list[Component] = []

    def add(
        self,
        name: str,
        key: str,
        dims: tuple[str, ...],
        quantity: float | None,
        *,
        scale: float = 1.0,
        usage: str | None = None,
    ) -> None:
        price = self.book.price(key, *dims)
        qty = None if quantity is None else quantity / scale
        self.out.append(
            Component(
                name=name,
                unit=price.unit,
                quantity=qty,
                unit_price=price.amount,
                monthly_cost=None if qty is None else round(qty * price.amount, 6),
                usage=usage if usage or qty is not None else "the quantity is known only after apply",
                source=price.source,
            )
        )

    def unknown(self, name: str, key: str, why: str) -> None:
        """A component that will be billed at a price we can't pick yet: shown and counted, never $0."""
        entry = self.book.entry(key)
        self.out.append(
            Component(
                name=name,
                unit=entry.unit,
                quantity=None,
                unit_price=None,
                monthly_cost=None,
                usage=why,
                source=self.book.source(entry),
            )
        )

    def per_usage(self, name: str, key: str, dims: tuple[str, ...], usage_key: str, *, scale: float = 1.0) -> None:
        u = self.usage.get(usage_key)
        if u is None:
            self.add(
                name, key, dims, None, usage=f"depends on usage ({usage_key}), which the catalog does not estimate"
            )
        else:
            self.add(name, key, dims, u.value, scale=scale, usage=u.label(usage_key))


def _db_storage(a: dict[str, Any], b: Builder, dep: str) -> None:
    iops = _num(a, "iops")
    stype, note = a.get("storage_type"), None
    if not _known(stype):
        # The AWS provider's default, which Infracost assumes too: io1 when IOPS are set, else gp2.
        default = "io1" if iops else "gp2"
        if stype is not None:
            note = f"storage type known only after apply; priced as {default}, the provider's default"
        stype = default
    gb = _num(a, "allocated_storage")
    b.add(f"Storage ({stype})", "rds_storage_gb_month", (dep, str(stype)), gb, usage=note)
    if stype in ("io1", "io2") or (stype == "gp3" and iops):
        baseline = 0.0 if stype != "gp3" else (12000.0 if (gb or 0) >= 400 else 3000.0)
        extra = None if iops is None else max(0.0, iops - baseline)
        b.add(f"Provisioned IOPS ({stype})", "rds_iops_month", (dep, stype), extra)


def db_instance(a: dict[str, Any], b: Builder) -> None:
    multi = a.get("multi_az") is True
    dep = "multi-az" if multi else "single-az"
    cls, engine = a.get("instance_class"), a.get("engine") or "postgres"
    label = "Multi-AZ" if multi else "Single-AZ"
    if _known(cls) and _known(engine):
        name = f"Database instance (on-demand, {label}, {cls})"
        b.add(name, "rds_instance_hour", (str(engine), dep, str(cls)), HOURS_PER_MONTH)
    else:
        why = "the instance class or engine is known only after apply"
        b.unknown(f"Database instance (on-demand, {label})", "rds_instance_hour", why)
    _db_storage(a, b, dep)
    b.per_usage("Additional backup storage", "rds_backup_gb_month", (), "backupStorageGb")
    if a.get("manage_master_user_password") is True:
        b.add("Master password secret (Secrets Manager, managed by RDS)", "secretsmanager_secret_month", (), 1)


def elasticache_group(a: dict[str, Any], b: Builder) -> None:
    node = a.get("node_type")
    nodes = _num(a, "num_cache_clusters")
    if nodes is None:
        groups, replicas = _num(a, "num_node_groups"), _num(a, "replicas_per_node_group")
        nodes = (groups or 1) * ((replicas or 0) + 1) if groups or replicas else None
    if _known(node):
        label = (
            f"ElastiCache Redis (on-demand, {node}, {nodes:g} node{'s' if nodes != 1 else ''})"
            if nodes
            else (f"ElastiCache Redis (on-demand, {node})")
        )
        b.add(label, "elasticache_node_hour", (str(node),), None if nodes is None else nodes * HOURS_PER_MONTH)
    else:
        b.unknown("ElastiCache Redis (on-demand)", "elasticache_node_hour", "the node type is known only after apply")
    if (_num(a, "snapshot_retention_limit") or 0) > 0:
        b.per_usage(
            "Backup storage (snapshots beyond one per node)", "elasticache_backup_gb_month", (), "backupStorageGb"
        )


def s3_bucket(a: dict[str, Any], b: Builder) -> None:
    b.per_usage("Storage (Standard)", "s3_storage_gb_month", ("STANDARD",), "storageGb")
    b.per_usage("PUT, COPY, POST, LIST requests", "s3_1k_write_requests", (), "putRequests", scale=1000)
    b.per_usage("GET, SELECT and other requests", "s3_1k_read_requests", (), "getRequests", scale=1000)


def sqs_queue(a: dict[str, Any], b: Builder) -> None:
    kind = "fifo" if a.get("fifo_queue") is True else "standard"
    b.per_usage(
        f"Requests ({kind.upper() if kind == 'fifo' else 'standard'} queue)",
        "sqs_1m_requests",
        (kind,),
        "requests",
        scale=1_000_000,
    )


def lambda_function(a: dict[str, Any], b: Builder) -> None:
    b.per_usage("Requests", "lambda_1m_requests", (), "monthlyRequests", scale=1_000_000)
    reqs, ms, mem = b.usage.get("monthlyRequests"), b.usage.get("averageDurationMs"), _num(a, "memory_size")
    if reqs is None or ms is None or mem is None:
        b.add(
            "Duration (x86)",
            "lambda_gb_second",
            (),
            None,
            usage="usage unknown: set spec.usage.monthlyRequests and averageDurationMs",
        )
        return
    gb_s = reqs.value * ms.value / 1000 * mem / 1024
    b.add(
        "Duration (x86)",
        "lambda_gb_second",
        (),
        gb_s,
        usage=f"{reqs.label('monthlyRequests')} x {ms.label('averageDurationMs')} x {mem:g} MB",
    )


def log_group(a: dict[str, Any], b: Builder) -> None:
    b.per_usage("Data ingested", "cloudwatch_logs_ingested_gb", (), "logIngestionGb")
    b.per_usage("Archival storage", "cloudwatch_logs_stored_gb_month", (), "logStorageGb")


def metric_alarm(a: dict[str, Any], b: Builder) -> None:
    b.add("Standard resolution alarm", "cloudwatch_alarm_month", (), 1)


def kms_key(a: dict[str, Any], b: Builder) -> None:
    b.add("Customer master key", "kms_key_month", (), 1)
    b.per_usage("Requests", "kms_10k_requests", (), "kmsRequests", scale=10_000)


def secret(a: dict[str, Any], b: Builder) -> None:
    b.add("Secret", "secretsmanager_secret_month", (), 1)
    b.per_usage("API calls", "secretsmanager_10k_api_calls", (), "secretApiCalls", scale=10_000)


PRICERS: dict[str, Callable[[dict[str, Any], Builder], None]] = {
    "aws_db_instance": db_instance,
    "aws_elasticache_replication_group": elasticache_group,
    "aws_s3_bucket": s3_bucket,
    "aws_sqs_queue": sqs_queue,
    "aws_lambda_function": lambda_function,
    "aws_cloudwatch_log_group": log_group,
    "aws_cloudwatch_metric_alarm": metric_alarm,
    "aws_kms_key": kms_key,
    "aws_secretsmanager_secret": secret,
}


def components(rtype: str, attrs: dict[str, Any], book: PriceBook, usage: dict[str, Usage]) -> list[Component] | None:
    """The billed components of one resource; None when the type has no pricer."""
    pricer = PRICERS.get(rtype)
    if pricer is None:
        return None
    b = Builder(book, usage)
    pricer({k: _first(v) if k in ("node_type", "instance_class") else v for k, v in attrs.items()}, b)
    return b.out

"""Pricers for the data stores: RDS instances and ElastiCache replication groups."""

from __future__ import annotations

from typing import Any

from ssops_ci.config.pricing import HOURS_PER_MONTH
from ssops_ci.stages.price_builder import Builder, known, num

# io1 volumes are billed for at least this much storage and these IOPS (what AWS allocates)
IO1_MIN_GB, IO1_MIN_IOPS = 100.0, 1000.0
STORAGE_NAMES = {
    "gp2": "general purpose SSD, gp2",
    "gp3": "general purpose SSD, gp3",
    "io1": "provisioned IOPS SSD, io1",
    "io2": "provisioned IOPS SSD, io2",
    "standard": "magnetic",
}
PI_FREE_RETENTION_DAYS = 7


def _storage_type(a: dict[str, Any], iops: float | None) -> tuple[str, str | None]:
    stype = a.get("storage_type")
    if known(stype):
        return str(stype), None
    # The AWS provider's default, which Infracost assumes too: io1 when IOPS are set, else gp2.
    default = "io1" if iops else "gp2"
    note = f"storage type known only after apply; priced as {default}, the provider's default" if stype else None
    return default, note


def _db_storage(a: dict[str, Any], b: Builder, dep: str) -> None:
    iops = num(a, "iops")
    stype, note = _storage_type(a, iops)
    gb = num(a, "allocated_storage")
    if stype in ("io1", "io2") and gb is not None:
        gb = max(gb, IO1_MIN_GB)
    name = f"Storage ({STORAGE_NAMES.get(stype, stype)})"
    b.add(name, "rds_storage_gb_month", (dep, stype), gb, usage=note)
    if stype in ("io1", "io2"):
        b.add("Provisioned IOPS", "rds_iops_month", (dep, stype), max(iops or 0.0, IO1_MIN_IOPS))
    elif stype == "gp3" and iops:
        baseline = 12000.0 if (gb or 0) >= 400 else 3000.0
        if iops > baseline:
            b.add(f"Provisioned GP3 IOPS (above {baseline:,.0f})", "rds_iops_month", (dep, stype), iops - baseline)
    elif stype == "standard":
        b.per_usage("I/O requests", "rds_1m_io_requests", (), "ioRequests", scale=1_000_000)


def _major(version: Any) -> str | None:
    return str(version).split(".")[0] if known(version) and version is not None else None


def _extended_support(a: dict[str, Any], b: Builder, engine: str, cls: str) -> None:
    """AWS bills Extended Support per vCPU-hour once a major version leaves standard support."""
    dates = b.book.data.extended_support.get(engine, {}).get(_major(a.get("engine_version")) or "")
    if dates is None or b.book.day < dates.year1:
        return
    year = "year3" if dates.year3 and b.book.day >= dates.year3 else "year1"
    label = "year 3" if year == "year3" else "year 1"
    vcpu_hours = b.book.vcpus(cls) * HOURS_PER_MONTH
    b.add(f"Extended support ({label})", "rds_extended_support_vcpu_hour", (engine, year), vcpu_hours)


def _performance_insights(a: dict[str, Any], b: Builder, cls: str) -> None:
    if a.get("performance_insights_enabled") is not True:
        return
    retention = num(a, "performance_insights_retention_period") or PI_FREE_RETENTION_DAYS
    if retention > PI_FREE_RETENTION_DAYS:
        family = cls.removeprefix("db.").split(".")[0]
        name = f"Performance Insights long-term retention ({cls})"
        b.add(name, "rds_pi_retention_vcpu_month", (family,), b.book.vcpus(cls))
    b.per_usage("Performance Insights API", "rds_pi_1k_api_requests", (), "performanceInsightsApiRequests", scale=1000)


def db_instance(a: dict[str, Any], b: Builder) -> None:
    multi = a.get("multi_az") is True
    dep = "multi-az" if multi else "single-az"
    cls, engine = a.get("instance_class"), a.get("engine") or "postgres"
    label = "Multi-AZ" if multi else "Single-AZ"
    if known(cls) and known(engine):
        name = f"Database instance (on-demand, {label}, {cls})"
        b.add(name, "rds_instance_hour", (str(engine), dep, str(cls)), HOURS_PER_MONTH)
    else:
        why = "the instance class or engine is known only after apply"
        b.unknown(f"Database instance (on-demand, {label})", "rds_instance_hour", why)
    _db_storage(a, b, dep)
    if (num(a, "backup_retention_period") or 0) > 0 or "backupStorageGb" in b.usage:
        b.per_usage("Additional backup storage", "rds_backup_gb_month", (), "backupStorageGb")
    if known(cls) and known(engine):
        _performance_insights(a, b, str(cls))
        if str(cls).startswith(("db.t3.", "db.t4g.")):
            # burstable classes run in unlimited mode: sustained use above the baseline buys CPU credits
            b.per_usage("CPU credits", "rds_cpu_credit_vcpu_hour", (), "cpuCreditVcpuHours")
        _extended_support(a, b, str(engine), str(cls))
    if a.get("manage_master_user_password") is True:
        b.add("Master password secret (Secrets Manager, managed by RDS)", "secretsmanager_secret_month", (), 1)


def _cache_nodes(a: dict[str, Any]) -> float | None:
    nodes = num(a, "num_cache_clusters")
    if nodes is not None:
        return nodes
    groups, replicas = num(a, "num_node_groups"), num(a, "replicas_per_node_group")
    return (groups or 1) * ((replicas or 0) + 1) if groups or replicas else None


def elasticache_group(a: dict[str, Any], b: Builder) -> None:
    node = a.get("node_type")
    nodes = _cache_nodes(a)
    if known(node):
        label = f"ElastiCache (on-demand, {node}"
        label += f", {nodes:g} node{'s' if nodes != 1 else ''})" if nodes else ")"
        b.add(label, "elasticache_node_hour", (str(node),), None if nodes is None else nodes * HOURS_PER_MONTH)
    else:
        b.unknown("ElastiCache (on-demand)", "elasticache_node_hour", "the node type is known only after apply")
    if (num(a, "snapshot_retention_limit") or 0) > 0:
        # one snapshot per node is free; what is stored beyond it depends on the data
        name = "Backup storage (beyond one snapshot per node)"
        b.per_usage(name, "elasticache_backup_gb_month", (), "backupStorageGb")

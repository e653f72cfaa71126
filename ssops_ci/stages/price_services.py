"""Pricers for the service types whose billing needs logic: S3 lifecycle classes, SQS chunks, Lambda
tiers, alarm metrics, KMS key specs. Plain ones are data in policies/pricing/billing.yaml."""

from __future__ import annotations

import math
from typing import Any

from ssops_ci.stages.price_builder import Builder, blocks, first, known, num

LAMBDA_DEFAULT_MEMORY_MB = 128.0  # the provider's default when memory_size is not set
LAMBDA_FREE_EPHEMERAL_MB = 512.0  # included with every function; more is billed per GB-second
SQS_CHUNK_KB = 64.0  # each 64 KB of a request is billed as one request
HIGH_RESOLUTION_BELOW_S = 60  # a period under a minute makes the alarm high-resolution
ANOMALY_BAND_METRICS = 3  # an anomaly detection band is billed as three metrics


def _storage_class(b: Builder, title: str, cls: str, usage_prefix: str, *, transitions: bool) -> None:
    """One S3 storage class: what its objects store, and the requests and retrievals that touch them."""

    def key(name: str) -> str:  # storageGb for Standard, infrequentAccessStorageGb for Standard-IA
        return usage_prefix + name if usage_prefix else name[0].lower() + name[1:]

    b.per_usage(f"{title}: storage", "s3_storage_gb_month", (cls,), key("StorageGb"))
    writes, reads = f"{title}: PUT, COPY, POST, LIST requests", f"{title}: GET, SELECT and other requests"
    b.per_usage(writes, "s3_1k_write_requests", (cls,), key("PutRequests"), scale=1000)
    b.per_usage(reads, "s3_1k_read_requests", (cls,), key("GetRequests"), scale=1000)
    if transitions:
        b.per_usage(f"{title}: lifecycle transitions", "s3_1k_transitions", (cls,), key("Transitions"), scale=1000)
    if b.book.has("s3_retrieval_gb", cls):
        b.per_usage(f"{title}: retrievals", "s3_retrieval_gb", (cls,), key("RetrievalGb"))
    b.per_usage(f"{title}: Select data scanned", "s3_select_scanned_gb", (cls,), key("SelectScannedGb"))
    b.per_usage(f"{title}: Select data returned", "s3_select_returned_gb", (cls,), key("SelectReturnedGb"))


S3_CLASS_TITLES = {
    "STANDARD_IA": ("Standard-IA", "infrequentAccess"),
    "ONEZONE_IA": ("One Zone-IA", "oneZone"),
    "INTELLIGENT_TIERING": ("Intelligent-Tiering", "intelligentTiering"),
    "GLACIER_IR": ("Glacier Instant Retrieval", "glacierInstant"),
    "GLACIER": ("Glacier Flexible Retrieval", "glacier"),
    "DEEP_ARCHIVE": ("Glacier Deep Archive", "deepArchive"),
}


def s3_lifecycle(a: dict[str, Any], b: Builder) -> None:
    """Objects a lifecycle rule moves to another class are billed at that class's prices, not Standard's."""
    classes: list[str] = []
    for rule in blocks(a, "rule"):
        if rule.get("status") not in (None, "Enabled"):
            continue
        for t in blocks(rule, "transition"):
            cls = t.get("storage_class")
            if known(cls) and cls not in classes:
                classes.append(str(cls))
    for cls in classes:
        title, prefix = S3_CLASS_TITLES.get(cls, (cls, cls.lower()))
        _storage_class(b, title, cls, prefix, transitions=True)


def sqs_queue(a: dict[str, Any], b: Builder) -> None:
    kind = "fifo" if a.get("fifo_queue") is True else "standard"
    name = f"Requests ({'FIFO' if kind == 'fifo' else 'standard'} queue)"
    reqs, size = b.usage.get("requests"), b.usage.get("requestSizeKb")
    if reqs is None:
        b.per_usage(name, "sqs_1m_requests", (kind,), "requests", scale=1_000_000)
        return
    chunks = max(1, math.ceil((size.value if size else SQS_CHUNK_KB) / SQS_CHUNK_KB))
    how = reqs.label("requests")
    if size is not None and chunks > 1:
        how += f" x {chunks} chunks of 64 KB ({size.label('requestSizeKb')})"
    b.add(name, "sqs_1m_requests", (kind,), reqs.value * chunks, scale=1_000_000, usage=how)


def lambda_function(a: dict[str, Any], b: Builder) -> None:
    arch = first(a.get("architectures"))
    arch = str(arch) if known(arch) and arch else "x86_64"  # the provider's default
    b.per_usage("Requests", "lambda_1m_requests", (), "monthlyRequests", scale=1_000_000)
    reqs, ms = b.usage.get("monthlyRequests"), b.usage.get("averageDurationMs")
    mem = num(a, "memory_size") if "memory_size" in a else LAMBDA_DEFAULT_MEMORY_MB
    storage = [num(e, "size") for e in blocks(a, "ephemeral_storage")]
    extra_gb = max(0.0, (storage[0] or LAMBDA_FREE_EPHEMERAL_MB) - LAMBDA_FREE_EPHEMERAL_MB) / 1024 if storage else 0.0
    title = f"Duration ({'Arm' if arch == 'arm64' else 'x86'}, {{tier}})"
    if reqs is None or ms is None or mem is None:
        why = "depends on usage (monthlyRequests, averageDurationMs)"
        b.tiered(title, "lambda_gb_second", (arch,), None, why)
        b.add("Ephemeral storage", "lambda_ephemeral_gb_second", (), None, usage=why)
        return
    seconds = reqs.value * ms.value / 1000
    how = f"{reqs.label('monthlyRequests')} x {ms.label('averageDurationMs')} x {mem:g} MB"
    b.tiered(title, "lambda_gb_second", (arch,), seconds * mem / 1024, how)
    if extra_gb:
        b.add("Ephemeral storage (beyond 512 MB)", "lambda_ephemeral_gb_second", (), seconds * extra_gb, usage=how)


def _alarm_metrics(a: dict[str, Any]) -> tuple[int, list[float], bool]:
    queries = blocks(a, "metric_query")
    if not queries:
        return 1, [p for p in [num(a, "period")] if p is not None], False
    metrics = [m for q in queries for m in blocks(q, "metric")]
    periods = [p for p in (num(m, "period") for m in metrics) if p is not None]
    anomaly = any("ANOMALY_DETECTION_BAND" in str(q.get("expression") or "") for q in queries)
    return max(1, len(metrics)), periods, anomaly


def metric_alarm(a: dict[str, Any], b: Builder) -> None:
    metrics, periods, anomaly = _alarm_metrics(a)
    high = any(p < HIGH_RESOLUTION_BELOW_S for p in periods)
    resolution = "high" if high else "standard"
    name = f"{resolution.capitalize()} resolution" + (" anomaly detection" if anomaly else "")
    count = ANOMALY_BAND_METRICS * metrics if anomaly else metrics
    b.add(name, "cloudwatch_alarm_metric_month", (resolution,), count)


KMS_REQUESTS = {
    # key spec -> (component, price dimension, usage key)
    "symmetric": [
        ("Requests", "symmetric", "kmsRequests"),
        ("ECC GenerateDataKeyPair requests", "ecc_data_key_pair", "kmsEccDataKeyPairRequests"),
        ("RSA GenerateDataKeyPair requests", "rsa_data_key_pair", "kmsRsaDataKeyPairRequests"),
    ],
    "RSA_2048": [("Requests (RSA 2048)", "rsa_2048", "kmsRequests")],
    "asymmetric": [("Requests (asymmetric)", "asymmetric", "kmsRequests")],
}


def kms_key(a: dict[str, Any], b: Builder) -> None:
    spec = a.get("customer_master_key_spec")
    spec = str(spec) if known(spec) and spec else "SYMMETRIC_DEFAULT"  # the provider's default
    b.add("Customer master key", "kms_key_month", (), 1)
    group = "symmetric" if spec == "SYMMETRIC_DEFAULT" or spec.startswith("HMAC") else spec
    for name, dim, usage_key in KMS_REQUESTS.get(group, KMS_REQUESTS["asymmetric"]):
        b.per_usage(name, "kms_10k_requests", (dim,), usage_key, scale=10_000)

"""Billing as data: a kind with a resource type nobody priced before needs prices and billing.yaml, no code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ssops_ci.adapters.worktree import WorkTree
from ssops_ci.config import pricing
from ssops_ci.model.problems import InputError
from tests.conftest import PROJECT, Repo, evaluate, request_yaml

DECL = """apiVersion: ssops/v1
kind: ProbeTable
version: 1.0.0
description: A DynamoDB table, billed by data this test adds.
owner: platform
parameters:
  mode:
    type: string
    enum: [PAY_PER_REQUEST, PROVISIONED]
    default: PAY_PER_REQUEST
    description: On-demand, or a fixed capacity.
  capacity:
    type: integer
    minimum: 1
    maximum: 1000
    default: 5
    description: Read and write capacity units when provisioned.
resources:
  aws_dynamodb_table:
    force_new: [name, hash_key]
    holds_data: true
usage:
  writeRequests:
    default: 2000000
    unit: requests/month
    description: Write request units
  readRequests:
    unit: requests/month
    description: Read request units
  storageGb:
    default: 10
    unit: GB-month
    description: Table storage
"""

MAIN = """resource "aws_dynamodb_table" "this" {
  name         = local.name
  billing_mode = {{ spec.mode }}
  hash_key     = "id"
{% if spec.mode == "PROVISIONED" %}
  read_capacity  = {{ spec.capacity }}
  write_capacity = {{ spec.capacity }}
{% endif %}

  attribute {
    name = "id"
    type = "S"
  }
}
"""

BILLING = """
    - name: Write request units (on-demand)
      price: probe_1m_write_units
      usage: writeRequests
      per: 1000000
      when: {attribute: billing_mode, equals: PAY_PER_REQUEST}
    - name: Read request units (on-demand)
      price: probe_1m_read_units
      usage: readRequests
      per: 1000000
      when: {attribute: billing_mode, equals: PAY_PER_REQUEST}
    - name: Write capacity (provisioned)
      price: probe_wcu_hour
      attribute: write_capacity
      times: 730
      when: {attribute: billing_mode, equals: PROVISIONED}
    - {name: Storage, price: probe_storage_gb_month, usage: storageGb}
"""

PRICES = """
  probe_1m_write_units: {source: probe, unit: 1M requests, values: 0.625}
  probe_1m_read_units: {source: probe, unit: 1M requests, values: 0.125}
  probe_wcu_hour: {source: probe, unit: hours, values: 0.00065}
  probe_storage_gb_month: {source: probe, unit: GB, values: 0.25}
"""


def with_billing(added: str = "", table: str = "") -> dict[str, str]:
    """The project's pricing with the probe prices in each region, `added` appended to billing.yaml's
    resources and, given `table`, aws_dynamodb_table billed as it says (whatever the catalog holds)."""
    text = (PROJECT / "policies/pricing/billing.yaml").read_text()
    if table:
        doc = yaml.safe_load(text)
        doc["resources"]["aws_dynamodb_table"] = yaml.safe_load(table)
        text = yaml.safe_dump(doc, sort_keys=False)
    files = {"policies/pricing/billing.yaml": text + added}
    for region in ("us-east-1", "eu-west-1"):
        path = f"policies/pricing/{region}.yaml"
        body = (PROJECT / path).read_text()
        body = body.replace("sources:\n", "sources:\n  probe: https://aws.amazon.com/dynamodb/pricing/\n", 1)
        files[path] = body.replace("prices:\n", "prices:" + PRICES, 1)
    return files


def test_a_new_resource_type_is_priced_from_data(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    for rel, text in with_billing(table=BILLING).items():
        repo.write(rel, text)
    repo.write("templates/probe-table/template.yaml", DECL)
    repo.write("templates/probe-table/main.tf.j2", MAIN)
    repo.write(
        "templates/probe-table/versions.tf.j2",
        '{% set providers = ["aws"] %}\n{% include "_shared/versions.tf.j2" %}\n',
    )
    repo.commit("a Table kind, priced as data", render=False)
    repo.branch("tables")
    repo.write("requests/payments/orders.yaml", request_yaml("ProbeTable", "orders", spec="  mode: PAY_PER_REQUEST\n"))
    repo.write(
        "requests/payments/stock.yaml",
        request_yaml("ProbeTable", "stock", spec="  mode: PROVISIONED\n  capacity: 10\n"),
    )
    repo.commit()
    report = evaluate(repo.root, "main", "HEAD", scanner=None)
    on_demand = report.stack("payments/orders").cost
    provisioned = report.stack("payments/stock").cost
    assert on_demand is not None and provisioned is not None
    [table] = [r for r in on_demand.resources if r.type == "aws_dynamodb_table"]
    assert {c.name: c.monthly_cost for c in table.components} == {
        "Write request units (on-demand)": 1.25,  # 2M writes at $0.625 per million
        "Read request units (on-demand)": None,  # no default: the catalog does not guess reads
        "Storage": 2.5,
    }
    [table] = [r for r in provisioned.resources if r.type == "aws_dynamodb_table"]
    assert {c.name: c.monthly_cost for c in table.components} == {
        "Write capacity (provisioned)": pytest.approx(10 * 730 * 0.00065),
        "Storage": 2.5,
    }


@pytest.mark.parametrize(
    ("added", "expected"),
    [
        (
            "  aws_probe_thing:\n    - {name: Storage, price: probe_gb, usage: storageGb}\n",
            "billing.yaml:{line}:30: aws_probe_thing: prices.probe_gb is missing from eu-west-1.yaml",
        ),
        (
            "  aws_iam_role:\n    - {name: Role, price: kms_key_month, quantity: 1}\n",
            "policies/pricing/billing.yaml:{key}:3: aws_iam_role is also listed in free.yaml; keep one",
        ),
        (
            "  aws_probe_thing:\n    - {name: Storage, price: s3_storage_gb_month, usage: storageGb}\n",
            "prices.s3_storage_gb_month has 1 dimension(s) in eu-west-1.yaml; dims gives 0",
        ),
        (
            "  aws_probe_thing:\n    - {name: Storage, price: kms_key_month, quantity: 1, usage: storageGb}\n",
            "give exactly one of quantity, usage or attribute (got quantity, usage)",
        ),
    ],
)
def test_billing_mistakes_are_refused_where_they_are(make_repo: Callable[..., Path], added: str, expected: str) -> None:
    root = make_repo(with_billing(added=added))
    line = len((PROJECT / "policies/pricing/billing.yaml").read_text().splitlines()) + 2
    with pytest.raises(InputError) as e:
        pricing.load(WorkTree(root))
    assert expected.format(line=line, key=line - 1) in str(e.value)


def test_a_dimension_read_from_an_attribute_maps_yaml_booleans_to_words() -> None:
    """`map: {true: fifo}` as YAML writes it (a boolean key) prices a FIFO queue at the FIFO price."""
    from ssops_ci.config.billing import ComponentSpec
    from ssops_ci.model.cost import Usage
    from ssops_ci.stages.price_builder import Builder
    from ssops_ci.stages.price_data import billed

    spec = ComponentSpec.model_validate(
        yaml.safe_load(
            "name: Requests\nprice: sqs_1m_requests\nusage: requests\nper: 1000000\n"
            "dims: [{attribute: fifo_queue, map: {true: fifo, false: standard}, default: standard}]\n"
        )
    )
    book = pricing.load(WorkTree(PROJECT)).book("us-east-1")
    costs = {}
    for attrs in ({"fifo_queue": True}, {"fifo_queue": False}, {}):
        b = Builder(book, {"requests": Usage(2_000_000, "test")})
        billed([spec], attrs, b)
        costs[str(attrs.get("fifo_queue"))] = b.out[0].monthly_cost
    fifo, standard = book.price("sqs_1m_requests", "fifo").amount, book.price("sqs_1m_requests", "standard").amount
    assert costs == {"True": 2 * fifo, "False": 2 * standard, "None": 2 * standard}

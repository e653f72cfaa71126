"""The AWS reference data ssops-ci ships: provider schemas and the table of AWS value limits.

`ssops_ci/data/provider-schemas.json` is a compact form of `terraform providers schema -json` for
hashicorp/aws 5.100.0 and hashicorp/random 3.7.2 (what `terraform validate` knows, without the provider
binaries), one resource type per line so a provider upgrade reads as a diff. Taken from the output kept
in lonegunmanb/terraform-aws-schema (tag v5.100.0), cross-checked against @cdktf/provider-aws 20.1.0;
random from @cdktf/provider-random 12.0.1. `ssops_ci/data/aws-limits.yaml` cites its own sources.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import yaml

from ssops_ci.stages.limits import Limit


@functools.cache
def provider_schemas() -> dict[str, Any]:
    data = resources.files("ssops_ci").joinpath("data/provider-schemas.json").read_bytes()
    loaded: dict[str, Any] = json.loads(data)
    return loaded


@functools.cache
def value_limits() -> list[Limit]:
    """The table of AWS value limits (`ssops_ci/data/aws-limits.yaml`)."""
    text = resources.files("ssops_ci").joinpath("data/aws-limits.yaml").read_text()
    return [Limit.model_validate(entry) for entry in yaml.safe_load(text)]

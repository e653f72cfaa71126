"""Terraform's failures sorted by who can fix them.

A plan that fails because the runner has no cloud credentials, the state bucket is missing,
refuses the role or is locked, or providers cannot be installed, is the platform team's to fix.
The developer whose request happened to be planned is told so, with the setting to change; only
what is not recognised here keeps the generic "read the error above".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ssops_ci.config.platform import TerraformSettings

Purpose = Literal["plan", "apply", "drift"]

# The workflows pass these repository variables to aws-actions/configure-aws-credentials.
ROLE_VARIABLE: dict[str, str] = {
    "plan": "SSOPS_AWS_PLAN_ROLE",
    "drift": "SSOPS_AWS_PLAN_ROLE",
    "apply": "SSOPS_AWS_APPLY_ROLE",
}
_ROLE_NAME = {"plan": "read-only plan", "drift": "read-only plan", "apply": "apply"}

_LOCK = re.compile(r"Error acquiring the state lock|ConditionalCheckFailedException")
_CREDENTIALS = re.compile(
    r"no valid credential sources|NoCredentialProviders|InvalidClientTokenId|ExpiredToken|"
    r"security token included in the request is (?:invalid|expired)|SignatureDoesNotMatch|"
    r"failed to refresh cached credentials|WebIdentityErr|AssumeRoleWithWebIdentity|"
    r"(?:could not|unable to|failed to) (?:retrieve|get|load) credentials",
    re.IGNORECASE,
)
_BACKEND = re.compile(
    r"S3 Backend|Failed to get existing workspaces|Error refreshing state|Error loading state|"
    r"Failed to (?:save|persist|load) state|Error (?:releasing|locking) (?:the )?state|NoSuchBucket|"
    r"bucket does not exist|Backend initialization required|Error configuring the backend|Unsupported backend type",
    re.IGNORECASE,
)
_DENIED = re.compile(
    r"AccessDenied|not authorized to perform|UnauthorizedOperation|status code: 403|\bForbidden\b", re.IGNORECASE
)
_PROVIDERS = re.compile(
    r"Failed to query available provider packages|Failed to install provider|could not connect to registry|"
    r"Incompatible provider version|Inconsistent dependency lock file|provider registry .* unreachable",
    re.IGNORECASE,
)
_TEMPLATE = re.compile(
    r"Unsupported argument|Missing required argument|Unsupported block type|Reference to undeclared|"
    r"Invalid reference|Unsupported attribute|Invalid resource type"
)


@dataclass(frozen=True)
class Fault:
    what: str  # what went wrong, in words
    setting: str  # what the platform team changes


def _role(purpose: Purpose) -> str:
    return f"the {_ROLE_NAME[purpose]} role (repository variable {ROLE_VARIABLE[purpose]})"


def _backend(settings: TerraformSettings) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in settings.backend.config.items() if k in ("bucket", "region", "path"))
    return f"terraform.backend in policies/platform.yaml ({settings.backend.type}{': ' + shown if shown else ''})"


def _lock(settings: TerraformSettings, purpose: Purpose) -> Fault:
    table = settings.backend.config.get("dynamodb_table")
    where = f"the lock table {table} (terraform.backend.config.dynamodb_table)" if table else "the backend's lock"
    return Fault(
        "another Terraform run holds this stack's state lock",
        f"wait for that run and re-run this one; if no run holds it, the platform team releases {where} "
        "with `terraform force-unlock`",
    )


def _credentials(settings: TerraformSettings, purpose: Purpose) -> Fault:
    return Fault(
        "the runner has no usable cloud credentials",
        f"{_role(purpose)}: set it to the role's ARN and let the role trust this repository's OIDC token "
        "(README: Run on AWS)",
    )


def _backend_denied(settings: TerraformSettings, purpose: Purpose) -> Fault:
    access = "read and write" if purpose == "apply" else "read"
    return Fault(
        "the state backend refused the role",
        f"grant {_role(purpose)} {access} access to the state, or correct {_backend(settings)}",
    )


def _backend_failed(settings: TerraformSettings, purpose: Purpose) -> Fault:
    return Fault("the state backend could not be reached or read", f"{_backend(settings)}: check it exists")


def _providers(settings: TerraformSettings, purpose: Purpose) -> Fault:
    return Fault(
        "Terraform could not install its providers",
        "terraform.plugin_dir in policies/platform.yaml (a filesystem mirror), or the runner's access to "
        "registry.terraform.io",
    )


def _template(settings: TerraformSettings, purpose: Purpose) -> Fault:
    return Fault(
        "the rendered Terraform is invalid: the kind's template is wrong, not the request",
        "the template under templates/ (`ssops-ci policy check` and the catalog tests show where)",
    )


def _denied(settings: TerraformSettings, purpose: Purpose) -> Fault:
    return Fault("the cloud refused the role an action it needs", f"the permissions of {_role(purpose)}")


def classify(step: str, output: str, settings: TerraformSettings, purpose: Purpose) -> Fault | None:
    """Whose the failure of `terraform <step>` is: a Fault when it is the platform's, else None."""
    if _LOCK.search(output):
        return _lock(settings, purpose)
    if _CREDENTIALS.search(output):
        return _credentials(settings, purpose)
    if _BACKEND.search(output) or (step == "init" and _DENIED.search(output)):
        return (_backend_denied if _DENIED.search(output) else _backend_failed)(settings, purpose)
    if _PROVIDERS.search(output):
        return _providers(settings, purpose)
    if _TEMPLATE.search(output):
        return _template(settings, purpose)
    if _DENIED.search(output):
        return _denied(settings, purpose)
    return None

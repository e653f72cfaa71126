"""The terraform engine: a real `terraform plan` (or OpenTofu) per stack.

Each stack is copied into its own work directory with an override file that
selects the platform's backend, so rendered stacks stay backend-agnostic.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ssops_ci.adapters.terraform_faults import Purpose, classify
from ssops_ci.config.platform import TerraformSettings
from ssops_ci.model.change import ResourceChange
from ssops_ci.model.problems import PlanError, PlatformFault, SsopsError
from ssops_ci.model.stack import Stack, StackJob
from ssops_ci.stages import tfplan

OVERRIDE = "_ssops_backend_override.tf"


def find_binary(settings: TerraformSettings) -> str:
    candidates = [settings.binary] if settings.binary else ["terraform", "tofu"]
    for c in candidates:
        found = shutil.which(c) if c else None
        if found:
            return found
    raise PlanError(
        f"no {' or '.join(c for c in candidates if c)} binary on PATH: install Terraform or OpenTofu, "
        "or plan with --engine static"
    )


def _tail(text: str, lines: int = 12) -> str:
    kept = [ln for ln in text.strip().splitlines() if ln.strip()][-lines:]
    return "\n".join(kept)


class TerraformEngine:
    name = "terraform"
    concurrent = True  # each plan is its own terraform process

    def __init__(
        self,
        settings: TerraformSettings,
        state_root: Path,
        workdir: Path | None = None,
        *,
        purpose: Purpose = "plan",
    ) -> None:
        self.settings = settings
        self.purpose = purpose
        self.state_root = state_root.resolve()
        self.binary = find_binary(settings)
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="ssops-tf-"))
        self.env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
        if settings.version:
            self.require_version(settings.version)

    def version(self) -> str:
        try:
            out = subprocess.run(
                [self.binary, "version", "-json"], env=self.env, capture_output=True, text=True, timeout=60
            )
            return str(json.loads(out.stdout).get("terraform_version", "unknown"))
        except (OSError, subprocess.TimeoutExpired, ValueError):
            return "unknown"

    def require_version(self, pinned: str) -> None:
        """Plans and applies of one repository run one Terraform: state written by a newer one cannot be
        read by an older, and a provider lock made by one may not satisfy another."""
        found = self.version()
        if found != pinned:
            raise SsopsError(
                f"{self.binary} is Terraform {found}, but policies/platform.yaml pins terraform.version {pinned}: "
                f"install {pinned} (the workflows' setup-terraform `terraform_version`) or change the pin"
            )

    # ------------------------------------------------------------------ running terraform

    def run(self, stack_id: str, step: str, args: list[str], cwd: Path) -> str:
        try:
            out = subprocess.run(
                [self.binary, *args],
                cwd=cwd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.settings.timeout_seconds,
            )
        except subprocess.TimeoutExpired:
            raise PlanError(
                f"terraform {step} for {stack_id} took over {self.settings.timeout_seconds}s; "
                "raise terraform.timeout_seconds in policies/platform.yaml or check the backend is reachable"
            ) from None
        except OSError as e:
            raise PlanError(f"could not run {self.binary}: {e}") from None
        if out.returncode != 0:
            self.fail(stack_id, step, out.returncode, out.stderr or out.stdout)
        return out.stdout

    def fail(self, stack_id: str, step: str, code: int, output: str) -> None:
        fault = classify(step, output, self.settings, self.purpose)
        if fault is None:
            raise PlanError(
                f"terraform {step} failed for {stack_id} (exit {code}):\n{_tail(output)}\nfix: {self._advice(step)}"
            )
        raise PlatformFault(
            f"platform problem, not the request: terraform {step} failed for {stack_id}: {fault.what}. "
            f"The platform team fixes {fault.setting}.\n{_tail(output)}",
            setting=fault.setting,
        )

    @staticmethod
    def _advice(step: str) -> str:
        if step == "init":
            return (
                "check terraform.backend in policies/platform.yaml, credentials for the backend, and that providers "
                "can be installed (or set terraform.plugin_dir to a filesystem mirror)"
            )
        return "read the error above; if it names a template attribute, the platform team must fix the template"

    def backend_config(self, stack_id: str) -> list[str]:
        out = []
        for key, value in self.settings.backend.config.items():
            value = value.replace("{stack}", stack_id)
            if self.settings.backend.type == "local" and key == "path" and not Path(value).is_absolute():
                value = str(self.state_root / value)
                Path(value).parent.mkdir(parents=True, exist_ok=True)
            out.append(f"-backend-config={key}={value}")
        return out

    def prepare(self, stack: Stack, label: str) -> Path:
        wd = self.workdir / label / stack.id
        if wd.exists():
            shutil.rmtree(wd)
        wd.mkdir(parents=True)
        for name, text in stack.files.items():
            (wd / name).write_text(text, encoding="utf-8")
        backend = self.settings.backend.type
        (wd / OVERRIDE).write_text(f'terraform {{\n  backend "{backend}" {{}}\n}}\n', encoding="utf-8")
        init = ["init", "-input=false", "-no-color", "-reconfigure", *self.backend_config(stack.id)]
        if self.settings.plugin_dir:
            init.append(f"-plugin-dir={self.settings.plugin_dir}")
        self.run(stack.id, "init", init, wd)
        return wd

    # ------------------------------------------------------------------ engine protocol

    def plan_file(self, job: StackJob, label: str = "plan") -> tuple[Path, Path]:
        """Init and plan; returns (work dir, saved plan)."""
        stack = job.after or job.before
        if stack is None:
            raise PlanError(f"{job.id}: nothing to plan (no rendering before or after)")
        wd = self.prepare(stack, label)
        args = ["plan", "-input=false", "-no-color", "-lock-timeout=120s", "-out=ssops.tfplan"]
        if job.destroy:
            args.append("-destroy")
        self.run(job.id, "plan", args, wd)
        return wd, wd / "ssops.tfplan"

    def plan(self, job: StackJob) -> list[ResourceChange]:
        wd, planfile = self.plan_file(job)
        shown = self.run(job.id, "show", ["show", "-json", "-no-color", planfile.name], wd)
        return tfplan.loads(shown, job.resource_types)

    def apply(self, job: StackJob, sha: str) -> str:
        """init, plan -out, then apply exactly that saved plan."""
        wd, planfile = self.plan_file(job, label=f"apply-{sha[:12]}")
        out = self.run(job.id, "apply", ["apply", "-input=false", "-no-color", "-lock-timeout=300s", planfile.name], wd)
        done = [ln for ln in out.splitlines() if ln.startswith(("Apply complete!", "Destroy complete!"))]
        return done[-1] if done else "applied"

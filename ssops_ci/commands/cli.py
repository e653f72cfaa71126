"""The `ssops-ci` entry point: a group whose commands load on first use (a command's imports are its own)."""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from ssops_ci import __version__

COMMANDS = {
    "validate": "ssops_ci.commands.validate:validate",
    "render": "ssops_ci.commands.render:render",
    "catalog": "ssops_ci.commands.catalog:catalog",
    "schema": "ssops_ci.commands.schema:schema",
    "new": "ssops_ci.commands.new:new",
    "policy": "ssops_ci.commands.policy:policy",
    "init": "ssops_ci.commands.init:init",
    "lock": "ssops_ci.commands.lock:lock",
    "plan": "ssops_ci.commands.plan:plan",
    "check": "ssops_ci.commands.check:check",
    "cost": "ssops_ci.commands.cost:cost",
    "merge-reports": "ssops_ci.commands.plan:merge_reports",
    "pr": "ssops_ci.commands.pr:pr",
    "doctor": "ssops_ci.commands.doctor:doctor",
    "report": "ssops_ci.commands.report:report",
    "audit": "ssops_ci.commands.audit:audit",
    "drift": "ssops_ci.commands.drift:drift",
    "apply": "ssops_ci.commands.apply:apply",
    "demo": "ssops_ci.commands.demo:demo",
}


class LazyGroup(click.Group):
    """click's documented pattern for subcommands imported only when they run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, name = target.partition(":")
        command: Any = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ssops-ci")
@click.option("-v", "--verbose", is_flag=True, help="Log what each step did and how long it took, on stderr.")
def cli(verbose: bool) -> None:
    """Guarded self-service infrastructure through pull requests."""
    _log_to_stderr(verbose)


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record is logged (a host such as a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _log_to_stderr(verbose: bool) -> None:
    """ssops-ci's own log on stderr with --verbose; set per invocation, so one run never leaks into the next."""
    logger = logging.getLogger("ssops_ci")
    for h in [h for h in logger.handlers if isinstance(h, _CurrentStderr)]:
        logger.removeHandler(h)
    logger.setLevel(logging.INFO if verbose else logging.NOTSET)
    if verbose:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def main() -> None:
    cli(prog_name="ssops-ci")

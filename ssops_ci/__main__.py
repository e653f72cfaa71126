from __future__ import annotations

from ssops_ci.commands.cli import main

main()

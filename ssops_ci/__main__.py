from __future__ import annotations

from ssops_ci.cli import main

main()

"""The command line: one module per command, holding its options; the only place adapters are built from
flags and the environment. `ssops_ci.commands.cli` is the entry point."""

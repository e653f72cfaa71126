"""Use cases: they sequence the stages through the ports (evaluate, pull requests, apply, drift, report)."""

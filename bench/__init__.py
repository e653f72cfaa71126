"""Benchmarks: `python -m bench [NAME...]` (or `make bench`). Figures go to bench/results/."""

"""The fifth stage: monthly cost before, after and delta, from a price catalog kept as data."""

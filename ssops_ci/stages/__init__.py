"""Pure functions, one module per stage: values in, a new value out; no I/O, environment, clock or print."""

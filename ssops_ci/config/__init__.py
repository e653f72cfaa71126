"""Everything read from a revision through a Tree: one loader per file."""

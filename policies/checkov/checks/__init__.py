"""The org's own checkov checks (loaded from the base branch by ssops-ci)."""

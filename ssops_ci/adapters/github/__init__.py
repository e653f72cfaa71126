"""GitHub behind the Forge port, through PyGithub: as a GitHub App (an installation token) or with the
workflow's GITHUB_TOKEN."""

from ssops_ci.adapters.github.connection import Connection, event_context
from ssops_ci.adapters.github.forge import GitHubForge

__all__ = ["Connection", "GitHubForge", "event_context"]

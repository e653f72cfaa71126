"""ssops-ci: guarded self-service infrastructure through pull requests."""

from __future__ import annotations

__version__ = "0.1.0"
API_VERSION = "ssops/v1"

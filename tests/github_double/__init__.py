"""A stateful GitHub REST API test double, validated against GitHub's own OpenAPI description."""

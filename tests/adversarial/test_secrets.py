"""Secrets never reach a comment: detect-secrets' detectors and our own patterns, shape by shape, and one
secret carried all the way from a request into the rendered PR comment."""

from __future__ import annotations

import pytest

from ssops_ci.stages.comment import code, escape, pre
from ssops_ci.stages.redact import REDACTED, redact
from tests.adversarial.arena import Arena, request

# (what it is, the text, the part that must disappear). Fake values in the shapes real ones have.
SHAPES = [
    ("AWS access key id", "key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS key glued to punctuation", "(AKIAIOSFODNN7EXAMPLE)", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS temporary key id", "ASIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key=", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
    ("AWS_SECRET_ACCESS_KEY: quoted", 'AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENGbPxRfiCY"', "wJalrXUtnFEMI"),
    ("aws_session_token", "aws_session_token = FwoGZXIvYXdzEJr//////////wEaDExAMPLE", "FwoGZXIvYXdz"),
    ("GitHub classic token", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghij"),
    ("GitHub token after a colon", "token:ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghij"),
    ("GitHub token after an underscore", "x_ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghij"),
    ("GitHub token in a URL", "https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com", "ghs_abcdefgh"),
    ("GitHub fine-grained token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABC"),
    ("GitLab token", "glpat-abcdefghijklmnopqrst", "glpat-abcdefghij"),
    ("Slack bot token", "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx", "xoxb-12345"),
    ("Stripe live key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39"),
    ("Google API key", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA12345"),
    ("JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJzdWIi"),
    ("basic auth in a URL", "postgres://app:s3cretPassw0rd@db.internal:5432/app", "s3cretPassw0rd"),
    ("Authorization header", "Authorization: Bearer abcdef0123456789abcdef", "abcdef0123456789"),
    ("password =", 'password = "hunter2hunter2"', "hunter2hunter2"),
    ("db_password:", "db_password: Tr0ub4dor&3x", "Tr0ub4dor"),
    ("api_key JSON", '{"api_key": "abc123def456ghi789"}', "abc123def456"),
    ("client_secret", "client_secret=8f7e6d5c4b3a29180716", "8f7e6d5c4b3a"),
    ("private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----", "MIIEowIB"),
    ("private key without its END line", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n", "b3BlbnNz"),
    ("private key, EC", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----", "MHcCAQEE"),
    ("SendGrid key", "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789abcdefg", "SG.abcdefghij"),
    ("npm token", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm_abcdefghij"),
]
# Text that looks technical but is not secret: redacting it would make comments useless.
HARMLESS = [
    "commit 0123456789abcdef0123456789abcdef01234567",
    "kms_key_id = aws_kms_key.this.arn",
    "secret_string = random_password.db.result",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-orders-db",
    "master_password: (known after apply)",
    "manage_master_user_password = true",
    "description: rotates the API token weekly",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
]


@pytest.mark.parametrize(("what", "text", "secret"), SHAPES, ids=[s[0] for s in SHAPES])
def test_each_secret_shape_is_redacted_everywhere_text_reaches_a_comment(what: str, text: str, secret: str) -> None:
    for shown in (redact(text), escape(text), str(code(text, limit=10_000)), str(pre(text))):
        assert secret not in shown, f"{what}: {shown}"
    assert REDACTED in redact(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_technical_text_that_is_no_secret_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_secret_in_a_request_never_reaches_the_pr_comment(arena: Arena) -> None:
    leaked = "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    comment = arena.scratch / "comment.md"
    arena.git("checkout", "-q", "-B", "leak", "main")
    try:
        (arena.root / "requests/payments/jobs.yaml").write_text(request(description=f'"{leaked}"'))
        arena.run("render")
        arena.git("add", "-A")
        arena.git("commit", "-q", "-m", "leak")
        result = arena.run("plan", "--base", "main", "--head", "leak", "--comment", str(comment))
    finally:
        arena.git("checkout", "-q", "-f", "main")
        arena.git("branch", "-q", "-D", "leak")
    assert result.exit_code in (0, 1), result.output
    body = comment.read_text()
    assert "payments/jobs" in body and "wJalrXUtnFEMI" not in body and "(redacted)" in body

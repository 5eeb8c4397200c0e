"""Secrets in history lines never reach a report."""

from __future__ import annotations

import pytest

from mamoru.report.redact import redact_command


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/bin/sh -c #(nop) ENV DB_PASSWORD=supersecret123", "/bin/sh -c #(nop) ENV DB_PASSWORD=***"),
        ('ENV AWS_SECRET_ACCESS_KEY="q8J2 mVn4"', "ENV AWS_SECRET_ACCESS_KEY=***"),
        ("|1 GITHUB_TOKEN=ghp_abc /bin/sh -c make", "|1 GITHUB_TOKEN=*** /bin/sh -c make"),
        (
            "RUN |2 NPM_AUTH_TOKEN=x VERSION=2 /bin/sh -c npm ci # buildkit",
            "RUN |2 NPM_AUTH_TOKEN=*** VERSION=2 /bin/sh -c npm ci # buildkit",
        ),
        ("ENV API_KEY abc123", "ENV API_KEY ***"),
        ("RUN echo my password is here", "RUN echo my password is here"),
        ("ENV PATH=/usr/local/bin:/usr/bin", "ENV PATH=/usr/local/bin:/usr/bin"),
        ("", ""),
    ],
)
def test_redact_command(line: str, expected: str) -> None:
    assert redact_command(line) == expected

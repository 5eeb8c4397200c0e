"""Clear-text secrets in a container's environment (``Config.Env``), never shown in clear.

A variable is reported when its name says it holds a credential (``DB_PASSWORD``; the same test as
for image ENV lines) or its value has a known secret format (an AWS key, a GitHub token …). Values
the image already sets are marked as inherited: the image scan reports them as well.
"""

from __future__ import annotations

from mamoru.analyzers.content.secrets import scanner
from mamoru.content.secrets.engine import looks_like_placeholder, redact, value_hash
from mamoru.detectors.image.secrets import is_secret_name
from mamoru.model.finding import Finding
from mamoru.runtime.rules import RULES, container_path, make_finding

MAX_VARIABLES = 4096
MAX_VALUE = 64 * 1024


def env_findings(name: str, env: list[str], image_env: list[str]) -> list[Finding]:
    """RUN-001 findings for one container's environment (``NAME=value`` strings)."""
    rule = RULES["RUN-001"]
    inherited = set(image_env)
    findings: list[Finding] = []
    for item in env[:MAX_VARIABLES]:
        variable, sep, value = str(item).partition("=")
        if not sep or not value:
            continue
        value = value[:MAX_VALUE]
        origin = "inherited from the image" if item in inherited else "set when the container was created"
        # token formats name what the value is; a generic assignment match only repeats the name test below
        matches = scanner().scan(f"{variable}={value}").matches
        formats = [m.pattern.name for m in matches if not m.pattern.generic]
        by_name = is_secret_name(variable) and len(value) >= 4 and not looks_like_placeholder(value)
        by_name = by_name or any(m.pattern.generic for m in matches)
        if not formats and not by_name:
            continue
        what = f"{', '.join(formats)} in " if formats else ""
        findings.append(make_finding(
            rule, f"container {name}: {what}environment variable {variable} ({origin})",
            container_path(name) + f":env/{variable}", (f"{variable}={redact(value)}", value_hash(value)),
        ))  # fmt: skip
    return findings

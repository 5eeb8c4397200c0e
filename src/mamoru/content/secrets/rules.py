"""The secret rules: one per format, registered with mamoru's rule registry."""

from __future__ import annotations

from mamoru.content.secrets.patterns import PATTERNS, SecretPattern
from mamoru.model.finding import ComplianceRef, FindingKind, Rule, Severity
from mamoru.rules import register

SECRET_COMPLIANCE = (
    ComplianceRef("nist-sp-800-190", "4.1.4"),  # embedded clear-text secrets
    ComplianceRef("cis-docker-1.6.0", "4.10"),  # do not store secrets in Dockerfiles
)
REMEDIATION = (
    "Remove the secret from the image — from every layer, not only the last one: rebuild without the "
    "file (a later `RUN rm` leaves it in the layer that added it) — rotate it, and provide it at run time "
    "(an orchestrator secret, a secret mount such as `RUN --mount=type=secret`, or a secret manager)."
)
CONFIG_SECRET_RULES = (
    Rule(id="SEC-100", title="Secret in an image environment variable", severity=Severity.HIGH,
         kind=FindingKind.SECRET,
         description="An ENV variable whose name says it holds a credential has a value baked into the image "
                     "config, readable by anyone who can pull the image (`docker inspect`).",
         remediation="Do not set credentials with ENV; pass them at run time (`docker run --env-file`, an "
                     "orchestrator secret) and rotate the exposed one.",
         aliases=("CIS-DI-0010", "DS031", "AVD-DS-0031", "DL3064"), compliance=SECRET_COMPLIANCE),
    Rule(id="SEC-101", title="Secret in a build argument recorded in the image history", severity=Severity.HIGH,
         kind=FindingKind.SECRET,
         description="Build arguments used by a RUN step are recorded in the image history (`|1 NAME=value`), "
                     "so a credential passed with --build-arg is readable with `docker history`.",
         remediation="Pass build-time credentials as BuildKit secrets (`RUN --mount=type=secret,id=…`), "
                     "never as ARG/--build-arg, and rotate the exposed one.",
         aliases=("DS031", "AVD-DS-0031"), compliance=SECRET_COMPLIANCE),
    Rule(id="SEC-102", title="Secret in an image label", severity=Severity.HIGH, kind=FindingKind.SECRET,
         description="A label value holds a credential; labels are readable by anyone who can pull the image.",
         remediation="Remove the credential from the label, rebuild, and rotate it.",
         aliases=("CIS-DI-0010",), compliance=SECRET_COMPLIANCE),
)  # fmt: skip


def rule_for(pattern: SecretPattern) -> Rule:
    """The registered rule of a secret format."""
    return Rule(
        id=pattern.rule_id,
        title=pattern.name,
        severity=pattern.severity,
        kind=FindingKind.SECRET,
        description=pattern.description or f"A {pattern.name} is stored in a file of the image.",
        remediation=REMEDIATION,
        aliases=pattern.aliases,
        compliance=SECRET_COMPLIANCE,
    )


register(*(rule_for(p) for p in PATTERNS), *CONFIG_SECRET_RULES)

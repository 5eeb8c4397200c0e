"""Rules for every configuration file type: hard-coded secrets, and suppressions without a reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mamoru.config.compose import ComposeFile
from mamoru.config.detect import ConfigType
from mamoru.config.kubernetes import KubernetesSet
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules import register
from mamoru.rules.checks import Check, Hit, register_check
from mamoru.rules.dockerfile.context import DockerfileContext
from mamoru.rules.refs import cis_docker, nist

HARD_CODED_SECRET = Rule(
    id="MCF-001", title="Hard-coded secret in a configuration file", severity=Severity.HIGH, kind=FindingKind.SECRET,
    description="A value in the file has the format of a real credential (an AWS key, a GitHub or npm token, a "
                "private key …): it is in the repository, in every clone and, for a Dockerfile, in the image "
                "history.",
    remediation="Remove it, rotate it, and pass it at build or run time as a secret (BuildKit secret mounts, "
                "Compose secrets, Kubernetes Secrets or an external secret manager).",
    compliance=nist("4.1.4") + cis_docker("4.10"),
)  # fmt: skip

SUPPRESSION_WITHOUT_REASON = Rule(
    id="MCF-002", title="Inline suppression without a reason", severity=Severity.MEDIUM,
    kind=FindingKind.MISCONFIGURATION,
    description="A `mamoru:ignore=` comment must say why (`# mamoru:ignore=MDF-011 reason: the base image "
                "drops privileges in its entrypoint`); one without a reason suppresses nothing and is reported.",
    remediation="Add `reason: <why this finding does not apply>` to the comment, or fix the finding.",
    compliance=nist("4.1.2"),
)  # fmt: skip
register(SUPPRESSION_WITHOUT_REASON)


def _secrets(path: str, text: str) -> Iterator[Hit]:
    from mamoru.analyzers.content.secrets import scanner

    outcome = scanner().scan(text, path)
    for match in outcome.matches:
        yield Hit(
            line=match.line,
            path=path,
            message=f"{match.pattern.name} ({match.pattern.rule_id}): {match.redacted}",
            evidence=(match.redacted, match.hash),
            weak=match.pattern.generic,  # MDF-090, MCP-009, MK8S-037 … name the same credential assignment
        )


def _dockerfile(context: DockerfileContext) -> Iterator[Hit]:
    yield from _secrets(context.path, "\n".join(context.dockerfile.lines))


def _compose(compose: ComposeFile) -> Iterator[Hit]:
    yield from _secrets(compose.path, compose.text)


def _kubernetes(manifests: KubernetesSet) -> Iterator[Hit]:
    for path, text in manifests.files.items():
        yield from _secrets(path, text)


_FUNCTIONS: dict[ConfigType, Any] = {
    ConfigType.DOCKERFILE: _dockerfile,
    ConfigType.COMPOSE: _compose,
    ConfigType.KUBERNETES: _kubernetes,
}
for _target, _function in _FUNCTIONS.items():
    register_check(Check(HARD_CODED_SECRET, _target, _function))

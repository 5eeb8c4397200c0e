"""What the finding-centred writers (SARIF, JUnit, Markdown, HTML) share: rule metadata and places."""

from __future__ import annotations

from collections.abc import Iterable

from mamoru.model.artifact import Artifact, ArtifactKind
from mamoru.model.finding import Finding, FindingKind, Rule, Severity

# GitHub code scanning ranks alerts by the numeric "security-severity" property (>= 9.0 critical,
# 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low); these are the midpoints mamoru reports per severity.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.UNKNOWN: "0.0",
}

KIND_TITLES = {
    FindingKind.VULNERABILITY: "Vulnerabilities",
    FindingKind.MISCONFIGURATION: "Misconfigurations",
    FindingKind.SECRET: "Secrets",
    FindingKind.MALWARE: "Malware",
    FindingKind.FILE: "Files and accounts",
    FindingKind.RUNTIME: "Runtime",
    FindingKind.HOST: "Host",
}


def rule_of(finding: Finding) -> Rule:
    """The registered rule behind a finding, or one made from the finding (vulnerabilities have no rule)."""
    from mamoru.rules import get

    try:
        return get(finding.rule_id)
    except KeyError:
        pass
    detail = finding.vulnerability
    return Rule(
        id=finding.rule_id,
        title=finding.title,
        severity=finding.severity,
        kind=finding.kind,
        description=finding.message,
        remediation=finding.remediation,
        references=detail.references if detail is not None else (),
        aliases=detail.aliases if detail is not None else (),
        compliance=finding.compliance,
    )


def rules_of(findings: Iterable[Finding]) -> list[Rule]:
    """The distinct rules of some findings, in order of first appearance."""
    rules: dict[str, Rule] = {}
    for finding in findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = rule_of(finding)
    return list(rules.values())


def place(finding: Finding, artifact: Artifact) -> str:
    """Where a finding is, for people: a config file as named, an image path with its leading slash."""
    location = finding.location
    if location is None or not location.path:
        if finding.package is not None:
            return finding.package.name
        return "image config" if artifact.image is not None else artifact.name
    path = display_path(location.path, artifact.kind)
    return f"{path}:{location.line}" if location.line is not None else path


# kinds whose finding paths are not absolute paths in a filesystem: config files as the user named
# them, and running containers (``containers/NAME/…``)
RELATIVE_PATH_KINDS = frozenset({ArtifactKind.CONFIG, ArtifactKind.CONTAINER})


def display_path(path: str, kind: ArtifactKind) -> str:
    """A finding's path as reports show it: absolute in images and hosts, as named for config files."""
    return path if kind in RELATIVE_PATH_KINDS else "/" + path.lstrip("/")


def headline(finding: Finding) -> str:
    """Title and message in one line, without saying the title twice (many messages start with it)."""
    title, message = finding.title, finding.message
    if not message or message == title:
        return title
    if message.startswith(title):
        return message
    # "Image runs as root: no USER instruction" + "no USER instruction: the image …" → said once
    for start in range(1, len(title) - 7):
        if title[start - 1] in " :" and message.startswith(title[start:]):
            return title[:start] + message
    return f"{title}: {message}"


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by rule and place: the order every report lists findings in."""
    return sorted(
        findings,
        key=lambda f: (
            -f.severity.rank,
            f.rule_id,
            f.location.path if f.location else "",
            f.location.line or 0 if f.location else 0,
        ),
    )

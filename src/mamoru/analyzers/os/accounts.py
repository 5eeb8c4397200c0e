"""Accounts: empty passwords, duplicate and extra-root UIDs, duplicate GIDs, passwordless sudo."""

from __future__ import annotations

from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.detectors.image.rules import RULES
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.package import Location

MAX_ACCOUNT_FILE = 4 * 1024 * 1024


class AccountsAnalyzer:
    """/etc/passwd, /etc/shadow, /etc/group and sudoers; its findings are about the visible files only."""

    name: ClassVar[str] = "accounts"
    kind: ClassVar[FindingKind] = FindingKind.FILE
    path_pattern: ClassVar[str] = r"^etc/(?:passwd|shadow|group|sudoers|sudoers\.d/[^/]+)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return size <= MAX_ACCOUNT_FILE

    def analyze(self, content: FileContent) -> AnalysisResult:
        path = content.info.path
        lines = content.read().decode("utf-8", "replace").splitlines()
        if path == "etc/shadow":
            findings = list(_empty_passwords(lines))
        elif path == "etc/passwd":
            findings = list(_duplicates(lines, "ACCT-002", "UID")) + list(_extra_roots(lines))
        elif path == "etc/group":
            findings = list(_duplicates(lines, "ACCT-003", "GID"))
        else:
            findings = list(_nopasswd(lines, path))
        return AnalysisResult(findings=[_located(f, path) for f in findings])


def _records(lines: list[str]) -> list[tuple[int, list[str]]]:
    return [(n, line.split(":")) for n, line in enumerate(lines, start=1) if line and not line.startswith("#")]


def _empty_passwords(lines: list[str]) -> list[Finding]:
    return [_finding("ACCT-001", f"account {fields[0]!r} has no password", n)
            for n, fields in _records(lines) if len(fields) > 1 and fields[1] == ""]  # fmt: skip


def _duplicates(lines: list[str], rule_id: str, what: str) -> list[Finding]:
    first: dict[str, str] = {}
    found = []
    for n, fields in _records(lines):
        if len(fields) < 3 or not fields[2].isdigit():
            continue
        number, name = fields[2], fields[0]
        if number in first:
            found.append(_finding(rule_id, f"{name!r} has {what} {number}, like {first[number]!r}", n))
        else:
            first[number] = name
    return found


def _extra_roots(lines: list[str]) -> list[Finding]:
    roots = [(n, fields[0]) for n, fields in _records(lines) if len(fields) > 2 and fields[2] == "0"]
    return [_finding("ACCT-005", f"account {name!r} has UID 0", n) for n, name in roots if name != "root"]


def _nopasswd(lines: list[str], path: str) -> list[Finding]:
    return [_finding("ACCT-004", f"{line.strip()[:120]}", n)
            for n, line in enumerate(lines, start=1)
            if "NOPASSWD" in line and not line.lstrip().startswith(("#", "Defaults"))]  # fmt: skip


def _finding(rule_id: str, detail: str, line: int) -> Finding:
    rule = RULES[rule_id]
    return Finding(rule_id=rule.id, kind=rule.kind, severity=rule.severity, title=rule.title,
                   message=f"{rule.title}: {detail}", location=Location(path="", line=line),
                   remediation=rule.remediation, compliance=rule.compliance)  # fmt: skip


def _located(finding: Finding, path: str) -> Finding:
    from dataclasses import replace

    assert finding.location is not None
    return replace(finding, location=Location(path=path, line=finding.location.line))

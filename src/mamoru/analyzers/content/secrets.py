"""Secrets in file content, in every layer (files a later layer deleted included)."""

from __future__ import annotations

from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.content.secrets.engine import Allowlist, SecretMatch, SecretScanner
from mamoru.content.secrets.rules import REMEDIATION, SECRET_COMPLIANCE
from mamoru.content.settings import ContentSettings
from mamoru.model.finding import Finding, FindingKind, Severity
from mamoru.model.inventory import Note, NoteKind
from mamoru.model.package import Location

MAX_SECRET_FILE = 8 * 1024 * 1024  # larger files are data, not configuration (and are noted as skipped)
BINARY_SNIFF = 8192
# distribution documentation and locale data: full of example credentials, never the image's own
SKIPPED_PREFIXES = ("usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/i18n/",
                    "usr/share/zoneinfo/", "usr/share/common-licenses/", "usr/share/X11/locale/")  # fmt: skip

_scanner: SecretScanner | None = None


def scanner() -> SecretScanner:
    """The process-wide scanner (its automaton and expressions are built once)."""
    global _scanner  # noqa: PLW0603 - built lazily, once per process
    if _scanner is None:
        _scanner = SecretScanner()
    return _scanner


class SecretAnalyzer:
    """Every text file up to 8 MiB, checked against 60+ secret formats and generic assignments."""

    name: ClassVar[str] = "secrets"
    kind: ClassVar[FindingKind] = FindingKind.SECRET
    path_pattern: ClassVar[str] = ""

    def __init__(self) -> None:
        self._scanner: SecretScanner | None = None

    def configure(self, settings: ContentSettings) -> None:
        """Apply the user's allow-list."""
        if settings.secret_allowlist:
            self._scanner = SecretScanner(allowlist=Allowlist(list(settings.secret_allowlist)))

    def required(self, path: str, mode: int, size: int) -> bool:
        return 0 < size <= MAX_SECRET_FILE and not path.startswith(SKIPPED_PREFIXES)

    def analyze(self, content: FileContent) -> AnalysisResult:
        if b"\x00" in content.head(BINARY_SNIFF):
            return AnalysisResult()  # binary: compiled code and archives are not scanned for secrets
        data = content.read()
        path = content.info.path
        outcome = (self._scanner or scanner()).scan(data.decode("latin-1"), path)
        result = AnalysisResult(findings=[secret_finding(m, path) for m in outcome.matches])
        if outcome.timed_out:
            result.notes.append(
                Note(
                    kind=NoteKind.SKIPPED,
                    path=path,
                    layer=content.info.layer,
                    source=self.name,
                    message="secret scan stopped at its time budget; results are partial",
                )
            )
        return result


def secret_finding(match: SecretMatch, path: str, where: str = "") -> Finding:
    """A finding for one match; ``where`` names non-file places (``image config ENV DB_PASSWORD``)."""
    pattern = match.pattern
    severity = pattern.severity
    evidence = [match.redacted, match.hash]
    if match.checksum_valid is False:
        evidence.append("checksum does not verify: a test or mistyped token, or a forged one")
        severity = Severity.MEDIUM if severity.rank > Severity.MEDIUM.rank else severity
    elif match.checksum_valid:
        evidence.append("checksum verifies: a well-formed token")
    place = where or f"/{path} line {match.line}"
    return Finding(
        rule_id=pattern.rule_id,
        kind=FindingKind.SECRET,
        severity=severity,
        title=pattern.name,
        message=f"{pattern.name}: {place}",
        location=Location(path=path, line=match.line) if path else None,
        evidence=tuple(evidence),
        remediation=REMEDIATION,
        compliance=SECRET_COMPLIANCE,
    )

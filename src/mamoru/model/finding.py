"""Findings and the rules behind them: what is wrong, how bad, where, and which controls it evidences."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from mamoru.model.package import Location, Package


class Severity(StrEnum):
    """Severity; compare with ``rank`` (``Severity.HIGH.rank > Severity.LOW.rank``)."""

    UNKNOWN = "UNKNOWN"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        """0 (UNKNOWN) to 4 (CRITICAL), for thresholds and sorting."""
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``high`` → ``Severity.HIGH``; raises ValueError for anything else."""
        return cls(text.strip().upper())


_RANKS = {Severity.UNKNOWN: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class FindingKind(StrEnum):
    """What kind of problem a finding is (also the scanner names of ``--scanners``)."""

    VULNERABILITY = "vuln"
    MISCONFIGURATION = "misconfig"
    SECRET = "secret"  # noqa: S105 - the scanner name, not a password
    MALWARE = "malware"
    FILE = "file"  # risky files and image content: setuid, world-writable, sensitive files
    RUNTIME = "runtime"  # running containers and the daemon
    HOST = "host"


@dataclass(frozen=True, slots=True)
class ComplianceRef:
    """A control a rule evidences: ``("nist-sp-800-190", "4.1.4")``, ``("cis-docker-1.6.0", "4.10")``."""

    framework: str
    control: str

    def __str__(self) -> str:
        return f"{self.framework} {self.control}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A check with a stable id that is never renumbered.

    ``aliases`` are the equivalent ids of other tools (hadolint ``DL3002``, Trivy ``DS002`` /
    ``AVD-DS-0002``, Dockle ``CIS-DI-0001``, Checkov ``CKV_DOCKER_8``) so users can bring their
    ignore lists along; ``compliance`` names the NIST SP 800-190 / CIS controls it evidences.
    """

    id: str
    title: str
    severity: Severity
    kind: FindingKind
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    compliance: tuple[ComplianceRef, ...] = ()


class FixStatus(StrEnum):
    """Whether a fix exists for a vulnerable package (Trivy's statuses and Grype's fix states, unified)."""

    FIXED = "fixed"  # a fixed version exists
    AFFECTED = "affected"  # no fix yet
    WILL_NOT_FIX = "will_not_fix"
    FIX_DEFERRED = "fix_deferred"
    END_OF_LIFE = "end_of_life"  # the distribution release no longer gets fixes
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class VulnerabilityDetail:
    """The advisory side of a vulnerability finding."""

    id: str
    aliases: tuple[str, ...] = ()
    installed_version: str = ""
    fixed_version: str = ""
    status: FixStatus = FixStatus.UNKNOWN
    cvss_score: float | None = None
    cvss_vector: str = ""
    source: str = ""  # the feed that said so: debian-tracker, alpine-secdb, osv:PyPI …
    published: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    """Why a finding is suppressed (ignore file entry, VEX statement, inline comment)."""

    reason: str
    source: str  # where the suppression came from: ".mamoruignore:12", "vex.json", "Dockerfile:3"
    expires: str = ""
    vex_status: str = ""  # from a VEX statement: "not_affected" or "fixed" (empty for ignore entries)
    vex_justification: str = ""  # the statement's justification or impact statement, as written


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem found in a target.

    ``rule_id`` is the rule's id, or the vulnerability id for vulnerability findings. ``evidence``
    never holds a secret in clear (redacted value plus hash). ``remediation`` is a one-line fix hint.
    """

    rule_id: str
    kind: FindingKind
    severity: Severity
    title: str
    message: str = ""
    location: Location | None = None
    package: Package | None = None
    evidence: tuple[str, ...] = ()
    remediation: str = ""
    vulnerability: VulnerabilityDetail | None = None
    suppression: Suppression | None = None
    compliance: tuple[ComplianceRef, ...] = field(default=())

    def fingerprint(self) -> str:
        """Stable across runs and small edits: rule, path, layer diff_id and purl (no line numbers)."""
        location = self.location
        parts = (
            self.rule_id,
            location.path if location else "",
            location.layer.diff_id if location and location.layer else "",
            self.package.purl if self.package else "",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

"""Report filters (``--severity``, ``--ignore-unfixed``) and the CI gate (``--exit-code``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from mamoru.model.finding import Finding, FindingKind, FixStatus, Severity

UNFIXED = frozenset({FixStatus.AFFECTED, FixStatus.WILL_NOT_FIX, FixStatus.FIX_DEFERRED, FixStatus.END_OF_LIFE})


def filter_findings(
    findings: Iterable[Finding], severities: Collection[Severity] | None = None, ignore_unfixed: bool = False
) -> list[Finding]:
    """The findings a report shows: of the chosen severities, without unfixed vulnerabilities if asked.

    Suppressed findings are kept (with their reason); the gate does not count them.
    """
    kept = []
    for finding in findings:
        if severities is not None and finding.severity not in severities:
            continue
        detail = finding.vulnerability
        if ignore_unfixed and finding.kind is FindingKind.VULNERABILITY and detail and detail.status in UNFIXED:
            continue
        kept.append(finding)
    return kept


def gate_exit_code(findings: Iterable[Finding], exit_code: int) -> int:
    """``exit_code`` when an unsuppressed finding remains, else 0."""
    if exit_code and any(f.suppression is None for f in findings):
        return exit_code
    return 0

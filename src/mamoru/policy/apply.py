"""Apply a policy to an inventory's findings, and compute the exit code of the run."""

from __future__ import annotations

from mamoru.model.finding import Finding
from mamoru.model.inventory import Inventory, Note, NoteKind
from mamoru.policy.config import Policy
from mamoru.policy.gate import filter_findings
from mamoru.policy.ignore import apply_ignores
from mamoru.policy.vex import apply_vex


def apply_policy(inventory: Inventory, policy: Policy) -> None:
    """Suppress (ignore list, VEX), filter (severity, unfixed) and hide suppressed findings unless shown."""
    from mamoru.rules import all_rules

    findings = list(inventory.findings)
    if policy.ignores:
        outcome = apply_ignores(findings, list(policy.ignores), {rule.id: rule for rule in all_rules()})
        findings = outcome.findings
        for entry in outcome.expired:
            message = f"ignore entry {entry.source} for {entry.id} expired on {entry.expires}; it no longer suppresses"
            inventory.notes.append(Note(kind=NoteKind.WARNING, source="policy", message=message))
    if policy.vex:
        findings = apply_vex(findings, list(policy.vex))
    findings = filter_findings(findings, policy.severities, policy.ignore_unfixed)
    suppressed = sum(1 for f in findings if f.suppression is not None)
    if suppressed and not policy.show_suppressed:
        findings = [f for f in findings if f.suppression is None]
        message = f"{suppressed} suppressed finding(s) hidden; --show-suppressed lists them"
        inventory.notes.append(Note(kind=NoteKind.WARNING, source="policy", message=message))
    inventory.findings = findings


def exit_code(findings: list[Finding], policy: Policy) -> int:
    """The gate: ``fail_on`` counts unsuppressed findings at or above it, else ``exit_code`` any finding."""
    active = [f for f in findings if f.suppression is None]
    if policy.fail_on is not None:
        failing = [f for f in active if f.severity.rank >= policy.fail_on.rank]
        return (policy.exit_code or 1) if failing else 0
    return policy.exit_code if policy.exit_code and active else 0

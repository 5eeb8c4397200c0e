"""Decide each control of a spec from the scans of one or more targets.

A control **fails** when a finding of one of its evidencing rules (or a vulnerability meeting its
criterion) remains after the policy, in any target; it **passes** when at least one of those rules
was evaluated on some target and none failed; it is **manual** when no rule can evidence it and the
spec says what a person must check; a control that rules could evidence but none of the targets
exercised is **not assessed**, with the kind of target that would assess it. The score is passed /
(passed + failed) controls. A passed control may still carry a manual part (``manual``) that the
reports show next to it.

Which rules a scan evaluates follows from the rule's family (the prefix of its id) and what was
scanned: an image scan evaluates the image families of the scanners that ran, a config scan those
of the file types it found, and so on. ``RULE_FAMILIES`` must name every family; a test checks it.
Findings without a registered rule (vulnerabilities) fail the controls they name themselves, and a
scan may check controls directly (the host audit's escape-CVE table checks runtime versions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mamoru.compliance.spec import Control, Spec, VulnerabilityCriterion, evidence
from mamoru.model.finding import Finding, FindingKind, FixStatus, Rule
from mamoru.model.inventory import Note

# rule-id prefix → the scope whose scan evaluates it
RULE_FAMILIES: dict[str, str] = {
    "IMG": "image",  # image config and history
    "FILE": "image",  # risky files
    "ACCT": "image",  # accounts
    "PKG": "image",  # packages that should not be in an image
    "SEC": "image",  # secrets in layers and image config
    "MAL": "image",  # malware
    "VULN": "image",  # vulnerability rules (end-of-life release)
    "MDF": "dockerfile",
    "MCP": "compose",
    "MK8S": "kubernetes",
    "MCF": "config",  # rules about config files themselves (inline suppressions)
    "RUN": "runtime",  # running containers
    "DAEMON": "host",  # the Docker daemon's configuration
    "DFILE": "host",  # Docker's files on the host
    "HOST": "host",
}
SCOPE_HINTS = {
    "image": "scan an image",
    "dockerfile": "scan a Dockerfile",
    "compose": "scan a Compose file",
    "kubernetes": "scan Kubernetes manifests",
    "config": "scan config files",
    "runtime": "scan the running containers (target `runtime`)",
    "host": "scan the host (target `host`)",
}


class Status(StrEnum):
    """The outcome of one control."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    MANUAL = "manual"
    NOT_ASSESSED = "not-assessed"


@dataclass(slots=True, kw_only=True)
class TargetResult:
    """What one target's scan contributes: its findings (after the policy) and the rules it evaluated."""

    target: str
    scope: str  # image | config | runtime | host
    findings: list[Finding]
    evaluated: frozenset[str]  # rule ids
    vulnerabilities_checked: bool = False
    controls_checked: frozenset[tuple[str, str]] = frozenset()  # (framework, control) checked without a rule
    notes: list[Note] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Hit:
    """A finding that decides a control, and the target it came from."""

    target: str
    scope: str
    finding: Finding


@dataclass(slots=True, kw_only=True)
class ControlResult:
    """A control's status and why."""

    control: Control
    status: Status
    evidence: tuple[str, ...]  # every rule that evidences the control
    evaluated: tuple[str, ...]  # those evaluated in this run
    failures: list[Hit] = field(default_factory=list)
    suppressed: list[Hit] = field(default_factory=list)
    hint: str = ""  # for not-assessed controls: what would assess them


@dataclass(slots=True, kw_only=True)
class ComplianceResult:
    """A spec evaluated over some targets."""

    spec: Spec
    targets: list[TargetResult]
    controls: list[ControlResult]

    def count(self, status: Status) -> int:
        return sum(1 for result in self.controls if result.status is status)

    @property
    def score(self) -> float | None:
        """Passed / (passed + failed) in percent; None when nothing was assessed."""
        decided = self.count(Status.PASS) + self.count(Status.FAIL)
        return 100.0 * self.count(Status.PASS) / decided if decided else None


def family(rule_id: str) -> str | None:
    """The scope of a rule id, from its prefix (None for an unknown family)."""
    return RULE_FAMILIES.get(rule_id.split("-", 1)[0])


def evaluated_rules(
    rules: Iterable[Rule], scopes: Iterable[str], kinds: Iterable[FindingKind] | None
) -> frozenset[str]:
    """The rules a scan evaluated: those of its scopes, and of the finding kinds it ran (None: all)."""
    wanted_scopes = set(scopes)
    wanted_kinds = set(kinds) if kinds is not None else None
    return frozenset(
        rule.id
        for rule in rules
        if family(rule.id) in wanted_scopes and (wanted_kinds is None or rule.kind in wanted_kinds)
    )


def evaluate(spec: Spec, targets: Sequence[TargetResult]) -> ComplianceResult:
    """Every control of ``spec`` decided over ``targets``."""
    return ComplianceResult(spec=spec, targets=list(targets), controls=[_control(c, targets) for c in spec.controls])


def _control(control: Control, targets: Sequence[TargetResult]) -> ControlResult:
    rules = evidence(control)
    wanted = set(rules)
    evaluated = [rule for rule in rules if any(rule in target.evaluated for target in targets)]
    vulnerabilities_checked = control.vulnerabilities is not None and any(t.vulnerabilities_checked for t in targets)
    checked_directly = any(control.key in target.controls_checked for target in targets)
    failures: list[Hit] = []
    suppressed: list[Hit] = []
    for target in targets:
        for finding in target.findings:
            names_control = any((ref.framework, ref.control) == control.key for ref in finding.compliance)
            if finding.rule_id in wanted or names_control or _meets(finding, control.vulnerabilities):
                (failures if finding.suppression is None else suppressed).append(
                    Hit(target=target.target, scope=target.scope, finding=finding)
                )
    if failures:
        status = Status.FAIL
    elif evaluated or vulnerabilities_checked or checked_directly:
        status = Status.PASS
    elif control.manual and not rules and control.vulnerabilities is None:
        status = Status.MANUAL
    else:
        status = Status.NOT_ASSESSED
    hint = ""
    if status is Status.NOT_ASSESSED:
        scopes = dict.fromkeys(scope for rule in rules if (scope := family(rule)) is not None)
        if control.vulnerabilities is not None:
            scopes.setdefault("image")
        hint = "; ".join(SCOPE_HINTS[scope] for scope in scopes)
    return ControlResult(
        control=control,
        status=status,
        evidence=rules,
        evaluated=tuple(evaluated),
        failures=failures,
        suppressed=suppressed,
        hint=hint,
    )


def _meets(finding: Finding, criterion: VulnerabilityCriterion | None) -> bool:
    if criterion is None or finding.kind is not FindingKind.VULNERABILITY or finding.vulnerability is None:
        return False
    if criterion.fixed_only and finding.vulnerability.status is not FixStatus.FIXED:
        return False
    return finding.severity.rank >= criterion.severity.rank

"""The rule registry's contract, for every registered rule (configuration, image, secrets, runtime …).

Each rule has a stable, well-formed id, a title, a remediation, at least one compliance reference to a
known framework, and `pass`/`fail` fixtures in tests/fixtures/rules/<id>/. The rules reference
(docs/rules.md) is generated from the registry and must be current.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mamoru.errors import MamoruError
from mamoru.model.finding import ComplianceRef, FindingKind, Rule, Severity
from mamoru.rules import all_rules, get, register

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "rules"
KNOWN_FRAMEWORKS = {"nist-sp-800-190", "cis-docker-1.6.0", "cis-kubernetes-1.11", "pss-baseline", "pss-restricted"}
NIST_CONTROLS = re.compile(r"^4\.[1-6](?:\.[1-5])?$")
# families whose fixtures live with their own tests instead: rule prefix → where
FIXTURES_ELSEWHERE = {"SEC-": "secret formats are tested with real-format samples in tests/content/"}


def test_ids_are_unique_and_well_formed() -> None:
    rules = all_rules()
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert re.fullmatch(r"[A-Z][A-Z0-9]{1,5}-\d{3}", rule.id), rule.id
        assert get(rule.id) is rule


def test_every_rule_is_documented_and_mapped() -> None:
    for rule in all_rules():
        assert rule.title.strip() and rule.remediation.strip(), rule.id
        assert isinstance(rule.severity, Severity) and rule.severity is not Severity.UNKNOWN, rule.id
        assert rule.compliance, f"{rule.id} has no compliance reference"
        for ref in rule.compliance:
            assert isinstance(ref, ComplianceRef) and ref.control, rule.id
            if ref.framework == "nist-sp-800-190":
                assert NIST_CONTROLS.match(ref.control), (rule.id, ref)
        assert len(set(rule.aliases)) == len(rule.aliases), rule.id


def test_configuration_rules_use_known_frameworks() -> None:
    for rule in all_rules():
        if rule.id.startswith(("MDF-", "MCP-", "MK8S-", "MCF-")):
            assert {ref.framework for ref in rule.compliance} <= KNOWN_FRAMEWORKS, rule.id
            assert any(ref.framework == "nist-sp-800-190" for ref in rule.compliance), rule.id


def test_kubernetes_pod_security_standards_are_covered() -> None:
    """Every baseline and restricted control of pod-security-admission has a rule."""
    baseline = {"privileged", "hostNamespaces", "capabilities_baseline", "hostPathVolumes", "hostPorts",
                "appArmorProfile", "seLinuxOptions", "procMount", "seccompProfile_baseline", "sysctls",
                "windowsHostProcess", "hostProbesAndHostLifecycle"}  # fmt: skip
    restricted = {"restrictedVolumes", "allowPrivilegeEscalation", "runAsNonRoot", "runAsUser",
                  "seccompProfile_restricted", "capabilities_restricted"}  # fmt: skip
    refs = {(ref.framework, ref.control) for rule in all_rules() for ref in rule.compliance}
    assert {("pss-baseline", c) for c in baseline} <= refs
    assert {("pss-restricted", c) for c in restricted} <= refs


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    missing = []
    for rule in all_rules():
        if rule.id.startswith(tuple(FIXTURES_ELSEWHERE)):
            continue
        for kind in ("pass", "fail"):
            directory = FIXTURES / rule.id / kind
            if not directory.is_dir() or not any(directory.iterdir()):
                missing.append(f"{rule.id}/{kind}")
    assert not missing


def test_registering_a_different_rule_under_a_used_id_is_refused() -> None:
    existing = get("MDF-011")
    register(existing)  # the identical rule again: a no-op
    clash = Rule(id="MDF-011", title="other", severity=Severity.LOW, kind=FindingKind.MISCONFIGURATION)
    with pytest.raises(MamoruError, match="MDF-011"):
        register(clash)


def test_rules_reference_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mamoru.rules.docs", "--check", "docs/rules.md"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

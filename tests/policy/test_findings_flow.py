"""Findings flow from detector plugins through filters, reports and the exit-code gate."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import mamoru

from mamoru.model.finding import Finding, FindingKind, FixStatus, Severity, VulnerabilityDetail
from mamoru.policy.gate import filter_findings, gate_exit_code

PLUGIN = """
from mamoru.model.finding import Finding, FindingKind, FixStatus, Severity, VulnerabilityDetail


class PlantedDetector:
    name = "planted"
    kind = FindingKind.VULNERABILITY

    def detect(self, inventory, context):
        findings = []
        for package in inventory.packages:
            if package.name == "openssl":
                findings.append(Finding(rule_id="CVE-2099-0001", kind=self.kind, severity=Severity.HIGH,
                    title="planted", package=package, vulnerability=VulnerabilityDetail(
                        id="CVE-2099-0001", installed_version=package.version, fixed_version="9.9",
                        status=FixStatus.FIXED)))
            if package.name == "bash":
                findings.append(Finding(rule_id="CVE-2099-0002", kind=self.kind, severity=Severity.LOW,
                    title="unfixed", package=package, vulnerability=VulnerabilityDetail(
                        id="CVE-2099-0002", installed_version=package.version, status=FixStatus.AFFECTED)))
        return findings
"""


@pytest.fixture()
def plugin_path(tmp_path: Path) -> str:
    root = tmp_path / "plugins"
    root.mkdir()
    (root / "mamoru_planted.py").write_text(PLUGIN)
    dist = root / "mamoru_planted-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mamoru-planted\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mamoru.detectors]\nplanted = mamoru_planted:PlantedDetector\n")
    return str(root)


def test_detector_findings_in_reports_and_gate(plugin_path: str, cache_dir: Path) -> None:
    env = {"PYTHONPATH": plugin_path}
    result = mamoru("demo", "-f", "json", env=env)
    document = json.loads(result.stdout)
    schema = json.loads(resources.files("mamoru.report").joinpath("schema/report-v1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    planted = [f for f in document["findings"] if f["ruleId"].startswith("CVE-2099")]
    assert [(f["ruleId"], f["severity"], f["package"]["layer"]["index"]) for f in planted] == [
        ("CVE-2099-0001", "HIGH", 1),
        ("CVE-2099-0002", "LOW", 0),
    ]
    assert document["summary"]["findings"] == len(document["findings"])
    demo = Path(cache_dir) / "demo" / "mamoru-demo.tar"
    table = mamoru("image", str(demo), "--scanners", "vuln", env=env)
    assert table.returncode == 0 and "CVE-2099-0001" in table.stdout and "Findings: 2 (1 HIGH, 1 LOW)" in table.stdout
    gated = mamoru("image", str(demo), "--scanners", "vuln", "--exit-code", "5", "-q", "-f", "json", env=env)
    assert gated.returncode == 5
    high_only = mamoru(
        "image", str(demo), "--scanners", "vuln", "--severity", "critical", "--exit-code", "5", "-q", env=env
    )
    assert high_only.returncode == 0 and "Findings: 0" in high_only.stdout
    fixed_only = json.loads(
        mamoru("image", str(demo), "--scanners", "vuln", "--ignore-unfixed", "-f", "json", "-q", env=env).stdout
    )
    assert [f["ruleId"] for f in fixed_only["findings"]] == ["CVE-2099-0001"]
    no_vuln = json.loads(mamoru("image", str(demo), "--scanners", "secret", "-f", "json", "-q", env=env).stdout)
    assert no_vuln["findings"] == []
    bad = mamoru("image", str(demo), "--scanners", "nope", env=env)
    assert bad.returncode == 2 and "unknown scanner 'nope'" in bad.stderr


def test_filters_and_gate_units() -> None:
    def vuln(severity: Severity, status: FixStatus) -> Finding:
        return Finding(
            rule_id=f"CVE-{severity.value}",
            kind=FindingKind.VULNERABILITY,
            severity=severity,
            title="t",
            vulnerability=VulnerabilityDetail(id="x", status=status),
        )

    findings = [vuln(Severity.LOW, FixStatus.FIXED), vuln(Severity.CRITICAL, FixStatus.AFFECTED)]
    assert filter_findings(findings) == findings
    assert filter_findings(findings, {Severity.LOW}) == [findings[0]]
    assert filter_findings(findings, ignore_unfixed=True) == [findings[0]]
    assert gate_exit_code(findings, 1) == 1 and gate_exit_code([], 1) == 0 and gate_exit_code(findings, 0) == 0

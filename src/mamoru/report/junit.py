"""JUnit XML, for CI systems that show test results (GitLab, Jenkins, Azure Pipelines, CircleCI).

One test suite per kind of finding (vulnerabilities, misconfigurations, secrets, …); every finding
is a failed test case named after its rule and place, and a suppressed finding is a skipped test
case whose message is the reason. A scan without findings is one suite with one passed case, so the
CI still shows that the scan ran.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TextIO

from mamoru.model.finding import Finding, FindingKind
from mamoru.model.report import ScanReport
from mamoru.report.findings import KIND_TITLES, headline, place, rule_of, sorted_findings
from mamoru.report.redact import redact_command


def render(report: ScanReport, stream: TextIO) -> None:
    inventory = report.inventory
    artifact = inventory.artifact
    timestamp = report.created.strftime("%Y-%m-%dT%H:%M:%S")
    grouped: dict[FindingKind, list[Finding]] = defaultdict(list)
    for finding in sorted_findings(inventory.findings):
        grouped[finding.kind].append(finding)
    root = ET.Element("testsuites", name=f"mamoru {report.command} {report.target}")
    if not grouped:
        suite = _suite(root, f"{artifact.name}: findings", timestamp)
        ET.SubElement(suite, "testcase", classname=artifact.name, name="no findings", time="0")
    for kind in FindingKind:
        if kind not in grouped:
            continue
        suite = _suite(root, f"{artifact.name}: {KIND_TITLES[kind]}", timestamp)
        for finding in grouped[kind]:
            _case(suite, finding, artifact.name, place(finding, artifact))
    for suite in root:
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
        suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
        suite.set("errors", "0")
    for attribute in ("tests", "failures", "skipped", "errors"):
        root.set(attribute, str(sum(int(suite.get(attribute, "0")) for suite in root)))
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")


def _suite(root: ET.Element, name: str, timestamp: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name, timestamp=timestamp, time="0")


def _case(suite: ET.Element, finding: Finding, artifact_name: str, where: str) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=f"{artifact_name}.{finding.rule_id}", name=f"{finding.rule_id} {where}", time="0"
    )
    if finding.suppression is not None:
        reason = f"suppressed by {finding.suppression.source}: {finding.suppression.reason}"
        ET.SubElement(case, "skipped", message=reason)
        return
    failure = ET.SubElement(
        case, "failure", message=f"[{finding.severity.value}] {finding.title}", type=finding.severity.value
    )
    failure.text = _details(finding, where)


def _details(finding: Finding, where: str) -> str:
    rule = rule_of(finding)
    lines = [f"{finding.rule_id} ({finding.severity.value}): {headline(finding)}", f"Where: {where}"]
    if finding.package is not None:
        lines.append(f"Package: {finding.package.name} {finding.package.version} ({finding.package.purl})")
    detail = finding.vulnerability
    if detail is not None:
        lines.append(f"Fixed version: {detail.fixed_version or 'none'} ({detail.status.value})")
    layer = finding.location.layer if finding.location is not None else None
    if layer is None and finding.package is not None:
        layer = finding.package.layer
    if layer is not None:
        lines.append(f"Layer {layer.index}: {redact_command(layer.instruction) or layer.short_id}")
    lines.extend(f"Evidence: {item}" for item in finding.evidence)
    if finding.remediation or rule.remediation:
        lines.append(f"Fix: {finding.remediation or rule.remediation}")
    if finding.compliance or rule.compliance:
        lines.append("Controls: " + ", ".join(str(ref) for ref in finding.compliance or rule.compliance))
    return "\n".join(lines)

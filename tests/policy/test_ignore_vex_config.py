"""Ignore files, VEX documents and mamoru.yaml: what they suppress, and one clear error for each mistake."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import mamoru

from mamoru.errors import UsageError
from mamoru.model.finding import Finding, FindingKind, FixStatus, Severity, VulnerabilityDetail
from mamoru.model.package import Location, Package, PackageKind
from mamoru.policy.config import load_settings
from mamoru.policy.ignore import apply_ignores, load_ignore_file
from mamoru.policy.vex import apply_vex, check_conflicts, load_vex
from mamoru.rules import all_rules

RULES = {rule.id: rule for rule in all_rules()}
OPENSSL = Package(
    name="openssl",
    version="3.0.20-1~deb12u2",
    kind=PackageKind.DEB,
    purl="pkg:deb/debian/openssl@3.0.20-1~deb12u2?arch=amd64&distro=debian-12.15",
)


def vuln(identifier: str = "CVE-2024-0727", aliases: tuple[str, ...] = ("DSA-5678-1",)) -> Finding:
    return Finding(
        rule_id=identifier,
        kind=FindingKind.VULNERABILITY,
        severity=Severity.HIGH,
        title="t",
        package=OPENSSL,
        vulnerability=VulnerabilityDetail(id=identifier, aliases=aliases, status=FixStatus.FIXED),
    )


def secret(path: str) -> Finding:
    return Finding(
        rule_id="SEC-001", kind=FindingKind.SECRET, severity=Severity.CRITICAL, title="t", location=Location(path=path)
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ignore_entries_match_by_id_alias_globs_and_expire(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ignore.yaml",
        """ignore:
  - id: CVE-2024-0727
    reason: openssl PKCS12 parsing is not used
    packages: ["openssl*"]
  - id: SEC-001
    reason: documentation example keys
    paths: ["usr/share/examples/**"]
  - id: DKL-LI-0001
    reason: a peer id for an account rule
  - id: DSA-9999-1
    reason: expired acceptance
    expires: 2020-01-01
""",
    )
    entries = load_ignore_file(path, RULES)
    assert [e.source for e in entries] == ["ignore.yaml:2", "ignore.yaml:5", "ignore.yaml:8", "ignore.yaml:10"]
    findings = [vuln(), vuln("CVE-2099-1", ("DSA-9999-1",)), secret("usr/share/examples/a/k.py"), secret("srv/k.py")]
    outcome = apply_ignores(findings, entries, RULES, today=date(2026, 11, 26))
    suppressed = [f.suppression.reason if f.suppression else None for f in outcome.findings]
    assert suppressed == ["openssl PKCS12 parsing is not used", None, "documentation example keys", None]
    assert [e.id for e in outcome.expired] == ["DSA-9999-1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignore:\n  - id: NOT-A-RULE\n    reason: x\n", "ignore.yaml:2: unknown rule id 'NOT-A-RULE'"),
        ("ignore:\n  - id: CVE-2024-0727\n", "ignore.yaml:2: entry for CVE-2024-0727 needs a reason"),
        ("ignore:\n  - reason: everything\n", "ignore.yaml:2: entry has no id"),
        (
            "ignore:\n  - id: CVE-2024-0727\n    reason: r\n    expires: next year\n",
            "ignore.yaml:4: expires must be a date",
        ),
        ("ignore:\n  - id: CVE-2024-0727\n    reason: r\n    path: x\n", "ignore.yaml:2: unknown key(s) path"),
        ("ignore: [\n", "ignore.yaml:2: not valid YAML"),
        ("a: &x [1]\nb: *x\n", "YAML anchors and aliases are not allowed"),
        ("other: 1\n", "expected a top-level `ignore:` list"),
    ],
)
def test_ignore_file_mistakes_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_ignore_file(write(tmp_path, "ignore.yaml", text), RULES)


OPENVEX = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "urn:example:vex:1",
    "author": "Security Team",
    "timestamp": "2026-11-01T00:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "CVE-2024-0727"},
            "products": [{"@id": "pkg:oci/app@sha256:abc", "subcomponents": [{"@id": "pkg:deb/debian/openssl"}]}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        },
        {
            "vulnerability": {"name": "CVE-2024-9999"},
            "products": [{"@id": "pkg:deb/debian/openssl"}],
            "status": "under_investigation",
        },
    ],
}
CYCLONEDX_VEX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "components": [
        {"bom-ref": "ssl", "type": "library", "name": "openssl", "purl": "pkg:deb/debian/openssl@3.0.20-1~deb12u2"}
    ],
    "vulnerabilities": [
        {
            "id": "CVE-2024-0727",
            "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
            "affects": [{"ref": "ssl"}],
        }
    ],
}


@pytest.mark.parametrize("document", [OPENVEX, CYCLONEDX_VEX])
def test_vex_not_affected_suppresses_the_named_package_only(tmp_path: Path, document: dict[str, object]) -> None:
    statements = load_vex(write(tmp_path, "vex.json", json.dumps(document, indent=2)))
    other = Package(name="libssl3", version="3.0.20-1~deb12u2", kind=PackageKind.DEB, purl="pkg:deb/debian/libssl3@1")
    findings = apply_vex(
        [
            vuln(),
            vuln("CVE-2024-9999"),
            Finding(**{**vuln().__dict__, "package": other})
            if False
            else vuln().__class__(
                rule_id="CVE-2024-0727",
                kind=FindingKind.VULNERABILITY,
                severity=Severity.HIGH,
                title="t",
                package=other,
                vulnerability=VulnerabilityDetail(id="CVE-2024-0727"),
            ),
        ],
        statements,
    )
    assert [f.suppression is not None for f in findings] == [True, False, False]
    assert findings[0].suppression is not None and findings[0].suppression.reason.startswith("VEX: not_affected")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "vex.json:1: not valid JSON"),
        (
            '{"statements": [{"vulnerability": {"name": "CVE-1"}, "products": ["pkg:deb/debian/a"],'
            ' "status": "not_affected"}]}',
            "not_affected without a justification",
        ),
        (
            '{"statements": [{"vulnerability": {"name": "CVE-1"}, "products": ["pkg:deb/debian/a"],'
            ' "status": "maybe"}]}',
            "unknown status 'maybe'",
        ),
        ('{"statements": [{"vulnerability": {"name": "CVE-1"}, "status": "fixed"}]}', "names no products"),
        ('{"hello": 1}', "neither an OpenVEX document"),
    ],
)
def test_invalid_vex_documents(tmp_path: Path, document: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_vex(write(tmp_path, "vex.json", document))


def test_conflicting_vex_statements(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.json",
        json.dumps({"statements": [{"vulnerability": "CVE-1", "products": ["pkg:deb/debian/x"], "status": "fixed"}]}),
    )
    b = write(
        tmp_path,
        "b.json",
        json.dumps(
            {"statements": [{"vulnerability": "CVE-1", "products": ["pkg:deb/debian/x"], "status": "affected"}]}
        ),
    )
    with pytest.raises(UsageError, match=r"b\.json:\d+: says CVE-1 is affected .* but a\.json:\d+ says fixed"):
        check_conflicts([*load_vex(a), *load_vex(b)])


def test_config_file_discovery_relative_paths_and_cli_precedence(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    write(
        tmp_path,
        "mamoru.yaml",
        "scanners: [secret, malware]\nseverity: HIGH,CRITICAL\nfail-on: high\n"
        "yara-rules: [rules]\nignore-unfixed: true\ntrusted-registries: [registry.example.com, docker.io]\n",
    )
    settings = load_settings({}, cwd=tmp_path)
    assert settings.trusted_registries == ("registry.example.com", "docker.io")
    assert load_settings({"trusted_registries": ("quay.io",)}, cwd=tmp_path).trusted_registries == ("quay.io",)
    assert settings.scanners == {FindingKind.SECRET, FindingKind.MALWARE}
    assert settings.policy.severities == {Severity.HIGH, Severity.CRITICAL}
    assert settings.policy.fail_on is Severity.HIGH and settings.policy.ignore_unfixed
    assert settings.content.yara_paths == (tmp_path / "rules",)
    overridden = load_settings({"severity": "LOW", "scanners": "vuln"}, cwd=tmp_path)
    assert overridden.policy.severities == {Severity.LOW} and overridden.scanners == {FindingKind.VULNERABILITY}
    write(tmp_path, "bad.yaml", "scanners: [vuln]\nseverity-level: HIGH\n")
    with pytest.raises(UsageError, match=r"bad\.yaml:2: unknown setting 'severity-level'"):
        load_settings({"config": str(tmp_path / "bad.yaml")}, cwd=tmp_path)


@pytest.mark.images
def test_cli_ignore_file_show_suppressed_and_fail_on(images: Path, tmp_path: Path, cache_dir: Path) -> None:
    image = str(images / "app-docker.tar")
    write(
        tmp_path,
        ".mamoruignore.yaml",
        "ignore:\n  - id: SEC-012\n    reason: test key, rotated\n"
        "  - id: CIS-DI-0001\n    reason: runs as root by design\n",
    )
    base = ("image", image, "--scanners", "secret,misconfig", "-f", "json", "-q")
    hidden = json.loads(mamoru(*base, cwd=tmp_path).stdout)
    rules = {f["ruleId"] for f in hidden["findings"]}
    assert "SEC-012" not in rules and "IMG-001" not in rules and "SEC-001" in rules
    shown = json.loads(mamoru(*base, "--show-suppressed", cwd=tmp_path).stdout)
    reasons = {f["ruleId"]: f["suppression"]["reason"] for f in shown["findings"] if f["suppression"]}
    assert reasons == {"SEC-012": "test key, rotated", "IMG-001": "runs as root by design"}
    assert mamoru(*base, "--fail-on", "critical", cwd=tmp_path).returncode == 1
    assert mamoru(*base, "--fail-on", "critical", "--exit-code", "9", cwd=tmp_path).returncode == 9
    assert mamoru(*base, "--severity", "LOW", "--fail-on", "critical", cwd=tmp_path).returncode == 0
    unknown = mamoru(*base, "--ignore-file", str(write(tmp_path, "x.yaml", "ignore:\n  - id: NOPE-1\n    reason: r\n")))
    assert unknown.returncode == 2 and "x.yaml:2: unknown rule id 'NOPE-1'" in unknown.stderr

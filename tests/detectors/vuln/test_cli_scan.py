"""`mamoru image --db …` end to end: vulnerabilities in every report format, the filters and the gate."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import mamoru

from mamoru.report import json_report
from mamoru.report.json_report import SCHEMA_NAME

pytestmark = pytest.mark.images
SCHEMA = Path(json_report.__file__).parent / "schema" / "report-v1.json"


def vulns(document: dict[str, object]) -> list[dict[str, object]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["kind"] == "vuln" and f["vulnerability"]]


def test_json_report_has_everything_a_user_acts_on(images: Path, shared_db: Path) -> None:
    run = mamoru("image", str(images / "app-docker.tar"), "--scanners", "vuln", "--db", str(shared_db), "-f", "json",
                 "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["schema"] == SCHEMA_NAME
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(document)
    (finding,) = [f for f in vulns(document) if f["ruleId"] == "CVE-2018-18074"]
    detail = finding["vulnerability"]
    assert detail["installedVersion"] == "2.19.0" and detail["fixedVersion"] == "2.20.0" and detail["status"] == "fixed"
    assert detail["cvssScore"] and detail["cvssVector"].startswith("CVSS:3") and finding["severity"] == "HIGH"
    assert finding["package"]["layer"]["instruction"].startswith("COPY")
    assert finding["remediation"] == "pin requests>=2.20.0"
    unfixed = [f for f in vulns(document) if f["vulnerability"]["status"] == "affected"]
    assert unfixed and all(f["vulnerability"]["fixedVersion"] is None for f in unfixed)


def test_filters_and_gate(images: Path, shared_db: Path) -> None:
    base = ("image", str(images / "app-docker.tar"), "--scanners", "vuln", "--db", str(shared_db), "-f", "json", "-q")
    everything = vulns(json.loads(mamoru(*base).stdout))
    critical = mamoru(*base, "--severity", "CRITICAL", "--exit-code", "5")
    assert critical.returncode == 5
    kept = vulns(json.loads(critical.stdout))
    assert kept and {f["severity"] for f in kept} == {"CRITICAL"}
    fixed_only = vulns(json.loads(mamoru(*base, "--ignore-unfixed").stdout))
    assert fixed_only and {f["vulnerability"]["status"] for f in fixed_only} == {"fixed"}
    assert len(fixed_only) < len(everything)


@pytest.mark.parametrize("format_", ["table", "cyclonedx", "sarif", "markdown", "junit", "html", "spdx-json"])
def test_every_format_renders_vulnerabilities(images: Path, shared_db: Path, format_: str) -> None:
    run = mamoru("image", str(images / "app-docker.tar"), "--scanners", "vuln", "--db", str(shared_db), "-f", format_,
                 "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    if format_ != "spdx-json":
        assert "CVE-2018-18074" in run.stdout


def test_no_database_warns_and_the_scan_goes_on(images: Path, tmp_path: Path) -> None:
    run = mamoru("image", str(images / "base-docker.tar"), "--scanners", "vuln", "--db", str(tmp_path / "none.sqlite"))
    assert run.returncode == 0, run.stderr
    assert "vulnerabilities were not checked" in run.stderr and "mamoru db update" in run.stderr

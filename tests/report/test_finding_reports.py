"""SARIF, JUnit, Markdown and HTML reports of a real image full of findings, through the CLI.

The `planted` image (tests/fixtures/plant_content.py) holds secrets, malware samples, risky files
and a root user; an ignore file suppresses one family of findings so every format must show the
suppression with its reason.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Skipped
from tests.conftest import mamoru, which

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
IGNORE = """\
ignore:
  - id: SEC-001
    reason: AWS keys of the test account, revoked
    paths: ["/root/.aws/*"]
"""


@pytest.fixture(scope="module")
def outputs(planted: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    ignore = folder / "ignore.yaml"
    ignore.write_text(IGNORE)
    image = str(planted / "planted-docker.tar")
    paths = {}
    for format_name in ("sarif", "junit", "markdown", "html", "json"):
        out = folder / f"report.{format_name}"
        result = mamoru(
            "image", image, "-f", format_name, "-o", str(out), "-q", "--ignore-file", str(ignore), "--show-suppressed",
            env={"MAMORU_CACHE_DIR": str(folder / "cache")},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        paths[format_name] = out
    return paths


def findings(outputs: dict[str, Path]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(outputs["json"].read_text())["findings"]
    return found


def test_sarif_is_valid_and_carries_rule_metadata(outputs: dict[str, Path]) -> None:
    log = json.loads(outputs["sarif"].read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert len(run["results"]) == len(findings(outputs))
    root = rules["IMG-001"]
    assert root["shortDescription"]["text"] == "Image runs as root"
    assert root["properties"]["security-severity"] == "8.0"
    assert root["defaultConfiguration"]["level"] == "error"
    # the ids people migrating from other tools know, and the controls it evidences, as tags
    for tag in ("DL3002", "CIS-DI-0001", "nist-sp-800-190 4.1.2", "cis-docker-1.6.0 4.1"):
        assert tag in root["properties"]["tags"], root["properties"]["tags"]
    assert root["help"]["text"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]["mamoru/v1"]
    miner = next(r for r in run["results"] if r["ruleId"] == "MAL-002")
    location = miner["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": "usr/local/bin/kworkerds",
        "uriBaseId": "IMAGEROOT",
    }
    assert location["message"]["text"].startswith("layer 2: COPY")
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert suppressed and all(r["ruleId"] == "SEC-001" for r in suppressed)
    assert suppressed[0]["suppressions"][0]["justification"] == "AWS keys of the test account, revoked"
    assert suppressed[0]["suppressions"][0]["kind"] == "external"
    # a secret is never in the report in clear (the planted AWS key id starts with AKIA)
    assert "AKIAIOSFODNN7" not in outputs["sarif"].read_text()


def test_junit_parses_with_a_junit_reader(outputs: dict[str, Path]) -> None:
    xml = JUnitXml.fromfile(str(outputs["junit"]))
    suites = {suite.name.split(": ", 1)[1]: suite for suite in xml}
    assert {"Secrets", "Malware", "Misconfigurations", "Files and accounts"} <= set(suites)
    total = sum(suite.tests for suite in xml)
    assert total == len(findings(outputs))
    skipped = [case for suite in xml for case in suite if any(isinstance(r, Skipped) for r in case.result)]
    assert skipped and all(case.classname.endswith(".SEC-001") for case in skipped)
    assert "AWS keys of the test account, revoked" in skipped[0].result[0].message
    malware = [case for case in suites["Malware"] if any(isinstance(r, Failure) for r in case.result)]
    assert any("/usr/local/bin/kworkerds" in case.name for case in malware)
    failure = next(r for r in malware[0].result if isinstance(r, Failure))
    assert failure.type in ("CRITICAL", "HIGH") and "Layer 2: COPY" in (failure.text or "")


def test_markdown_summarises_for_a_pull_request(outputs: dict[str, Path]) -> None:
    text = outputs["markdown"].read_text()
    assert len(text) < 65536  # GitHub's comment limit
    active = [f for f in findings(outputs) if f["suppression"] is None]
    assert text.splitlines()[2].startswith(f"{len(active)} finding(s):")
    assert "### Secrets (" in text and "### Malware (6)" in text
    assert "<summary>Suppressed findings</summary>" in text
    assert "AWS keys of the test account, revoked" in text
    assert "| 🟥 CRITICAL | MAL-002 |" in text


def test_html_renders_in_headless_chromium(outputs: dict[str, Path], tmp_path: Path) -> None:
    which("chromium"), which("tesseract")  # installed by .ci/run: missing, the test fails rather than skips
    page = outputs["html"].read_text()
    for loads_something in ("<script", "<link", "<img", "<iframe", " src=", " href=", "url(", "@import"):
        assert loads_something not in page  # self-contained: nothing is loaded from elsewhere
    screenshot = tmp_path / "report.png"
    subprocess.run(
        ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,2400",
         "--force-device-scale-factor=2", f"--screenshot={screenshot}", outputs["html"].as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    # read the screenshot back with OCR: the sections must be on the rendered page, not only in the source
    text = subprocess.run(
        ["tesseract", str(screenshot), "-"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    headings = (
        "Summary",
        "Charts",
        "Findings by severity",
        "Compliance controls with findings",
        "Layers",
        "Findings (",
    )
    for heading in headings:
        assert heading in text, text
    assert "Packages" in text and "Critical" in text  # the summary cards
    assert "nist-sp-800-190 4.1.3" in text  # the compliance chart names the controls
    assert "RUN apt-get update" in text  # the layer-by-layer view shows each instruction

"""Every report format is valid against its official schema, on real images."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spdx_tools.spdx.parser.json import json_parser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from mamoru.model.report import ScanReport
from mamoru.report import FORMATS, writer
from mamoru.scan.pipeline import ScanOptions, scan_image

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]


@pytest.fixture(scope="module")
def report(images: Path, tmp_path_factory: pytest.TempPathFactory) -> ScanReport:
    import os

    os.environ.setdefault("MAMORU_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return ScanReport(
        inventory=scan_image(str(images / "app-docker.tar"), ScanOptions()), target="app-docker.tar", command="sbom"
    )


def render(report: ScanReport, format_name: str) -> str:
    out = io.StringIO()
    writer(format_name)(report, out)
    return out.getvalue()


def test_cyclonedx_is_valid_1_6_with_layers(report: ScanReport) -> None:
    text = render(report, "cyclonedx")
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["type"] == "container"
    libraries = [c for c in bom["components"] if c["type"] == "library"]
    # 94 debs, requests (dist-info in the COPY layer), 5 packages only declared in its lock files
    assert len(libraries) == 100
    declared = {c["name"] for c in libraries if {"name": "mamoru:package:declared", "value": "true"} in c["properties"]}
    assert declared == {"flask", "pyyaml", "Django", "lodash", "minimist"}
    openssl = next(c for c in libraries if c["name"] == "openssl")
    props = {p["name"]: p["value"] for p in openssl["properties"]}
    assert props["mamoru:layer:index"] == "1"
    assert props["mamoru:layer:diff_id"] == report.inventory.artifact.layers[1].diff_id
    assert props["mamoru:layer:instruction"].startswith("RUN apt-get update")
    assert openssl["purl"] == "pkg:deb/debian/openssl@3.0.20-1~deb12u2?arch=amd64&distro=debian-12.15" or openssl[
        "purl"
    ].startswith("pkg:deb/debian/openssl@")
    os_dep = next(d for d in bom["dependencies"] if d["ref"] == "os")
    assert len(os_dep["dependsOn"]) == 94  # OS packages hang off the OS component


def test_spdx_is_valid_2_3_with_layers(report: ScanReport, tmp_path: Path) -> None:
    path = tmp_path / "sbom.spdx.json"
    path.write_text(render(report, "spdx-json"))
    document = json_parser.parse_from_file(str(path))
    assert validate_full_spdx_document(document) == []
    raw = json.loads(path.read_text())
    assert raw["spdxVersion"] == "SPDX-2.3"
    libssl = next(p for p in raw["packages"] if p["name"] == "libssl3")
    assert libssl["externalRefs"][0]["referenceLocator"].startswith("pkg:deb/debian/libssl3@")
    comments = {a["comment"] for a in libssl["annotations"]}
    assert f"mamoru:layer:diff_id={report.inventory.artifact.layers[1].diff_id}" in comments
    assert libssl["sourceInfo"].startswith("built from openssl")


def test_json_report_matches_its_schema(report: ScanReport) -> None:
    schema = json.loads(resources.files("mamoru.report").joinpath("schema/report-v1.json").read_text())
    document = json.loads(render(report, "json"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["summary"]["packages"] == 100
    assert "supersecret123" not in json.dumps(document)  # env values never reach the report
    assert "DB_PASSWORD" in document["artifact"]["config"]["envNames"]
    assert [layer["packagesIntroduced"] for layer in document["layers"]] == [88, 6, 6, 0, 0]


def test_table_lists_layers_and_instructions(report: ScanReport) -> None:
    text = render(report, "table")
    assert "debian 12.15 (bookworm)" in text
    assert "RUN apt-get update && apt-get install" in text
    assert "Packages: 100 (94 deb, 2 npm, 4 pypi)" in text


def test_every_format_renders_a_real_image(report: ScanReport) -> None:
    assert set(FORMATS) == {"table", "json", "sarif", "junit", "markdown", "html", "cyclonedx", "spdx-json"}
    for format_name in FORMATS:
        assert "openssl" in render(report, format_name) or format_name in ("sarif", "junit", "markdown"), format_name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(licenses=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=4))
def test_spdx_stays_valid_whatever_the_license_texts(licenses: list[str], tmp_path: Path) -> None:
    """Any license text a package database holds (``GPL-2+ with Texinfo exception``, ``and/or``…)."""
    from mamoru.model import Artifact, ArtifactKind, Inventory, Package, PackageKind

    package = Package(
        name="pkg", version="1.0", kind=PackageKind.DEB, purl="pkg:deb/debian/pkg@1.0", licenses=tuple(licenses)
    )
    inventory = Inventory(
        artifact=Artifact(name="x", kind=ArtifactKind.FILESYSTEM, source="directory"), packages=[package]
    )
    path = tmp_path / "doc.spdx.json"
    path.write_text(render(ScanReport(inventory=inventory, target="x", command="sbom"), "spdx-json"))
    assert validate_full_spdx_document(json_parser.parse_from_file(str(path))) == []

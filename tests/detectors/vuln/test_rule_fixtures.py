"""VULN-001 fires on its `fail` fixture (a Debian 10 image) and not on its `pass` fixture (Debian 12).

The fixtures use the image rule layout (tests/fixtures/rules/<id>/{pass,fail}/: a `rootfs/` and an
`image.json`); the end-of-life check needs no vulnerability database, so none is given.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.helpers import Entry, ImageSpec, docker_archive, layer_tar

from mamoru.detectors.base import DetectContext
from mamoru.detectors.vuln import VulnerabilityDetector
from mamoru.detectors.vuln.eol import EOL_RULE
from mamoru.scan.pipeline import ScanOptions, scan_image

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules" / EOL_RULE.id


def image_from(directory: Path, tmp_path: Path) -> Path:
    rootfs = directory / "rootfs"
    entries = [
        Entry(p.relative_to(rootfs).as_posix(), p.read_bytes()) for p in sorted(rootfs.rglob("*")) if p.is_file()
    ]
    tags = json.loads((directory / "image.json").read_text()).get("repo_tags", ["example/app:1.0"])
    return docker_archive(tmp_path / f"{directory.name}.tar", ImageSpec(layers=[layer_tar(entries)]), tag=tags[0])


@pytest.mark.parametrize(("kind", "expected"), [("fail", [EOL_RULE.id]), ("pass", [])])
def test_fixture(kind: str, expected: list[str], tmp_path: Path) -> None:
    inventory = scan_image(
        str(
            image_from(FIXTURES / kind, tmp_path),
        ),
        ScanOptions(),
    )
    context = DetectContext(db_path=tmp_path / "no-database.sqlite")
    findings = VulnerabilityDetector(today=date(2026, 11, 26)).detect(inventory, context)
    assert [f.rule_id for f in findings] == expected
    for finding in findings:
        assert finding.location is not None and finding.location.path == "etc/os-release"
        assert finding.remediation and finding.compliance == EOL_RULE.compliance

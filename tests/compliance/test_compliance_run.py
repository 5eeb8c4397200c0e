"""A compliance run over real targets: the planted image and a bad Dockerfile, through the CLI."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import mamoru

from mamoru.compliance.targets import classify

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]

DOCKERFILE = """\
FROM debian:latest
RUN apt-get update
RUN apt-get install -y curl
ADD https://downloads.invalid/tool.tar.gz /opt/
ENV DB_PASSWORD=hunter2
EXPOSE 22
"""


@pytest.fixture(scope="module")
def run(planted: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("compliance")
    (folder / "Dockerfile").write_text(DOCKERFILE)
    out = folder / "nist.json"
    result = mamoru(
        "compliance", "--spec", "nist-sp-800-190", str(planted / "planted-docker.tar"), str(folder / "Dockerfile"),
        "-f", "json", "-o", str(out), "-q", env={"MAMORU_CACHE_DIR": str(folder / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(out.read_text())
    return document


def controls(document: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["id"]: c for c in document["controls"]}  # type: ignore[index,union-attr]


def test_report_validates_against_its_schema(run: dict[str, object]) -> None:
    schema = json.loads((resources.files("mamoru") / "report/schema/compliance-v1.json").read_text())
    jsonschema.validate(run, schema)


def test_image_and_dockerfile_fail_the_image_countermeasures(run: dict[str, object]) -> None:
    by_id = controls(run)
    status = {control_id: control["status"] for control_id, control in by_id.items()}
    # the planted image: a root user and sshd (4.1.2), miners and a reverse shell (4.1.3), keys and
    # tokens in files and ENV (4.1.4); the Dockerfile: FROM :latest, ADD from a URL (4.1.5)
    for control_id in ("4.1.2", "4.1.3", "4.1.4", "4.1.5"):
        assert status[control_id] == "fail", (control_id, by_id[control_id])
    failing_rules = {hit["ruleId"] for hit in by_id["4.1.3"]["failures"]}  # type: ignore[union-attr,index]
    assert {"MAL-002", "MAL-004"} <= failing_rules
    targets = {hit["target"] for hit in by_id["4.1.4"]["failures"]}  # type: ignore[union-attr,index]
    assert any(t.endswith("planted-docker.tar") for t in targets) and any(t.endswith("Dockerfile") for t in targets)
    # nothing scanned the host or a cluster: those controls wait for such a target, or for a person
    assert status["4.5.4"] == "not-assessed" and "host" in by_id["4.5.4"]["hint"]  # type: ignore[operator]
    assert status["4.6"] == "manual" and by_id["4.6"]["manual"]
    summary = run["summary"]
    assert summary["fail"] >= 4  # type: ignore[index,operator]
    assert sum(summary[s] for s in ("pass", "fail", "manual", "not-assessed")) == 24  # type: ignore[index,misc]


def test_suppressed_findings_do_not_fail_a_control(planted: Path, tmp_path: Path) -> None:
    ignore = tmp_path / "ignore.yaml"
    rules = [f"MAL-00{n}" for n in range(1, 7)]
    ignore.write_text("ignore:\n" + "".join(f"  - id: {rule}\n    reason: accepted for the test\n" for rule in rules))
    result = mamoru(
        "compliance", str(planted / "planted-docker.tar"), "-f", "json", "-q", "--ignore-file", str(ignore),
        "--scanners", "malware",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    control = controls(json.loads(result.stdout))["4.1.3"]
    assert control["status"] == "pass" and control["suppressed"]
    assert {hit["suppression"]["reason"] for hit in control["suppressed"]} == {"accepted for the test"}  # type: ignore[index,union-attr]


def test_exit_code_gates_on_failing_controls(planted: Path) -> None:
    image = str(planted / "planted-docker.tar")
    assert mamoru("compliance", image, "-q", "--scanners", "malware", "--exit-code", "7").returncode == 7
    assert mamoru("compliance", image, "-q", "--scanners", "malware", "--fail-on", "CRITICAL").returncode == 1
    # without a gate option, failing controls are reported and the run succeeds (like `mamoru image`)
    assert mamoru("compliance", image, "-q", "--scanners", "secret").returncode == 0


@pytest.mark.parametrize("format_name", ["table", "markdown", "html"])
def test_every_format(planted: Path, format_name: str) -> None:
    result = mamoru("compliance", "--spec", "cis-docker-1.6.0", str(planted / "planted-docker.tar"), "-f", format_name,
                    "-q", "--scanners", "misconfig,file")  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "CIS Docker Benchmark" in text and "Score" in text
    assert ("4.1 " in text or "| 4.1 |" in text or ">4.1<" in text) and "FAIL" in text


def test_list_specs_and_bad_targets(tmp_path: Path) -> None:
    listing = mamoru("compliance", "--list-specs")
    assert listing.returncode == 0 and "cis-docker-1.6.0" in listing.stdout and "117 controls" in listing.stdout
    missing = mamoru("compliance", "config:" + str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stderr.startswith("mamoru: error: ") and "no such file" in missing.stderr
    unknown = mamoru("compliance", "--spec", "nist", str(tmp_path))
    assert unknown.returncode == 2 and "unknown compliance spec 'nist'" in unknown.stderr


def test_classify(tmp_path: Path) -> None:
    (tmp_path / "oci").mkdir()
    (tmp_path / "oci" / "oci-layout").write_text("{}")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.tar").write_bytes(b"")
    cases = {
        "runtime": ("runtime", ""),
        "host": ("host", "/"),
        "host:/mnt/root": ("host", "/mnt/root"),
        str(tmp_path / "oci"): ("image", str(tmp_path / "oci")),
        str(tmp_path / "k8s"): ("config", str(tmp_path / "k8s")),
        str(tmp_path / "Dockerfile"): ("config", str(tmp_path / "Dockerfile")),
        str(tmp_path / "app.tar"): ("image", str(tmp_path / "app.tar")),
        "alpine:3.20": ("image", "alpine:3.20"),
        "image:runtime": ("image", "runtime"),
    }
    for given, expected in cases.items():
        target = classify(given)
        assert (target.scope, target.value) == expected, given

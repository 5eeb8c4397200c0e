"""``mamoru config``: the real CLI on real files — reports, filters, the gate and errors."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
from tests.conftest import mamoru

DOCKERFILE = """\
FROM ubuntu:latest
# mamoru:ignore=MDF-063 reason: fonts need their recommended packages
RUN apt-get update && apt-get install -y fonts-dejavu && rm -rf /var/lib/apt/lists/*
ENV DB_PASSWORD=hunter2hunter2
USER root
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  hostNetwork: true\n"
        "  containers: [{name: c, image: 'nginx:1.27.2'}]\n"
    )
    return tmp_path


def test_json_report(tmp_path: Path) -> None:
    result = mamoru("config", str(project(tmp_path)), "-f", "json", "--show-suppressed")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    schema = json.loads(resources.files("mamoru.report").joinpath("schema/report-v1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["command"] == "config" and document["artifact"]["kind"] == "config"
    found = {(f["ruleId"], f["location"]["path"], f["location"]["line"]) for f in document["findings"]}
    assert {("MDF-002", "Dockerfile", 1), ("MDF-011", "Dockerfile", 5), ("MK8S-004", "k8s/pod.yaml", 5)} <= found
    suppressed = [f for f in document["findings"] if f["suppression"]]
    assert [(f["ruleId"], f["suppression"]["source"]) for f in suppressed] == [("MDF-063", "Dockerfile:2")]
    assert "hunter2" not in result.stdout
    compliance = {(c["framework"], c["control"]) for f in document["findings"] if f["ruleId"] == "MK8S-004"
                  for c in f["compliance"]}  # fmt: skip
    assert ("pss-baseline", "hostNamespaces") in compliance and ("cis-kubernetes-1.11", "5.2.5") in compliance


def test_table_report(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = mamoru("config", str(root), "--show-suppressed")
    assert result.returncode == 0, result.stderr
    assert "MDF-011" in result.stdout and "Dockerfile:5" in result.stdout and "[suppressed: " in result.stdout
    hidden = mamoru("config", str(root))
    assert "[suppressed]" not in hidden.stdout and "1 suppressed finding(s) hidden" in hidden.stderr


def test_severity_filter_and_exit_code(tmp_path: Path) -> None:
    root = project(tmp_path)
    high = json.loads(mamoru("config", str(root), "--severity", "HIGH,critical", "-f", "json", "-q").stdout)
    assert high["findings"] and {f["severity"] for f in high["findings"]} <= {"HIGH", "CRITICAL"}
    assert mamoru("config", str(root), "--exit-code", "7", "-q").returncode == 7
    assert mamoru("config", str(root), "--fail-on", "critical", "-q").returncode == 0
    assert mamoru("config", str(root), "--fail-on", "high", "-q").returncode == 1
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "Dockerfile").write_text(
        "FROM alpine:3.22@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1\n"
        'USER 10001\nHEALTHCHECK CMD ["true"]\n'
        "# mamoru:ignore-file=MDF-004 reason: the release is pinned by the platform team until Q3\n"
    )
    assert mamoru("config", str(tmp_path / "clean"), "--exit-code", "7", "-q").returncode == 0


def test_type_option_and_errors(tmp_path: Path) -> None:
    odd = tmp_path / "build.docker"
    odd.write_text("# base\nFROM node\n")
    sniffed = json.loads(mamoru("config", str(odd), "-f", "json", "-q").stdout)  # FROM first: a Dockerfile
    assert "MDF-001" in {f["ruleId"] for f in sniffed["findings"]}
    text = tmp_path / "notes.txt"
    text.write_text("run node\n")
    unknown = mamoru("config", str(text), "-f", "json")
    assert unknown.returncode == 0 and json.loads(unknown.stdout)["findings"] == []
    assert "not a Dockerfile, Compose file or Kubernetes manifest" in unknown.stderr
    typed = json.loads(mamoru("config", "--type", "dockerfile", str(text), "-f", "json", "-q").stdout)
    assert "no FROM instruction" in " ".join(n["message"] for n in typed["notes"])  # --type forces the parser
    missing = mamoru("config", str(tmp_path / "missing"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    bad = mamoru("config", str(odd), "--severity", "urgent")
    assert bad.returncode == 2 and "unknown severity 'urgent'" in bad.stderr


def test_bad_files_are_notes_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"\x00\x01binary\xff")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nspec: [\n")
    result = mamoru("config", str(tmp_path), "-f", "json")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert (
        "Dockerfile: not a Dockerfile BuildKit can parse" in result.stderr and "pod.yaml: invalid YAML" in result.stderr
    )
    assert len(json.loads(result.stdout)["notes"]) == 2


def test_sarif_has_paths_relative_to_the_scanned_directory(tmp_path: Path) -> None:
    result = mamoru("config", str(project(tmp_path)), "-f", "sarif", "-q")
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)["runs"][0]
    places = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
    }  # fmt: skip
    assert ("MDF-011", "Dockerfile", 5) in places and ("MK8S-004", "k8s/pod.yaml", 5) in places


def test_trusted_registry_option_and_setting(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM registry.example.com/base:1\nFROM alpine:3.22\nUSER 1000\n")

    def lines(*args: str, cwd: Path | None = None) -> list[int]:
        result = mamoru("config", str(dockerfile), "-f", "json", "-q", *args, cwd=cwd)
        assert result.returncode == 0, result.stderr
        return [f["location"]["line"] for f in json.loads(result.stdout)["findings"] if f["ruleId"] == "MDF-097"]

    assert lines() == []
    assert lines("--trusted-registry", "registry.example.com") == [2]
    (tmp_path / "mamoru.yaml").write_text("trusted-registries: [docker.io]\n")
    assert lines(cwd=tmp_path) == [1]
    assert lines("--trusted-registry", "*.example.com", cwd=tmp_path) == [2]  # the command line wins

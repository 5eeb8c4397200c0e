"""Finding configuration files, bad input as per-file notes, and inline suppressions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mamoru.config.detect import ConfigType
from mamoru.config.scanner import MAX_FILE_BYTES, scan_paths
from mamoru.errors import TargetError
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules.checks import Check, Hit

K8S_POD = """apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: n
spec:
  containers:
    - name: c
      image: nginx:1.27.2
      securityContext:
        privileged: true
"""


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def rules_by_file(result) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.location.path, set()).add(finding.rule_id)
    return found


def test_directory_walk_detects_types(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM alpine:3.22\nUSER root\n")
    write(tmp_path, "build/api.Dockerfile", "FROM node\n")
    write(tmp_path, "deploy/pod.yaml", K8S_POD)
    write(tmp_path, "deploy/pod.json", '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {}}')
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx\n    privileged: true\n")
    write(tmp_path, "other/values.yaml", "replicaCount: 2\nimage: {tag: latest}\n")  # plain YAML: not a target
    write(tmp_path, "node_modules/pkg/Dockerfile", "FROM scratch\n")  # dependency directories are skipped
    write(tmp_path, "README.md", "FROM alpine\n")
    os.symlink(tmp_path / "Dockerfile", tmp_path / "linked.Dockerfile")  # links are not followed
    result = scan_paths([str(tmp_path)])
    assert sorted(result.files) == [
        ("Dockerfile", "dockerfile"), ("build/api.Dockerfile", "dockerfile"), ("compose.yaml", "compose"),
        ("deploy/pod.json", "kubernetes"), ("deploy/pod.yaml", "kubernetes"),
    ]  # fmt: skip
    found = rules_by_file(result)
    assert "MDF-011" in found["Dockerfile"] and "MDF-001" in found["build/api.Dockerfile"]
    assert "MK8S-001" in found["deploy/pod.yaml"] and "MCP-001" in found["compose.yaml"]
    assert not result.notes


def test_paths_are_relative_to_each_argument(tmp_path: Path) -> None:
    write(tmp_path, "a/Dockerfile", "FROM alpine:3.22\n")
    write(tmp_path, "b/Dockerfile", "FROM alpine:3.22\n")
    one = scan_paths([str(tmp_path / "a")])
    assert {f.location.path for f in one.findings} == {"Dockerfile"}
    both = scan_paths([str(tmp_path / "a"), str(tmp_path / "b" / "Dockerfile")])
    paths = {f.location.path for f in both.findings}
    assert any(p.endswith("a/Dockerfile") for p in paths) and any(p.endswith("b/Dockerfile") for p in paths)


def billion_laughs() -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        name, previous = chr(97 + index), chr(96 + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_bad_files_become_notes_and_the_scan_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "good/Dockerfile", "FROM alpine:3.22\nUSER root\n")
    write(tmp_path, "binary/Dockerfile", b"\x7fELF\x02\x01\x01\x00" + os.urandom(256))
    write(tmp_path, "heredoc/Dockerfile", "FROM alpine:3.22\nRUN <<EOT\necho never closed\n")
    write(tmp_path, "unknown/Dockerfile", "FROM alpine:3.22\nFROBNICATE now\nUSER root\n")
    write(tmp_path, "invalid.yaml", "apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    write(tmp_path, "bomb.yaml", billion_laughs())
    write(tmp_path, "huge.yaml", "apiVersion: v1\nkind: ConfigMap\n" + "#" * (MAX_FILE_BYTES + 10))
    template = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
    write(tmp_path, "chart/templates/deploy.yaml", template)
    result = scan_paths([str(tmp_path)])
    notes = {note.path: note.message for note in result.notes}
    assert "binary" in notes["binary/Dockerfile"]
    assert "unterminated heredoc" in notes["heredoc/Dockerfile"]
    assert "unknown instruction FROBNICATE" in notes["unknown/Dockerfile"]
    assert "invalid YAML" in notes["invalid.yaml"]
    assert "YAML bomb" in notes["bomb.yaml"]
    assert "larger than" in notes["huge.yaml"]
    assert "helm template" in notes["chart/templates/deploy.yaml"]
    found = rules_by_file(result)
    assert "MDF-011" in found["good/Dockerfile"] and "MDF-011" in found["unknown/Dockerfile"]


def test_fifos_named_like_config_files_do_not_block_the_walk(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer; the scan must skip it instead of hanging."""
    write(tmp_path, "Dockerfile", "FROM alpine:3.22\nUSER root\n")
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n")
    os.mkfifo(tmp_path / "Dockerfile.dev")
    os.mkfifo(tmp_path / ".env")  # read for the Compose file's variables
    result = scan_paths([str(tmp_path)])
    notes = {note.path: note.message for note in result.notes}
    assert notes["Dockerfile.dev"] == "not a regular file"
    assert "MDF-011" in rules_by_file(result)["Dockerfile"]
    assert ("compose.yaml", ConfigType.COMPOSE) in result.files


def test_an_explicit_file_of_no_known_type_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "hello\n")
    result = scan_paths([str(path)])
    assert [n.message for n in result.notes] == ["not a Dockerfile, Compose file or Kubernetes manifest"]
    forced = scan_paths([str(path)], forced_type=None)
    assert forced.findings == []
    sniffed = scan_paths([str(write(tmp_path, "build.docker", "FROM alpine\n"))], forced_type=None)
    assert {f.rule_id for f in sniffed.findings} >= {"MDF-001"} and not sniffed.notes  # FROM first: a Dockerfile
    assert {
        f.rule_id for f in scan_paths([str(tmp_path / "build.docker")], forced_type=ConfigType.DOCKERFILE).findings
    } >= {"MDF-001"}


def test_missing_path_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot read"):
        scan_paths([str(tmp_path / "nope")])


DOCKERFILE_PRAGMAS = """\
FROM ubuntu:24.04
# mamoru:ignore=MDF-063,DL3008 reason: recommends are needed for the fonts
RUN apt-get update && apt-get install -y fonts-dejavu && rm -rf /var/lib/apt/lists/*
# mamoru:ignore=MDF-054
RUN sudo true
USER root
"""


def test_dockerfile_suppressions(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", DOCKERFILE_PRAGMAS)
    result = scan_paths([str(tmp_path)])
    by_rule = {f.rule_id: f for f in result.findings}
    assert by_rule["MDF-063"].suppression is not None
    assert by_rule["MDF-063"].suppression.reason == "recommends are needed for the fonts"
    assert by_rule["MDF-063"].suppression.source == "Dockerfile:2"
    assert by_rule["MDF-080"].suppression is not None  # suppressed through hadolint's id, DL3008
    assert by_rule["MDF-054"].suppression is None  # the pragma on line 4 has no reason …
    assert by_rule["MCF-002"].location.line == 4  # … and is reported itself
    assert by_rule["MDF-011"].suppression is None


K8S_PRAGMAS = """\
# mamoru:ignore=MK8S-047 reason: images are pinned by the admission controller
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
spec:
  containers:
    # mamoru:ignore=MK8S-053 reason: the agent writes to its root filesystem
    - name: agent
      image: registry.example.com/agent:1.0
      securityContext:
        privileged: true  # mamoru:ignore=KSV017 reason: needs raw devices on the node
        readOnlyRootFilesystem: false
    - name: sidecar
      image: registry.example.com/sidecar:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: other
  namespace: ops
spec:
  containers:
    - name: other
      image: registry.example.com/other:1.0
"""


def test_yaml_suppressions_cover_lines_blocks_and_documents(tmp_path: Path) -> None:
    write(tmp_path, "pods.yaml", K8S_PRAGMAS)
    result = scan_paths([str(tmp_path)])
    state = {(f.rule_id, f.location.line): f.suppression is not None for f in result.findings}
    assert state[("MK8S-001", 13)] is True  # end-of-line pragma, by Trivy's id
    assert state[("MK8S-053", 10)] is True  # own-line pragma: the container block below it
    assert state[("MK8S-053", 15)] is False  # the next container is not covered
    assert state[("MK8S-047", 11)] is True and state[("MK8S-047", 16)] is True  # the whole first document
    assert state[("MK8S-047", 26)] is False  # not the second document


def test_file_wide_suppression(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml",
          "# mamoru:ignore-file=MCP-011,MCP-012,MCP-013 reason: limits come from the host's systemd slice\n"
          "services:\n  web:\n    image: nginx:1.27.2\n  db:\n    image: postgres:16.4\n")  # fmt: skip
    result = scan_paths([str(tmp_path)])
    limits = [f for f in result.findings if f.rule_id in ("MCP-011", "MCP-012", "MCP-013")]
    assert len(limits) == 6 and all(f.suppression is not None for f in limits)


def test_a_broken_check_becomes_a_note(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM alpine:3.22\n")
    rule = Rule(id="TST-001", title="t", severity=Severity.LOW, kind=FindingKind.MISCONFIGURATION)

    def broken(context: object) -> list[Hit]:
        raise ZeroDivisionError("boom")

    from mamoru.config.detect import ConfigType

    result = scan_paths([str(tmp_path)], extra_checks=[Check(rule, ConfigType.DOCKERFILE, broken)])
    assert any("TST-001" in n.message and "ZeroDivisionError" in n.message for n in result.notes)
    assert any(f.rule_id == "MDF-022" for f in result.findings)


def test_a_dockerfile_under_any_name_is_recognised_by_its_first_instruction(tmp_path: Path) -> None:
    from mamoru.config.detect import ConfigType, detect_type

    assert detect_type("build/Dockerfile2", "# syntax=docker/dockerfile:1\n\nARG BASE=debian\nFROM $BASE\n") is (
        ConfigType.DOCKERFILE
    )
    assert detect_type("notes.txt", "Some text\nFROM here on\n") is None
    assert detect_type("blank", "\n" * 5000 + "x") is None  # no backtracking blow-up on long blank runs

"""Compose rules: ports, mounts, interpolation from .env, secrets in environment and build args."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mamoru.config.compose import parse_compose
from mamoru.config.scanner import scan_paths


def scan(tmp_path: Path, text: str, dotenv: str | None = None) -> dict[str, list[int]]:
    (tmp_path / "compose.yaml").write_text(text)
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    found: dict[str, list[int]] = {}
    for finding in scan_paths([str(tmp_path)]).findings:
        found.setdefault(finding.rule_id, []).append(finding.location.line or 0)
    return found


@pytest.mark.parametrize(
    ("ports", "exposed"),
    [
        ('["8080:80"]', True),
        ('["80"]', True),
        ('["127.0.0.1:8080:80"]', False),
        ('["[::1]:8080:80"]', False),
        ("[{target: 80, published: 8080, host_ip: 127.0.0.1}]", False),
        ("[{target: 80, published: 8080}]", True),
        ('["${BIND:-127.0.0.1}:8080:80"]', False),
    ],
)
def test_published_ports(tmp_path: Path, ports: str, exposed: bool) -> None:
    found = scan(tmp_path, f"services:\n  web:\n    image: nginx:1.27.2\n    ports: {ports}\n")
    assert ("MCP-010" in found) is exposed


def test_mounts(tmp_path: Path) -> None:
    text = (
        "services:\n  a:\n    image: x:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
        "      - /etc:/host/etc:ro\n      - ./data:/data\n      - named:/cache\n"
        "      - type: bind\n        source: /\n        target: /host\n"
    )
    found = scan(tmp_path, text)
    assert found["MCP-002"] == [5] and sorted(found["MCP-003"]) == [6, 9]


def test_image_tags_use_the_dotenv_file(tmp_path: Path) -> None:
    text = "services:\n  a:\n    image: app:${TAG}\n  b:\n    image: app:${UNSET_TAG}\n"
    assert scan(tmp_path, text, dotenv="TAG=latest\n")["MCP-015"] == [3]
    assert "MCP-015" not in scan(tmp_path, text, dotenv="TAG=1.4.2\n")


def test_credentials_in_environment_and_build_args(tmp_path: Path) -> None:
    found = scan(tmp_path, "services:\n  a:\n    image: x:1\n    build:\n      context: .\n      args:\n"
                           "        NPM_TOKEN: npm_abcdefghijklmnop\n    environment:\n"
                           "      - DB_PASSWORD=${DB_PASSWORD}\n      - API_KEY=k-12345-secret\n"
                           "      - DB_PASSWORD_FILE=/run/secrets/db\n")  # fmt: skip
    assert sorted(found["MCP-009"]) == [7, 10]


def findings_by_service(tmp_path: Path, text: str) -> tuple[set[tuple[str, int]], list[str]]:
    (tmp_path / "compose.yaml").write_text(text)
    result = scan_paths([str(tmp_path / "compose.yaml")])
    return {(f.rule_id, f.location.line or 0) for f in result.findings}, [n.message for n in result.notes]


def test_extends_in_the_same_file_inherits_and_overrides(tmp_path: Path) -> None:
    text = (
        "services:\n"
        "  base:\n"  # 2
        "    image: app:1.2\n"
        "    privileged: true\n"  # 4
        "    ports: ['127.0.0.1:8080:80']\n"
        "  web:\n"  # 6
        "    extends: base\n"  # 7
        "    ports: ['9090:90']\n"  # 8
        "  worker:\n"  # 9
        "    extends: {service: base}\n"
        "    privileged: false\n"
    )
    found, notes = findings_by_service(tmp_path, text)
    assert notes == []
    assert ("MCP-001", 4) in found  # base itself, and web through it (same line: reported once)
    assert ("MCP-010", 8) in found and ("MCP-010", 5) not in found  # web's own port, joined to base's
    services = {s.name: s.data for s in parse_compose(text).services}
    assert services["web"]["privileged"] is True and services["worker"]["privileged"] is False
    assert list(services["web"]["ports"]) == ["127.0.0.1:8080:80", "9090:90"]


def test_extends_from_another_file_is_reported_at_the_extends_line(tmp_path: Path) -> None:
    (tmp_path / "common.yml").write_text("services:\n  root-ish:\n    image: tool:3\n    cap_add: [SYS_ADMIN]\n"
                                         "    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n")  # fmt: skip
    text = "services:\n  job:\n    extends:\n      file: common.yml\n      service: root-ish\n    command: run\n"
    found, notes = findings_by_service(tmp_path, text)
    assert notes == []
    assert {("MCP-007", 3), ("MCP-002", 3)} <= found


def test_extends_file_is_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    """common/base.yml extends lib.yml of its own folder (common/lib.yml), as Compose resolves it."""
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "base.yml").write_text(
        "services:\n  svc:\n    extends: {file: lib.yml, service: core}\n    image: app:1\n"
    )
    (tmp_path / "common" / "lib.yml").write_text("services:\n  core:\n    image: app:1\n    privileged: true\n")
    (tmp_path / "lib.yml").write_text("services:\n  core:\n    image: app:1\n")  # the wrong one: harmless
    text = "services:\n  job:\n    extends:\n      file: common/base.yml\n      service: svc\n"
    found, notes = findings_by_service(tmp_path, text)
    assert notes == []
    assert ("MCP-001", 3) in found


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("services:\n  a:\n    image: x:1\n    extends: missing\n", "extends unknown service missing"),
        ("services:\n  a:\n    extends: {file: nowhere.yml, service: b}\n", "nowhere.yml, which cannot be read"),
        ("services:\n  a:\n    extends: b\n  b:\n    extends: a\n", "nested deeper than 10 levels"),
        ("services:\n  a:\n    extends: {file: fifo, service: b}\n", "cannot read fifo: not a regular file"),
    ],
)
def test_extends_that_cannot_be_followed_is_a_warning(tmp_path: Path, text: str, problem: str) -> None:
    os.mkfifo(tmp_path / "fifo")  # read, it would block forever
    _, notes = findings_by_service(tmp_path, text)
    assert any(problem in note for note in notes), notes

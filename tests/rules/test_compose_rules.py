"""Compose rules: ports, mounts, interpolation from .env, secrets in environment and build args."""

from __future__ import annotations

from pathlib import Path

import pytest

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

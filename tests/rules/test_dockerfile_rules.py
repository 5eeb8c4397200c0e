"""Dockerfile rules on the cases where substring matching goes wrong: stages, shells, heredocs, wrappers."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.config.scanner import scan_paths


def scan(tmp_path: Path, text: str) -> dict[str, list[int]]:
    (tmp_path / "Dockerfile").write_text(text)
    found: dict[str, list[int]] = {}
    for finding in scan_paths([str(tmp_path / "Dockerfile")]).findings:
        found.setdefault(finding.rule_id, []).append(finding.location.line or 0)
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('FROM alpine:3.22 AS build\nUSER root\nFROM alpine:3.22\nCMD ["x"]\n', {"MDF-010"}),
        ('FROM alpine:3.22 AS base\nUSER 10001\nFROM base\nCMD ["x"]\n', set()),
        ("FROM alpine:3.22\nUSER 0:0\n", {"MDF-011"}),
        ("FROM alpine:3.22\nUSER root:root\nUSER app\n", set()),
        ("FROM alpine:3.22\nUSER ${RUNTIME_USER}\n", set()),
        ("FROM gcr.io/distroless/python3-debian12:nonroot\nCOPY app /app\n", set()),
    ],
)
def test_effective_user_of_the_final_image(tmp_path: Path, text: str, expected: set[str]) -> None:
    assert set(scan(tmp_path, text)) & {"MDF-010", "MDF-011"} == expected


def test_unresolved_base_image_is_not_judged(tmp_path: Path) -> None:
    found = scan(tmp_path, "ARG BASE\nFROM ${BASE}\nARG TAG\nFROM python:${TAG}\n")
    assert "MDF-001" not in found and "MDF-002" not in found
    assert "MDF-001" in scan(tmp_path, "ARG IMAGE=python\nFROM ${IMAGE}\n")


@pytest.mark.parametrize(
    ("run", "flagged"),
    [
        ("curl -fsSL https://get.example.com | sh", True),
        ("curl -fsSL https://get.example.com | sudo -E bash -", True),
        ("wget -qO- https://x.example.com/i.py | python3", True),
        ('sh -c "$(curl -fsSL https://x.example.com/install.sh)"', True),
        ("bash <(curl -s https://x.example.com/i.sh)", True),
        ("curl -fsSL https://x.example.com/a.tgz | tar -xz -C /opt", False),
        ("curl -fsSL https://x.example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg", False),
        ("echo 'curl https://x | sh' > /usr/local/bin/notes.txt", False),
    ],
)
def test_remote_script_piped_to_a_shell(tmp_path: Path, run: str, flagged: bool) -> None:
    assert ("MDF-050" in scan(tmp_path, f"FROM debian:12\nRUN {run}\n")) is flagged


@pytest.mark.parametrize(
    ("run", "flagged"),
    [
        ("curl -fsSLo /tmp/i.sh https://x.example.com/i.sh && sh /tmp/i.sh", True),
        ("curl -fsSLO https://x.example.com/tool && chmod +x tool && ./tool --version", True),
        ("wget https://x.example.com/agent.deb && dpkg -i agent.deb", True),
        (
            "curl -fsSLo /tmp/i.sh https://x.example.com/i.sh && echo 'abc  /tmp/i.sh' | sha256sum -c - "
            "&& sh /tmp/i.sh",
            False,
        ),
        (
            "curl -fsSLo a.tgz https://x.example.com/a.tgz && curl -fsSLo a.tgz.asc https://x.example.com/a.tgz.asc "
            "&& gpg --verify a.tgz.asc a.tgz && tar -xzf a.tgz",
            False,
        ),
        ("curl -fsSLo /etc/app.conf https://x.example.com/app.conf", False),
    ],
)
def test_downloads_need_verification(tmp_path: Path, run: str, flagged: bool) -> None:
    assert ("MDF-051" in scan(tmp_path, f"FROM debian:12\nRUN {run}\n")) is flagged


@pytest.mark.parametrize(
    ("run", "world", "system"),
    [
        ("chmod 777 /app/data", True, False),
        ("chmod -R a+rwX /srv/www", True, False),
        ("chmod 1777 /tmp/shared", False, False),
        ("chmod -R 755 /", False, True),
        ("chmod -R 777 /usr/local", True, True),
        ("chown -R app:app /etc", False, True),
        ("chmod -R g+w /app", False, False),
    ],
)
def test_permissions(tmp_path: Path, run: str, world: bool, system: bool) -> None:
    found = scan(tmp_path, f"FROM debian:12\nRUN {run}\n")
    assert ("MDF-052" in found, "MDF-053" in found) == (world, system)


def test_heredoc_scripts_are_shell_with_their_own_lines(tmp_path: Path) -> None:
    found = scan(tmp_path, "FROM debian:12\nRUN <<EOT\nset -e\nsudo true\ncurl -s https://x.example.com | sh\nEOT\n"
                           "RUN python3 <<EOF\nimport os; os.system('sudo true')\nEOF\n")  # fmt: skip
    assert found["MDF-054"] == [4] and found["MDF-050"] == [5]


def test_heredoc_scripts_for_other_interpreters_are_not_shell(tmp_path: Path) -> None:
    found = scan(tmp_path, "FROM python:3.12\nRUN <<EOF\n#!/usr/bin/env python3\nprint('sudo rm -rf /')\nEOF\n"
                           "RUN <<EOF\n#!/bin/bash\nsudo true\nEOF\n")  # fmt: skip
    assert found["MDF-054"] == [8]


def test_continuation_lines_carry_their_own_line_numbers(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n"
        " && sudo rm -rf /var/lib/apt/lists/*\n"
    )
    found = scan(tmp_path, text)
    assert found["MDF-080"] == [3] and found["MDF-054"] == [4]


def test_non_posix_shells_are_not_read_as_sh(tmp_path: Path) -> None:
    found = scan(tmp_path, 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\n'
                           "RUN iwr https://x.example.com/i.ps1 | iex; sudo whatever\n")  # fmt: skip
    assert "MDF-054" not in found and "MDF-050" not in found


def test_onbuild_and_json_form_runs_are_checked(tmp_path: Path) -> None:
    found = scan(tmp_path, 'FROM debian:12\nONBUILD RUN sudo make\nRUN ["/bin/sh", "-c", "apk add curl"]\n')
    assert found["MDF-054"] == [2] and found["MDF-071"] == [3]


@pytest.mark.parametrize(
    ("run", "pinned"),
    [
        ("apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 ./local.deb", True),
        ("apt-get install -y -t bookworm-backports --no-install-recommends curl", False),
        ("apk add --no-cache curl=8.5.0-r0 bash~5.2", True),
        ("yum install -y httpd-2.4.6 && yum clean all", True),
        ("yum install -y python3-pip && yum clean all", False),
    ],
)
def test_os_package_pins(tmp_path: Path, run: str, pinned: bool) -> None:
    assert ("MDF-080" not in scan(tmp_path, f"FROM debian:12\nRUN {run}\n")) is pinned


@pytest.mark.parametrize(
    ("run", "pinned"),
    [
        ("pip install --no-cache-dir flask==3.0.3 'requests>=2.32,<3'", True),
        ("pip install --no-cache-dir -r requirements.txt", True),
        ("python3 -m pip install --no-cache-dir flask", False),
        ("npm install -g @angular/cli@18.2.0 typescript@5.6.3", True),
        ("npm install -g @angular/cli", False),
        ("gem install rails -v 7.2.1", True),
        ("go install golang.org/x/tools/gopls@latest", False),
        ("go install golang.org/x/tools/gopls@v0.16.2", True),
    ],
)
def test_language_package_pins(tmp_path: Path, run: str, pinned: bool) -> None:
    assert ("MDF-081" not in scan(tmp_path, f"FROM debian:12\nRUN {run}\n")) is pinned


def test_secrets_are_never_shown(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nENV DB_PASSWORD=hunter2hunter2\nARG TOKEN=abc123secret\n")
    result = scan_paths([str(tmp_path)])
    text = repr([(f.message, f.evidence) for f in result.findings])
    assert "hunter2" not in text and "abc123secret" not in text
    assert {"MDF-090"} <= {f.rule_id for f in result.findings}


def test_secret_name_heuristics(tmp_path: Path) -> None:
    found = scan(tmp_path, "FROM debian:12\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D "
                           "POSTGRES_PASSWORD_FILE=/run/secrets/pg TOKEN_URL=https://x\nARG npm_token\n")  # fmt: skip
    assert found["MDF-090"] == [3]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("FROM debian:12\nRUN curl -fsSL https://example.com/a | tar -xz\n", [2]),
        # the SHELL of one stage does not carry over to the next
        (
            'FROM debian:12 AS a\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\nFROM debian:12\nRUN c | d\n',
            [5],
        ),
        ("FROM debian:12\nRUN set -eux; \\\n    set -o pipefail; \\\n    a | b\n", []),
        ("FROM debian:12\nRUN a && \\\n    VERSION=$(curl -s https://example.com/v | jq -r .v) && b\n", [3]),
        ("FROM debian:12\nRUN <<EOF\nset -e\ncurl -fsSL https://example.com/a | sh -s\nEOF\n", [4]),
        ('FROM debian:12\nRUN ["bash", "-c", "a | b"]\n', []),  # exec form: no SHELL to set
        ('FROM mcr.microsoft.com/powershell\nSHELL ["pwsh", "-Command"]\nRUN Get-Item x | Remove-Item\n', []),
        ("FROM debian:12\nRUN a || b && c\n", []),
    ],
)
def test_pipes_without_pipefail(tmp_path: Path, text: str, lines: list[int]) -> None:
    assert scan(tmp_path, text).get("MDF-096", []) == lines


def test_trusted_registries(tmp_path: Path) -> None:
    """MDF-097 (hadolint DL3026): only with a trusted list; Docker Hub is docker.io, ``*.domain`` its subdomains."""
    from mamoru.rules.dockerfile.image import trusted_registry_check

    text = (
        "ARG BASE\nFROM alpine:3.22 AS build\nFROM registry.example.com/base/python:3.12\n"
        "FROM cache.mirror.example.com/x:1\nFROM build\nFROM scratch\nFROM ${BASE}\n"
        "FROM docker.io/library/debian:12\nFROM Quay.IO/org/img:1\nFROM mirror.example.com/y:2\n"
    )
    (tmp_path / "Dockerfile").write_text(text)
    assert "MDF-097" not in scan(tmp_path, text)  # no list given: not checked

    def flagged(*trusted: str) -> list[int]:
        findings = scan_paths([str(tmp_path / "Dockerfile")], extra_checks=[trusted_registry_check(trusted)]).findings
        return [f.location.line or 0 for f in findings if f.rule_id == "MDF-097"]

    assert flagged("registry.example.com", "*.mirror.example.com") == [2, 8, 9, 10]
    assert flagged("docker.io", "REGISTRY.example.com", "quay.io") == [4, 10]
    assert flagged("*") == []

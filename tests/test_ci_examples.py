"""The CI examples and the pre-commit hook use only commands and options mamoru has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from mamoru.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = [REPO / "docs" / "ci" / "github-actions.yml", REPO / "docs" / "ci" / "gitlab-ci.yml"]


def command_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\$\{\{[^}]*\}\}|\$[A-Z_]+", "X", line.strip().removeprefix("- ").removeprefix("run: "))
        if line.startswith("mamoru "):
            lines.append(line)
    return lines


def check(line: str) -> None:
    words = shlex.split(line)[1:]
    command = main.get_command(click.Context(main), words[0])
    assert command is not None, f"no command {words[0]!r}: {line}"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for word in words[1:]:
        if word.startswith("-") and word != "-":
            assert word.split("=", 1)[0] in known, f"{words[0]} has no option {word}: {line}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_ci_examples_use_real_options(path: Path) -> None:
    yaml.safe_load(path.read_text())  # valid YAML
    lines = command_lines(path.read_text())
    assert len(lines) >= 4
    for line in lines:
        check(line)


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "mamoru-config")
    check(hook["entry"])
    pattern = re.compile(hook["files"])
    for name in (
        "Dockerfile",
        "app/Dockerfile.prod",
        "build/api.dockerfile",
        "docker-compose.yml",
        "compose.yaml",
        "k8s/deploy.yaml",
        "deploy/manifests/svc.yml",
        "Containerfile",
    ):
        assert pattern.search(name), name
    for name in ("README.md", "src/app.py", ".github/workflows/ci.yml", "values.txt"):
        assert not pattern.search(name), name

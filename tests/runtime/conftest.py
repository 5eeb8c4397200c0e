"""A private real Docker engine for the runtime audit (tests/fixtures/runtime-docker.sh) and containers on it.

Containers get no network (the engine has no bridge) and are removed when their test module ends;
names carry the xdist worker and process id so parallel workers never collide.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, _build_once

RUNTIME_STAMP = "runtime-docker.ok"
DOCKER = "/usr/bin/docker"


def _env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (path / "runtime" / "docker.env").read_text().split())


@pytest.fixture(scope="session")
def runtime_engine(images: Path) -> Iterator[str]:
    """DOCKER_HOST of the private engine (started once per machine; restarted when it is gone)."""
    path = _build_once(RUNTIME_STAMP, "runtime-docker.sh")
    host = _env(path)["DOCKER_HOST"]
    if subprocess.run([DOCKER, "info"], env={**os.environ, "DOCKER_HOST": host}, capture_output=True,
                      check=False).returncode != 0:  # fmt: skip
        (FIXTURES / RUNTIME_STAMP).unlink()
        path = _build_once(RUNTIME_STAMP, "runtime-docker.sh")
        host = _env(path)["DOCKER_HOST"]
    yield host


class Engine:
    """Runs the real docker CLI against the private engine and removes what it created."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.prefix = f"mamoru-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
        self.created: list[str] = []

    def docker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([DOCKER, *args], env={**os.environ, "DOCKER_HOST": self.host}, capture_output=True,
                                text=True, check=False, timeout=120)  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr}")
        return result

    def name(self, label: str) -> str:
        return f"{self.prefix}-{label}"

    def container(self, label: str, *args: str, image: str = "feas/alpine:latest", command: tuple[str, ...] = (
            "sleep", "600"), start: bool = True) -> str:  # fmt: skip
        """``docker run -d`` (or ``docker create``) a container; returns its name."""
        name = self.name(label)
        self.docker("rm", "-f", name, check=False)
        self.created.append(name)
        self.docker("run" if start else "create", *(("-d",) if start else ()), "--name", name, *args, image, *command)
        return name

    def wait_for_processes(self, name: str, text: str, attempts: int = 100) -> None:
        """Wait until ``docker top`` lists a process whose command contains ``text`` (a shell that execs)."""
        for _ in range(attempts):
            if text in self.docker("top", name, check=False).stdout:
                return
            time.sleep(0.1)
        raise AssertionError(f"{name} never ran {text}")

    def cleanup(self) -> None:
        if self.created:
            self.docker("rm", "-f", *self.created, check=False)
        self.created.clear()


@pytest.fixture(scope="module")
def engine(runtime_engine: str) -> Iterator[Engine]:
    """A helper for the private engine; its containers are removed at the end of the module."""
    helper = Engine(runtime_engine)
    yield helper
    helper.cleanup()

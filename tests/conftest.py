"""Shared test fixtures: real images built once per run under .cache/fixtures (see tests/fixtures/)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("MAMORU_FIXTURES", REPO / ".cache" / "fixtures"))
SCRIPTS = REPO / "tests" / "fixtures"
IMAGES_STAMP = "images.ok"
DOCKER_STAMP = "docker.ok"
PLANTED_STAMP = "planted.ok"


def _build_once(stamp: str, script: str) -> Path:
    """Run a fixture script once per machine (a stamp marks success; a lock serialises xdist workers)."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with open(FIXTURES / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (FIXTURES / stamp).exists():
            log = FIXTURES / f"{script}.log"
            with open(log, "w") as out:
                result = subprocess.run(
                    ["bash", str(SCRIPTS / script)],
                    env={**os.environ, "OUT": str(FIXTURES)},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            if result.returncode != 0:
                pytest.fail(
                    f"fixture script {script} failed (exit {result.returncode}); see {log}:\n" + log.read_text()[-3000:]
                )
            (FIXTURES / stamp).touch()
    return FIXTURES


@pytest.fixture(scope="session")
def images() -> Path:
    """The real image fixtures (Debian bookworm base/app, Alpine 3.23, OCI layout, archives)."""
    return _build_once(IMAGES_STAMP, "build-images.sh")


@pytest.fixture(scope="session")
def planted(images: Path) -> Path:
    """The `planted` image: secrets, malware samples, risky files and config (tests/fixtures/plant_content.py)."""
    return _build_once(PLANTED_STAMP, "build-planted-image.sh")


@pytest.fixture(scope="session")
def docker_images(images: Path) -> Iterator[Path]:
    """An image built and saved by a real Docker 20.10 engine; DOCKER_HOST points at that engine."""
    path = _build_once(DOCKER_STAMP, "docker-image.sh")
    env = dict(line.split("=", 1) for line in (path / "docker.env").read_text().split())
    old = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = env["DOCKER_HOST"]
    if subprocess.run(["/usr/bin/docker", "info"], capture_output=True, check=False).returncode != 0:
        (path / DOCKER_STAMP).unlink()  # the daemon is gone (new session): start it again
        _build_once(DOCKER_STAMP, "docker-image.sh")
    yield path
    if old is None:
        os.environ.pop("DOCKER_HOST", None)
    else:
        os.environ["DOCKER_HOST"] = old


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private mamoru cache for one test."""
    path = tmp_path / "cache"
    monkeypatch.setenv("MAMORU_CACHE_DIR", str(path))
    return path


def mamoru(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "mamoru", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=600,
    )


def which(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; .ci/run installs it")
    return path

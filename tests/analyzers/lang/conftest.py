"""Fixtures of the language analyzers: a real image with packages of many ecosystems, scanned once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import _build_once, mamoru, which

LANG_STAMP = "lang-images.ok"
FOREIGN_STAMP = "foreign-binaries.ok"
GO_MODULES_STAMP = "go-modules.ok"


def _build_with_this_python(stamp: str, script: str) -> Path:
    """``_build_once`` with ``$PYTHON`` set to the test interpreter (its pip fetches the Python packages)."""
    old = os.environ.get("PYTHON")
    os.environ["PYTHON"] = sys.executable
    try:
        return _build_once(stamp, script)
    finally:
        if old is None:
            os.environ.pop("PYTHON", None)
        else:
            os.environ["PYTHON"] = old


@pytest.fixture(scope="session")
def foreign_binaries() -> Path:
    """Real Windows and macOS executables (tests/fixtures/fetch-foreign-binaries.sh): ``foreign/``."""
    return _build_with_this_python(FOREIGN_STAMP, "fetch-foreign-binaries.sh") / "foreign"


@pytest.fixture(scope="session")
def go_modules() -> Path:
    """Real Go modules from Debian with go.mod and go.sum (tests/fixtures/fetch-go-modules.sh): ``go-modules/``."""
    return _build_once(GO_MODULES_STAMP, "fetch-go-modules.sh") / "go-modules"


@pytest.fixture(scope="session")
def lang_images(images: Path) -> Path:
    """``lang-docker.tar`` (built on oci:base by tests/fixtures/build-lang-images.sh) and its ``lang-truth/``."""
    return _build_with_this_python(LANG_STAMP, "build-lang-images.sh")


@pytest.fixture(scope="session")
def lang_report(lang_images: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """mamoru's JSON report of the lang image (the real CLI, run once per session)."""
    cache = tmp_path_factory.mktemp("lang-cache")
    result = mamoru(
        "image", str(lang_images / "lang-docker.tar"), "-f", "json", "-q", env={"MAMORU_CACHE_DIR": str(cache)}
    )
    assert result.returncode == 0, result.stderr
    yield json.loads(result.stdout)


def packages_of(report: dict[str, object], kind: str, found_by: str | None = None) -> list[dict[str, object]]:
    """The report's packages of one type (and analyzer)."""
    packages = report["packages"]
    assert isinstance(packages, list)
    return [p for p in packages if p["type"] == kind and (found_by is None or p["foundBy"] == found_by)]


def go_version_m(binary: Path) -> set[tuple[str, str]]:
    """Modules of ``go version -m`` (replacements applied) and the toolchain as ``stdlib``."""
    output = subprocess.run([which("go"), "version", "-m", str(binary)], capture_output=True, text=True, check=True)
    lines = output.stdout.splitlines()
    found: list[tuple[str, str]] = []
    go = lines[0].split(": ", 1)[1].strip()
    for line in lines[1:]:
        fields = line.strip().split("\t")
        if fields[0] in ("mod", "dep") and len(fields) >= 3:
            found.append((fields[1], "" if fields[2] == "(devel)" else fields[2]))
        elif fields[0] == "=>":
            found[-1] = (fields[1], fields[2])
    return {*found, ("stdlib", "v" + go.removeprefix("go"))}

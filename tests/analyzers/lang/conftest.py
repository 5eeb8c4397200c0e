"""Fixtures of the language analyzers: a real image with packages of many ecosystems, scanned once."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import _build_once, mamoru

LANG_STAMP = "lang-images.ok"


@pytest.fixture(scope="session")
def lang_images(images: Path) -> Path:
    """``lang-docker.tar`` (built on oci:base by tests/fixtures/build-lang-images.sh) and its ``lang-truth/``."""
    old = os.environ.get("PYTHON")
    os.environ["PYTHON"] = sys.executable  # pip of the test interpreter installs the Python packages
    try:
        return _build_once(LANG_STAMP, "build-lang-images.sh")
    finally:
        if old is None:
            os.environ.pop("PYTHON", None)
        else:
            os.environ["PYTHON"] = old


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

"""Fixtures for the version tests: the real tools (see tools.py), and the extracted Alpine rootfs for apk."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from tests.versions import tools


@pytest.fixture(scope="session")
def dpkg_compare() -> Callable[..., list[int]]:
    return tools.dpkg_compare


@pytest.fixture(scope="session")
def rpm_compare() -> Callable[..., list[int]]:
    return tools.rpm_compare


@pytest.fixture(scope="session")
def alpine_root(images: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tools.extract_alpine_root(images, tmp_path_factory.mktemp("alpine-root"))


@pytest.fixture(scope="session")
def apk_tool(alpine_root: Path) -> Callable[..., list[int | str]]:
    return partial(tools.apk_compare, alpine_root)


@pytest.fixture(scope="session")
def node_semver_compare() -> Callable[..., list[int | None]]:
    return tools.node_semver_compare


@pytest.fixture(scope="session")
def maven_compare() -> Callable[..., list[int]]:
    return tools.maven_compare


@pytest.fixture(scope="session")
def gem_compare() -> Callable[..., list[int | None]]:
    return tools.gem_compare

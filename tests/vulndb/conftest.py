"""Fixtures of the vulnerability database tests: the shared advisory data and the database built from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.vulndb.support import full_database, vulndata_path


@pytest.fixture(scope="session")
def vulndata() -> Path:
    return vulndata_path()


@pytest.fixture(scope="session")
def shared_db() -> Path:
    return full_database()

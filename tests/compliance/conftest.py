"""The full compliance run uses the runtime tests' private Docker engine."""

from __future__ import annotations

from tests.runtime.conftest import engine, runtime_engine

__all__ = ["engine", "runtime_engine"]

"""The host tests use the runtime tests' private Docker engine (for the live-host audit)."""

from __future__ import annotations

from tests.runtime.conftest import runtime_engine

__all__ = ["runtime_engine"]

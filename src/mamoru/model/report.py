"""What a report renders: the inventory plus when and by what it was made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from mamoru import __version__
from mamoru.model.inventory import Inventory


@dataclass(slots=True, kw_only=True)
class ScanReport:
    """One scan's result, handed to a report writer."""

    inventory: Inventory
    target: str
    command: str
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    tool_version: str = __version__
    list_packages: bool = False  # table format: list every package, not only the per-layer summary

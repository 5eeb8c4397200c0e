"""The detector interface: ``detect(inventory, context) -> findings``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import Inventory, Note


@dataclass(slots=True, kw_only=True)
class DetectContext:
    """What detectors may use besides the inventory: options and a place to leave notes."""

    db_path: Path | None = None  # the vulnerability database (None: the default location)
    notes: list[Note] = field(default_factory=list)


class Detector(Protocol):
    """Produces findings of one kind from an inventory (Trivy's per-scanner drivers, Grype's matchers)."""

    name: ClassVar[str]
    kind: ClassVar[FindingKind]

    def detect(self, inventory: Inventory, context: DetectContext) -> Sequence[Finding]:
        """Findings about the inventory's artifact; problems that do not stop the scan go to ``context.notes``."""
        ...

"""The detectors a scan can run: built-ins listed explicitly, plugins from the ``mamoru.detectors`` entry points."""

from __future__ import annotations

from collections.abc import Collection

from mamoru.analyzers.registry import load_plugins
from mamoru.detectors.base import Detector
from mamoru.detectors.image.files import RiskyFilesDetector
from mamoru.detectors.image.hardening import ImageHardeningDetector
from mamoru.detectors.image.secrets import ImageConfigSecretDetector
from mamoru.detectors.vuln import VulnerabilityDetector
from mamoru.errors import MamoruError
from mamoru.model.finding import FindingKind

ENTRY_POINT_GROUP = "mamoru.detectors"
BUILTIN_DETECTORS: tuple[type[Detector], ...] = (
    ImageConfigSecretDetector,
    ImageHardeningDetector,
    RiskyFilesDetector,
    VulnerabilityDetector,
)


def load_detectors(kinds: Collection[FindingKind] | None = None, with_plugins: bool = True) -> list[Detector]:
    """Instantiate the detectors for ``kinds`` (all when None); names must be unique."""
    detectors: list[Detector] = [cls() for cls in BUILTIN_DETECTORS]
    if with_plugins:
        detectors.extend(load_plugins(ENTRY_POINT_GROUP))
    seen: set[str] = set()
    for detector in detectors:
        if detector.name in seen:
            raise MamoruError(f"two detectors are named {detector.name!r}")
        seen.add(detector.name)
    return [d for d in detectors if kinds is None or d.kind in kinds]

"""The detectors a scan can run: built-ins listed explicitly, plugins from the ``mamoru.detectors`` entry points."""

from __future__ import annotations

from collections.abc import Collection

from mamoru.analyzers.registry import Builtin, load_plugins
from mamoru.detectors.base import Detector
from mamoru.errors import MamoruError
from mamoru.model.finding import FindingKind

ENTRY_POINT_GROUP = "mamoru.detectors"
BUILTIN_DETECTORS: tuple[Builtin, ...] = (
    Builtin("mamoru.detectors.image.secrets:ImageConfigSecretDetector", FindingKind.SECRET),
    Builtin("mamoru.detectors.image.hardening:ImageHardeningDetector", FindingKind.MISCONFIGURATION),
    Builtin("mamoru.detectors.image.files:RiskyFilesDetector", FindingKind.FILE),
    Builtin("mamoru.detectors.vuln:VulnerabilityDetector", FindingKind.VULNERABILITY),
)


def load_detectors(kinds: Collection[FindingKind] | None = None, with_plugins: bool = True) -> list[Detector]:
    """Instantiate the detectors for ``kinds`` (all when None); names must be unique."""
    detectors: list[Detector] = [
        builtin.load()() for builtin in BUILTIN_DETECTORS if kinds is None or builtin.kind in kinds
    ]
    if with_plugins:
        detectors.extend(load_plugins(ENTRY_POINT_GROUP))
    seen: set[str] = set()
    for detector in detectors:
        if detector.name in seen:
            raise MamoruError(f"two detectors are named {detector.name!r}")
        seen.add(detector.name)
    return [d for d in detectors if kinds is None or d.kind in kinds]

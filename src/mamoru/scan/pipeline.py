"""The one pipeline every command runs: open the target, walk it once, resolve the inventory."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from mamoru.analyzers.base import Analyzer
from mamoru.analyzers.registry import load_analyzers
from mamoru.content.settings import ContentSettings
from mamoru.detectors.base import DetectContext
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import Inventory
from mamoru.scan.resolve import resolve_inventory
from mamoru.targets.detect import open_filesystem, open_image
from mamoru.targets.source import ImageSource
from mamoru.walk.limits import DEFAULT_LIMITS, Limits
from mamoru.walk.walker import Progress, Walker, WalkResult

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanOptions:
    """How to open and read a target, and which detectors to run on its inventory."""

    platform: str | None = None
    docker_host: str | None = None
    limits: Limits = DEFAULT_LIMITS
    scanners: frozenset[FindingKind] = frozenset()  # detector kinds to run after the inventory
    db_path: Path | None = None
    content: ContentSettings = field(default_factory=ContentSettings)  # user YARA rules, hash lists, allow-list
    # A forked worker walks some layers (mamoru.walk.layer_worker). Programs that call the pipeline
    # from several threads at once should turn it off: fork() copies only the calling thread.
    parallel_layers: bool = True


def scan_source(source: ImageSource, options: ScanOptions, progress: Progress | None = None) -> Inventory:
    """Walk an opened source with every analyzer, resolve its inventory, run the chosen detectors."""
    analyzers = analyzers_for(options.scanners, options.content)
    walker = Walker(analyzers, options.limits, progress, parallel=options.parallel_layers)
    started = time.perf_counter()
    walked = walker.walk(source)
    post_analyze(analyzers, walked)
    walk_done = time.perf_counter()
    inventory = resolve_inventory(source.artifact, walked, source.notes)
    resolved = time.perf_counter()
    detect(inventory, options)
    _log.debug(
        "walked %d layers (%d entries, %d files analysed) in %.3f s; resolved %d packages in %.3f s; "
        "detectors %.3f s",
        len(source.artifact.layers), sum(walked.layer_file_counts.values()), len(walked.analyzed),
        walk_done - started, len(inventory.packages), resolved - walk_done, time.perf_counter() - resolved,
    )  # fmt: skip
    return inventory


def post_analyze(analyzers: list[Analyzer], walked: WalkResult) -> None:
    """Let analyzers with a ``post_analyze`` hook revise their files' results, seeing all of them at once."""
    for analyzer in analyzers:
        hook = getattr(analyzer, "post_analyze", None)
        if hook is not None:
            hook([file for file in walked.analyzed if file.analyzer == analyzer.name])


def available_scanners() -> frozenset[FindingKind]:
    """Every finding kind some detector or finding analyzer provides: the default ``--scanners``."""
    from mamoru.analyzers.registry import BUILTIN_ANALYZERS, ENTRY_POINT_GROUP, load_plugins
    from mamoru.detectors import registry as detectors

    builtins = (*BUILTIN_ANALYZERS, *detectors.BUILTIN_DETECTORS)
    plugins = (*load_plugins(ENTRY_POINT_GROUP), *load_plugins(detectors.ENTRY_POINT_GROUP))
    kinds = {builtin.kind for builtin in builtins} | {getattr(plugin, "kind", None) for plugin in plugins}
    return frozenset(kind for kind in kinds if kind is not None)


def analyzers_for(scanners: frozenset[FindingKind], content: ContentSettings | None = None) -> list[Analyzer]:
    """Inventory analyzers always run; finding analyzers (``kind`` set, e.g. secrets) only when chosen.

    Analyzers with a ``configure(settings)`` method receive the user's content settings.
    """
    chosen = [a for a in load_analyzers(scanners) if getattr(a, "kind", None) in (None, *scanners)]
    for analyzer in chosen:
        configure = getattr(analyzer, "configure", None)
        if configure is not None and content is not None:
            configure(content)
    return chosen


def detect(inventory: Inventory, options: ScanOptions) -> None:
    """Run the detectors for ``options.scanners`` and add their findings and notes to the inventory."""
    if options.scanners:
        from mamoru.detectors.registry import load_detectors

        context = DetectContext(db_path=options.db_path)
        for detector in load_detectors(options.scanners):
            inventory.findings.extend(detector.detect(inventory, context))
        inventory.notes.extend(context.notes)
    inventory.findings.sort(key=finding_order)


def finding_order(finding: Finding) -> tuple[int, str, str, str]:
    """Most severe first, then by kind, id and place."""
    where = finding.package.name if finding.package else finding.location.path if finding.location else ""
    return (-finding.severity.rank, finding.kind.value, finding.rule_id, where)


def scan_image(target: str, options: ScanOptions, progress: Progress | None = None) -> Inventory:
    """Inventory of an image: archive, OCI layout or a Docker daemon image."""
    source = open_image(target, options.limits, options.platform, options.docker_host)
    try:
        return scan_source(source, options, progress)
    finally:
        source.close()


def scan_filesystem(target: str, options: ScanOptions, progress: Progress | None = None) -> Inventory:
    """Inventory of a root filesystem directory or tarball."""
    source = open_filesystem(target, options.limits)
    try:
        return scan_source(source, options, progress)
    finally:
        source.close()

"""The one pipeline every command runs: open the target, walk it once, resolve the inventory."""

from __future__ import annotations

from dataclasses import dataclass

from mamoru.analyzers.registry import load_analyzers
from mamoru.model.inventory import Inventory
from mamoru.scan.resolve import resolve_inventory
from mamoru.targets.detect import open_filesystem, open_image
from mamoru.targets.source import ImageSource
from mamoru.walk.limits import DEFAULT_LIMITS, Limits
from mamoru.walk.walker import Progress, Walker


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanOptions:
    """How to open and read a target."""

    platform: str | None = None
    docker_host: str | None = None
    limits: Limits = DEFAULT_LIMITS


def scan_source(source: ImageSource, options: ScanOptions, progress: Progress | None = None) -> Inventory:
    """Walk an opened source with every analyzer and resolve its inventory."""
    walker = Walker(load_analyzers(), options.limits, progress)
    walked = walker.walk(source)
    return resolve_inventory(source.artifact, walked, source.notes)


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

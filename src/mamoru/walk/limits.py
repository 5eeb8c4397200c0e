"""Safety bounds for reading untrusted images."""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Bounds that keep a hostile image from exhausting time, memory or disk.

    ``max_layer_bytes``: uncompressed bytes per layer. ``max_compression_ratio`` applies once a layer
    has produced ``ratio_grace_bytes`` (real layers compress 2-10x; gzip bombs 1000x).
    ``max_metadata_bytes``: manifests, indexes and configs. ``max_file_read``: bytes of one file handed
    to analyzers (larger files are recorded as skipped). ``max_files``: file records kept for the
    squashed view (files analyzers read are always kept). ``max_members``: tar entries per layer.
    """

    max_layer_bytes: int = 64 * GiB
    max_compression_ratio: int = 250
    ratio_grace_bytes: int = 256 * MiB
    max_metadata_bytes: int = 16 * MiB
    max_file_read: int = 512 * MiB
    in_memory_file_bytes: int = 32 * MiB
    max_files: int = 2_000_000
    max_members: int = 5_000_000
    max_outer_members: int = 100_000
    max_archive_bytes: int = 256 * GiB


DEFAULT_LIMITS = Limits()

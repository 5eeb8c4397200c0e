"""Open one layer blob as a verified, bounded, decompressed tar stream."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from mamoru.errors import TargetError
from mamoru.walk.limits import Limits
from mamoru.walk.streams import (
    CHUNK,
    DECOMPRESSION_ERRORS,
    BoundedReader,
    DigestReader,
    RawReader,
    Readable,
    check_digest,
    decompressing,
    hasher_for,
)
from mamoru.walk.tar_layer import TarLayerReader


class CorruptStreamError(OSError):
    """The compressed stream of a layer cannot be decoded."""


class GuardedReader(RawReader):
    """Turns decompressor exceptions (zlib.error, ZstdError …) into :class:`CorruptStreamError`."""

    def __init__(self, inner: Readable, compression: str) -> None:
        super().__init__()
        self._inner = inner
        self._compression = compression

    def _read(self, size: int) -> bytes:
        try:
            return self._inner.read(size)
        except DECOMPRESSION_ERRORS as exc:
            raise CorruptStreamError(f"{self._compression} data is corrupt: {exc}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class BlobExpectation:
    """What a layer blob must be: its digest and size (from the manifest) and diff_id (from the config)."""

    digest: str = ""
    size: int | None = None
    diff_id: str = ""


class LayerStream:
    """An open layer: ``reader`` yields its entries; ``bytes_read`` counts the blob bytes consumed."""

    def __init__(self, reader: TarLayerReader, raw: DigestReader, compression: str) -> None:
        self.reader = reader
        self._raw = raw
        self.compression = compression

    @property
    def bytes_read(self) -> int:
        return self._raw.count


@contextmanager
def open_layer_stream(blob: IO[bytes], expect: BlobExpectation, limits: Limits, what: str) -> Iterator[LayerStream]:
    """Yield the layer's tar entries; on a clean exit, check the blob digest, size and diff_id.

    The blob is read exactly once: hashed as it arrives, decompressed by its magic bytes, counted
    against the size and decompression-bomb bounds, hashed again for the diff_id when compressed.
    """
    named = expect.digest or expect.diff_id
    raw_algorithm = hasher_for(named, what) if named else "sha256"
    raw = DigestReader(blob, raw_algorithm)
    decompressed, compression = decompressing(raw)
    guarded = GuardedReader(decompressed, compression)
    bounded = BoundedReader(guarded, limits, raw if compression != "none" else None, what)
    diff: DigestReader | None = None
    top: Readable = bounded
    if compression != "none" and expect.diff_id:
        diff = DigestReader(top, hasher_for(expect.diff_id, what))
        top = diff
    stream = LayerStream(TarLayerReader(top, limits, what), raw, compression)
    try:
        yield stream
        _finish(top, raw, diff, expect, what)
    finally:
        blob.close()


def _finish(top: Readable, raw: DigestReader, diff: DigestReader | None, expect: BlobExpectation, what: str) -> None:
    try:
        while top.read(CHUNK):
            pass
    except CorruptStreamError:
        pass  # the digest check below says whether the blob itself is damaged
    raw.drain()
    if expect.size is not None and raw.count != expect.size:
        raise TargetError(f"{what}: size mismatch (manifest says {expect.size} bytes, blob has {raw.count})")
    if expect.digest:
        check_digest(raw, expect.digest, what)
    if expect.diff_id:
        check_digest(diff if diff is not None else raw, expect.diff_id, f"{what} (uncompressed)")

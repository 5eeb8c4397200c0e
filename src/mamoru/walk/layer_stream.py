"""Open one layer blob as a verified, bounded, decompressed tar stream."""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from mamoru.errors import LimitExceeded, TargetError
from mamoru.walk.limits import Limits
from mamoru.walk.streams import CHUNK, DECOMPRESSION_ERRORS, DigestReader, Readable, decompressing, hasher_for
from mamoru.walk.tar_layer import TarLayerReader


class CorruptStreamError(OSError):
    """The compressed stream of a layer cannot be decoded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BlobExpectation:
    """What a layer blob must be: its digest and size (from the manifest) and diff_id (from the config)."""

    digest: str = ""
    size: int | None = None
    diff_id: str = ""


class Prefetcher:
    """Reads (and decompresses, and hashes) the next chunks in a background thread.

    File reads, zlib/zstd decompression and hashlib all release the GIL, so this work overlaps
    with tar parsing in the main thread. At most ``depth`` chunks wait in the queue, so memory
    stays bounded; errors travel through the queue and are raised in the reader's thread.
    """

    _END = b""

    def __init__(self, decoded: Readable, hasher: hashlib._Hash | None, depth: int = 4) -> None:
        self._decoded = decoded
        self._hasher = hasher
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, name="mamoru-layer-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                chunk = self._decoded.read(CHUNK)
                if chunk and self._hasher is not None:
                    self._hasher.update(chunk)
                self._put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1, /) -> bytes:
        """The next chunk (any size), or b"" at the end."""
        if self._done:
            return b""
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._done = True
            raise item
        if not item:
            self._done = True
        return item

    def close(self) -> None:
        """Stop the thread (also when the consumer gave up early) and wait for it."""
        self._stop.set()
        self._thread.join()


class DecodedBytes:
    """The decoded bytes of a layer (or archive) as tarfile reads them: hashed, counted, bounded, buffered.

    The decoder is asked for 1 MiB at a time, so the whole chain below (decompression, blob hash,
    file reads) runs about once per MiB; tarfile's many 512-byte and 10 KiB reads are served from
    the buffer here.
    """

    def __init__(
        self,
        decoded: Readable,
        compression: str,
        raw: DigestReader,
        diff_algorithm: str | None,
        limits: Limits,
        what: str,
        max_bytes: int | None = None,
    ) -> None:
        self._compression = compression
        self._raw = raw
        self._hash = hashlib.new(diff_algorithm) if diff_algorithm else None
        # A compressed layer is hashed twice (blob digest, diff_id) and inflated; in one thread that
        # is three times the work of the parse. A second thread hashes the inflated bytes while the
        # first reads, hashes and inflates the next chunk, so the two cores share it.
        self._inflated = Prefetcher(decoded, None) if self._hash is not None else None
        self._decoded = Prefetcher(self._inflated or decoded, self._hash)
        self._limits = limits
        self._what = what
        self._max_bytes = limits.max_layer_bytes if max_bytes is None else max_bytes
        self._buffer = b""
        self._offset = 0
        self.count = 0

    @property
    def hashes_diff_id(self) -> bool:
        return self._hash is not None

    @property
    def diff_digest(self) -> str:
        assert self._hash is not None
        return f"{self._hash.name}:{self._hash.hexdigest()}"

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            parts = [self._buffer[self._offset :]]
            while chunk := self._fill():
                parts.append(chunk)
            self._buffer, self._offset = b"", 0
            return b"".join(parts)
        available = len(self._buffer) - self._offset
        if available >= size:
            start = self._offset
            self._offset += size
            return self._buffer[start : self._offset]
        # across chunks: copy only the bytes asked for (a 512-byte header must not copy a 1 MiB chunk)
        parts = [self._buffer[self._offset :]]
        self._buffer, self._offset = b"", 0
        missing = size - available
        while missing > 0 and (chunk := self._fill()):
            if len(chunk) > missing:
                parts.append(chunk[:missing])
                self._buffer, self._offset = chunk, missing
                break
            parts.append(chunk)
            missing -= len(chunk)
        return b"".join(parts)

    def skip(self, size: int) -> int:
        """Move ``size`` bytes forward without copying them; return how many were there."""
        available = len(self._buffer) - self._offset
        if available >= size:
            self._offset += size
            return size
        skipped = available
        self._buffer, self._offset = b"", 0
        while skipped < size and (chunk := self._fill()):
            if skipped + len(chunk) > size:
                self._buffer, self._offset = chunk, size - skipped
                return size
            skipped += len(chunk)
        return skipped

    def _fill(self) -> bytes:
        try:
            chunk = self._decoded.read(CHUNK)
        except DECOMPRESSION_ERRORS as exc:
            raise CorruptStreamError(f"{self._compression} data is corrupt: {exc}") from None
        if not chunk:
            return b""
        self.count += len(chunk)
        self._check_bounds()
        return chunk

    def close(self) -> None:
        """Stop the background readers."""
        self._decoded.close()
        if self._inflated is not None:
            self._inflated.close()

    def _check_bounds(self) -> None:
        limits = self._limits
        if self.count > self._max_bytes:
            raise LimitExceeded(f"{self._what} is larger than {self._max_bytes} bytes uncompressed")
        if self._compression != "none" and self.count > limits.ratio_grace_bytes:
            ratio = self.count / max(1, self._raw.count)
            if ratio > limits.max_compression_ratio:
                raise LimitExceeded(
                    f"{self._what} decompresses more than {limits.max_compression_ratio}x "
                    f"({self._raw.count} -> {self.count}+ bytes): refusing a decompression bomb"
                )


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
    raw = DigestReader(blob, hasher_for(named, what) if named else "sha256")
    decoded, compression = decompressing(raw)
    diff_algorithm = hasher_for(expect.diff_id, what) if compression != "none" and expect.diff_id else None
    data = DecodedBytes(decoded, compression, raw, diff_algorithm, limits, what)
    stream = LayerStream(TarLayerReader(data, limits, what), raw, compression)
    try:
        yield stream
        _finish(data, raw, expect, what)
    finally:
        data.close()
        blob.close()


def _finish(data: DecodedBytes, raw: DigestReader, expect: BlobExpectation, what: str) -> None:
    try:
        while data.read(CHUNK):
            pass
    except CorruptStreamError:
        pass  # the digest check below says whether the blob itself is damaged
    data.close()
    raw.drain()
    if expect.size is not None and raw.count != expect.size:
        raise TargetError(f"{what}: size mismatch (manifest says {expect.size} bytes, blob has {raw.count})")
    if expect.digest:
        _check(raw.digest, expect.digest, what)
    if expect.diff_id:
        actual = data.diff_digest if data.hashes_diff_id else raw.digest
        _check(actual, expect.diff_id, f"{what} (uncompressed)")


def _check(actual: str, expected: str, what: str) -> None:
    if actual != expected:
        raise TargetError(f"{what}: digest mismatch (expected {expected}, content is {actual})")

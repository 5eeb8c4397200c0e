"""Hostile and unusual layer tars: never a crash, never an escape, always bounded."""

from __future__ import annotations

import gzip
import io
import tarfile
import threading
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.helpers import Entry, layer_tar, sha256

from mamoru.errors import LimitExceeded, TargetError
from mamoru.model.inventory import FileKind, NoteKind
from mamoru.walk.entries import normalize_name
from mamoru.walk.layer_stream import BlobExpectation, open_layer_stream
from mamoru.walk.limits import Limits, MiB
from mamoru.walk.tar_layer import TarLayerReader, _byte_sum


def entries_of(blob: bytes, limits: Limits | None = None, expect: BlobExpectation | None = None):
    with open_layer_stream(io.BytesIO(blob), expect or BlobExpectation(), limits or Limits(), "layer") as stream:
        found = [
            (e.path, e.kind, e.open().read() if e.kind is FileKind.FILE else None) for e in stream.reader.entries()
        ]
        notes = list(stream.reader.notes)
    return found, notes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("./usr/bin/", "usr/bin"),
        ("/etc/passwd", "etc/passwd"),
        ("a//b/./c", "a/b/c"),
        (".", ""),
        ("../etc/shadow", None),
        ("a/../../x", None),
        ("usr/../etc", None),
    ],
)
def test_normalize_name(name: str, expected: str | None) -> None:
    assert normalize_name(name) == expected


def test_traversal_and_absolute_names_never_escape() -> None:
    blob = layer_tar([Entry("../../etc/cron.d/evil", b"x"), Entry("/etc/passwd", b"root"), Entry("ok.txt", b"ok")])
    found, notes = entries_of(blob)
    assert [(p, d) for p, _, d in found] == [("etc/passwd", b"root"), ("ok.txt", b"ok")]
    assert any(n.kind is NoteKind.SKIPPED and "escapes" in n.message for n in notes)


def test_links_devices_and_fifos_are_recorded_not_followed() -> None:
    blob = layer_tar(
        [
            Entry("etc/shadow-link", type=tarfile.SYMTYPE, linkname="/etc/shadow"),
            Entry("escape", type=tarfile.SYMTYPE, linkname="../../../../root/.ssh/id_rsa"),
            Entry("hard", type=tarfile.LNKTYPE, linkname="../../outside"),
            Entry("dev/zero", type=tarfile.CHRTYPE),
            Entry("dev/sda", type=tarfile.BLKTYPE),
            Entry("run/fifo", type=tarfile.FIFOTYPE),
        ]
    )
    found, _ = entries_of(blob)
    kinds = {p: k for p, k, _ in found}
    assert kinds == {
        "etc/shadow-link": FileKind.SYMLINK,
        "escape": FileKind.SYMLINK,
        "hard": FileKind.HARDLINK,
        "dev/zero": FileKind.CHAR_DEVICE,
        "dev/sda": FileKind.BLOCK_DEVICE,
        "run/fifo": FileKind.FIFO,
    }


def test_truncated_layer_gives_partial_result_and_a_note() -> None:
    blob = layer_tar([Entry("a.txt", b"a" * 2000), Entry("b.txt", b"b" * 100_000)])
    found, notes = entries_of(blob[:3000])
    assert found and found[0][0] == "a.txt"
    assert any("truncated" in n.message or "corrupt" in n.message for n in notes)


def test_truncated_layer_with_digest_is_an_error() -> None:
    blob = layer_tar([Entry("a.txt", b"a" * 2000), Entry("b.txt", b"b" * 100_000)])
    with pytest.raises(TargetError, match="digest mismatch"):
        entries_of(blob[:3000], expect=BlobExpectation(diff_id=sha256(blob)))


def test_missing_end_of_archive_marker_is_tolerated() -> None:
    """umoci 0.4.7 writes such tars; the digest is right, so the content is what the image holds."""
    blob = layer_tar([Entry("a.txt", b"hello")], end_marker=False)
    found, notes = entries_of(blob, expect=BlobExpectation(diff_id=sha256(blob)))
    assert [p for p, _, _ in found] == ["a.txt"]
    assert not notes


def test_digest_and_size_are_verified() -> None:
    blob = gzip.compress(layer_tar([Entry("a", b"1")]))
    good = BlobExpectation(digest=sha256(blob), size=len(blob), diff_id=sha256(gzip.decompress(blob)))
    entries_of(blob, expect=good)
    with pytest.raises(TargetError, match="digest mismatch"):
        entries_of(blob, expect=BlobExpectation(digest=sha256(b"other")))
    with pytest.raises(TargetError, match="size mismatch"):
        entries_of(blob, expect=BlobExpectation(size=len(blob) + 1))
    with pytest.raises(TargetError, match=r"uncompressed.*digest mismatch"):
        entries_of(blob, expect=BlobExpectation(diff_id=sha256(b"other")))


def test_gzip_bomb_is_refused() -> None:
    """A 256 MiB run of zeros inside one member compresses ~1000:1."""
    header = tarfile.TarInfo("bomb")
    header.size = 256 * MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [compressor.compress(header.tobuf(format=tarfile.PAX_FORMAT))]
    zeros = bytes(MiB)
    parts.extend(compressor.compress(zeros) for _ in range(256))
    parts.append(compressor.flush())
    bomb = b"".join(parts)
    limits = Limits(ratio_grace_bytes=8 * MiB, max_compression_ratio=100)
    with pytest.raises(LimitExceeded, match="decompression bomb"):
        entries_of(bomb, limits=limits)


def test_reader_threads_end_with_the_layer() -> None:
    """A gzip layer with a diff_id runs two reader threads (inflate, hash); none outlives the layer."""
    # 32 MiB inflated: more than the two threads' queues hold, so neither can finish before the reader
    blob = gzip.compress(layer_tar([Entry(f"f{i}", bytes(512 * 1024)) for i in range(64)]))
    good = BlobExpectation(diff_id=sha256(gzip.decompress(blob)))
    before = {t for t in threading.enumerate() if t.name == "mamoru-layer-reader"}
    with open_layer_stream(io.BytesIO(blob), good, Limits(), "layer") as stream:
        next(iter(stream.reader.entries()))
        assert len({t for t in threading.enumerate() if t.name == "mamoru-layer-reader"} - before) == 2
    with pytest.raises(LimitExceeded):  # the consumer gives up early: the threads still stop
        entries_of(blob, expect=good, limits=Limits(max_members=3))
    assert {t for t in threading.enumerate() if t.name == "mamoru-layer-reader"} == before


def test_uncompressed_size_limit() -> None:
    blob = layer_tar([Entry("big", b"x" * (3 * MiB))])
    with pytest.raises(LimitExceeded, match="larger than"):
        entries_of(blob, limits=Limits(max_layer_bytes=MiB))


def test_member_count_limit() -> None:
    blob = layer_tar([Entry(f"f{i}", b"") for i in range(50)])
    with pytest.raises(LimitExceeded, match="more than 10 entries"):
        entries_of(blob, limits=Limits(max_members=10))


def test_huge_pax_header_is_refused_without_reading_it() -> None:
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = 512 * MiB  # claims half a gigabyte of metadata
    blob = info.tobuf(format=tarfile.USTAR_FORMAT) + b"x" * 4096
    found, notes = entries_of(blob)
    assert found == []
    assert any("metadata header" in n.message for n in notes)


def test_corrupt_gzip_is_a_note_not_a_crash() -> None:
    blob = gzip.compress(layer_tar([Entry("a", b"1" * 5000), Entry("b", b"2" * 5000)]))
    damaged = blob[:40] + bytes(b ^ 0xFF for b in blob[40:80]) + blob[80:]
    _found, notes = entries_of(damaged)
    assert notes and all(n.kind is NoteKind.UNKNOWN for n in notes)


def test_not_a_tar_at_all() -> None:
    reader = TarLayerReader(io.BytesIO(b"this is not a tar archive" * 40), Limits(), "layer")
    assert list(reader.entries()) == []
    assert reader.notes


def test_empty_layer_blob_has_no_entries() -> None:
    reader = TarLayerReader(io.BytesIO(b""), Limits(), "layer")
    assert list(reader.entries()) == [] and not reader.notes


@pytest.mark.parametrize("compress", ["gzip", "zstd", "xz", "bzip2"])
def test_compressions_by_magic(compress: str) -> None:
    import bz2
    import lzma

    import zstandard

    raw = layer_tar([Entry("etc/os-release", b"ID=alpine\n")])
    blob = {
        "gzip": gzip.compress,
        "zstd": zstandard.ZstdCompressor().compress,
        "xz": lzma.compress,
        "bzip2": bz2.compress,
    }[compress](raw)
    found, _ = entries_of(blob, expect=BlobExpectation(diff_id=sha256(raw)))
    assert found == [("etc/os-release", FileKind.FILE, b"ID=alpine\n")]


@given(st.binary(max_size=512))
def test_byte_sum_equals_sum(block: bytes) -> None:
    assert _byte_sum(block) == sum(block)


def test_byte_sum_of_the_largest_blocks() -> None:
    assert _byte_sum(b"\xff" * 512) == 255 * 512
    assert _byte_sum(b"\xff" * 256 + b"\x00" * 256) == 255 * 256


def test_reads_across_chunks_return_exactly_the_bytes_asked_for() -> None:
    """A layer of several 1 MiB chunks read in odd sizes gives back the same bytes (and the diff_id checks)."""
    data = bytes(range(256)) * (3 * MiB // 256 + 7)
    blob = gzip.compress(data, compresslevel=1)
    pieces = []
    with open_layer_stream(io.BytesIO(blob), BlobExpectation(diff_id=sha256(data)), Limits(), "layer") as stream:
        source = stream.reader._source  # the decoded bytes the tar reader reads
        for size in (1, 512, MiB - 3, 5, 2 * MiB + 11, 10):
            pieces.append(source.read(size))
        pieces.append(source.read(-1))
    assert b"".join(pieces) == data

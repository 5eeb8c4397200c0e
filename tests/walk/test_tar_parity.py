"""mamoru's streaming tar reader agrees with Python's tarfile, on real layers and generated archives."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.model.inventory import FileKind
from mamoru.walk.entries import normalize_name
from mamoru.walk.layer_stream import BlobExpectation, open_layer_stream
from mamoru.walk.limits import Limits

TYPES = {
    tarfile.REGTYPE: FileKind.FILE,
    tarfile.DIRTYPE: FileKind.DIR,
    tarfile.SYMTYPE: FileKind.SYMLINK,
    tarfile.LNKTYPE: FileKind.HARDLINK,
    tarfile.CHRTYPE: FileKind.CHAR_DEVICE,
    tarfile.BLKTYPE: FileKind.BLOCK_DEVICE,
    tarfile.FIFOTYPE: FileKind.FIFO,
}


def ours(blob: bytes) -> list[tuple[object, ...]]:
    with open_layer_stream(io.BytesIO(blob), BlobExpectation(), Limits(), "layer") as stream:
        found = []
        for e in stream.reader.entries():
            data = e.open().read() if e.kind is FileKind.FILE else b""
            link = e.linkname if e.kind in (FileKind.SYMLINK, FileKind.HARDLINK) else ""
            found.append((e.path, e.kind, e.mode, e.uid, e.gid, e.size, link, data))
        assert not stream.reader.notes, stream.reader.notes
    return found


def theirs(blob: bytes, with_data: bool = True) -> list[tuple[object, ...]]:
    found = []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:") as archive:
        for m in archive:
            path = normalize_name(m.name)
            if path is None:
                continue
            kind = TYPES.get(m.type, FileKind.FILE if m.isreg() else FileKind.OTHER)
            data = archive.extractfile(m).read() if m.isreg() and with_data else b""  # type: ignore[union-attr]
            link = normalize_name(m.linkname) if m.islnk() else m.linkname if m.issym() else ""
            found.append((path, kind, m.mode & 0o7777, m.uid, m.gid, m.size if m.isreg() else 0, link, data))
    return found


names = st.lists(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\x00"), min_size=1, max_size=60
    ).filter(lambda p: p not in (".", "..")),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.lists(
        st.tuples(
            names,
            st.sampled_from(list(TYPES)),
            st.binary(max_size=1500),
            st.integers(0, 0o7777),
            st.integers(0, 2**21 - 1),
        ),
        min_size=1,
        max_size=8,
    ),
    fmt=st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT]),
)
def test_generated_archives_parse_like_tarfile(members: list[tuple[list[str], int, bytes, int, int]], fmt: int) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for parts, kind, data, mode, uid in members:
            info = tarfile.TarInfo("/".join(parts))
            info.type, info.mode, info.uid, info.gid = kind, mode, uid, uid // 2
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = "target/" + parts[-1]
            try:
                if kind == tarfile.REGTYPE:
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                else:
                    archive.addfile(info)
            except ValueError:
                continue  # a name this format cannot hold (ustar length limits)
    blob = buffer.getvalue()
    assert ours(blob) == theirs(blob)


def test_long_names_big_ids_and_sparse_files() -> None:
    buffer = io.BytesIO()
    long_name = "/".join(["very-long-directory-name"] * 12) + "/file.txt"
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        info = tarfile.TarInfo(long_name)
        info.size, info.uid, info.gid = 3, 2**40, 7  # a uid only base-256 can hold
        archive.addfile(info, io.BytesIO(b"abc"))
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "/" + "x" * 150
        archive.addfile(link)
    blob = buffer.getvalue()
    assert ours(blob) == theirs(blob)
    assert ours(blob)[0][0] == long_name and ours(blob)[0][3] == 2**40


def test_gnu_sparse_member_is_recorded_not_read(tmp_path: Path) -> None:
    import subprocess

    sparse = tmp_path / "src" / "sparse.img"
    sparse.parent.mkdir()
    with open(sparse, "wb") as handle:
        handle.seek(10 * 1024 * 1024)
        handle.write(b"end")
    (tmp_path / "src" / "after.txt").write_text("after")
    for flavour in (["--format=gnu"], ["--format=pax"]):
        out = tmp_path / "sparse.tar"
        subprocess.run(
            ["tar", "-S", *flavour, "-C", str(tmp_path / "src"), "-cf", str(out), "sparse.img", "after.txt"], check=True
        )
        with open_layer_stream(open(out, "rb"), BlobExpectation(), Limits(), "layer") as stream:
            entries = [(e.path, e.kind, e.size, e.opener is None) for e in stream.reader.entries()]
            assert not stream.reader.notes
        assert ("after.txt", FileKind.FILE, 5, False) in entries
        sparse_entry = next(e for e in entries if e[0].endswith("sparse.img"))
        assert sparse_entry[1:] == (FileKind.FILE, 10 * 1024 * 1024 + 3, True)


@pytest.mark.images
def test_real_layers_parse_like_tarfile(images: Path) -> None:
    """Every layer of the real app image (Debian rootfs, apt layer, whiteouts, opaque dir)."""
    with tarfile.open(images / "app-docker.tar") as outer:
        manifest = json.loads(outer.extractfile("manifest.json").read())  # type: ignore[union-attr]
        for layer in manifest[0]["Layers"]:
            blob = outer.extractfile(layer).read()  # type: ignore[union-attr]
            with open_layer_stream(io.BytesIO(blob), BlobExpectation(), Limits(), "layer") as stream:
                mine = [
                    (
                        e.path,
                        e.kind,
                        e.mode,
                        e.uid,
                        e.gid,
                        e.size,
                        e.linkname if e.kind in (FileKind.SYMLINK, FileKind.HARDLINK) else "",
                    )
                    for e in stream.reader.entries()
                    if e.path
                ]
            reference = [row[:7] for row in theirs(blob, with_data=False) if row[0]]
            assert mine == reference

"""Members of zip-family archives: real jars from Debian's Maven packages, and bounds on hostile ones."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from tests.helpers import zip_bytes

from mamoru.content.archives import BINARY_MEMBERS, MAX_DEPTH, is_archive, members, new_budget
from mamoru.model.package import MEMBER_SEPARATOR

DEBIAN_JARS = sorted(p for p in Path("/usr/share/java").glob("*.jar") if p.is_file() and not p.is_symlink())


def test_every_text_member_of_real_jars(tmp_path: Path) -> None:
    """Against zipfile's own listing: every member that is no directory, no binary kind and no archive."""
    assert DEBIAN_JARS, "Debian's Maven jars (libmaven3-core-java, which .ci/run installs) are missing"
    for jar in DEBIAN_JARS:
        with zipfile.ZipFile(jar) as archive:
            expected = {i.filename: archive.read(i) for i in archive.infolist()
                        if not i.is_dir() and not i.filename.lower().endswith(BINARY_MEMBERS)
                        and not i.filename.lower().endswith(".jar")}  # fmt: skip
        with jar.open("rb") as handle:
            found = dict(members(handle, jar.stat().st_size, 8 << 20, new_budget()))
        assert found == expected, jar


def test_nested_archives_are_opened_in_place() -> None:
    inner = zip_bytes({"config.yml": b"a: 1\n", "Inner.class": b"\xca\xfe\xba\xbe"})
    outer = zip_bytes({"BOOT-INF/classes/application.properties": b"x=1\n", "BOOT-INF/lib/inner.jar": inner})
    found = dict(members(io.BytesIO(outer), len(outer), 8 << 20, new_budget()))
    assert found == {"BOOT-INF/classes/application.properties": b"x=1\n",
                     f"BOOT-INF/lib/inner.jar{MEMBER_SEPARATOR}config.yml": b"a: 1\n"}  # fmt: skip


def test_depth_bombs_and_large_members_are_bounded() -> None:
    archive = zip_bytes({"deep.txt": b"bottom\n"})
    for level in range(MAX_DEPTH + 1):
        archive = zip_bytes({f"level{level}.jar": archive})
    bomb = zip_bytes({"bomb.txt": b"\0" * (9 << 20)})  # inflates past the member bound
    outer = zip_bytes({"nest.jar": archive, "bomb.zip": bomb, "big.json": b"[" + b" " * (9 << 20) + b"]"})
    budget = new_budget()
    found = dict(members(io.BytesIO(outer), len(outer), 8 << 20, budget))
    assert found == {}
    assert any(f"nested deeper than {MAX_DEPTH} levels" in note for note in budget.notes), budget.notes


TARBALLS = [(".tar", ""), (".tar.gz", "-z"), (".tar.xz", "-J"), (".tar.zst", "--zstd")]


@pytest.mark.parametrize(("suffix", "flag"), TARBALLS)
def test_tarballs_made_by_gnu_tar(tmp_path: Path, suffix: str, flag: str) -> None:
    """Members of real tarballs (GNU tar, every compression), read like a layer: regular files only."""
    import subprocess

    tree = tmp_path / "backup"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "app.env").write_bytes(b"DB_PASSWORD=q8J2mVn4Rt6Yx1Pz9Lk3\n")
    (tree / "etc" / "link").symlink_to("app.env")
    (tree / "logo.png").write_bytes(b"\x89PNG" + bytes(100))
    archive = tmp_path / f"backup{suffix}"
    subprocess.run(["tar", *([flag] if flag else []), "-cf", str(archive), "-C", str(tree), "."], check=True)
    head = archive.read_bytes()[:512]
    assert is_archive(f"srv/backup{suffix}", head)
    budget = new_budget()
    with archive.open("rb") as handle:
        found = dict(members(handle, archive.stat().st_size, 8 << 20, budget))
    assert found == {"etc/app.env": b"DB_PASSWORD=q8J2mVn4Rt6Yx1Pz9Lk3\n"}
    assert budget.notes == []


def test_a_tarball_bomb_stops_at_the_budget(tmp_path: Path) -> None:
    import gzip
    import tarfile

    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as archive:
        info = tarfile.TarInfo("zeros.txt")
        info.size = 64 << 20
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    bomb = gzip.compress(plain.getvalue(), compresslevel=9)
    budget = new_budget()
    budget.inflated = 16 << 20  # a smaller budget than the default 512 MiB, same code path
    found = dict(members(io.BytesIO(bomb), len(bomb), 128 << 20, budget))
    assert found == {}
    assert budget.notes == [f"tarball is larger than {16 << 20} bytes uncompressed"]


def test_a_truncated_tarball_gives_what_it_holds_and_a_note(tmp_path: Path) -> None:
    import gzip
    import random
    import tarfile

    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as archive:
        for name in ("a.conf", "b.conf"):
            info = tarfile.TarInfo(name)
            info.size = 100_000
            archive.addfile(info, io.BytesIO(random.Random(name).randbytes(info.size)))
    cut = gzip.compress(plain.getvalue())[:-30_000]  # random bytes do not compress: the cut is inside b.conf
    budget = new_budget()
    found = dict(members(io.BytesIO(cut), len(cut), 8 << 20, budget))
    assert list(found) == ["a.conf"]
    assert budget.notes == ["tarball is corrupt or truncated: gzip data is corrupt: "
                            "gzip stream ends before its end-of-stream marker"]  # fmt: skip

"""Java archives: identification order and hostile archives (bombs, recursion, corrupt directories)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")


def jar(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():  # a fixed timestamp: the same bytes in every run and xdist worker
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buffer.getvalue()


def pom(group: str, artifact: str, version: str) -> bytes:
    return f"#Created by Apache Maven\nversion={version}\ngroupId={group}\nartifactId={artifact}\n".encode()


def scan(root: Path, files: dict[str, bytes]) -> tuple[set[tuple[str, str]], list[str]]:
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    inventory = scan_filesystem(str(root), ScanOptions())
    return {(p.name, p.version) for p in inventory.packages}, [f"{n.path}: {n.message}" for n in inventory.notes]


def test_pom_properties_then_manifest_then_file_name(tmp_path: Path) -> None:
    shaded = jar({
        "META-INF/maven/com.acme/app/pom.properties": pom("com.acme", "app", "1.0"),
        "META-INF/maven/com.google.guava/guava/pom.properties": pom("com.google.guava", "guava", "31.1-jre"),
    })  # fmt: skip
    manifest_text = b"Manifest-Version: 1.0\r\nImplementation-Version: 2.5\r\nImplementation-Vendor-Id: org.example\r\n"
    manifest = jar({"META-INF/MANIFEST.MF": manifest_text + b"\r\nName: x\r\nImplementation-Version: 9\r\n"})
    named = jar({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n"})
    nothing = jar({"a.txt": b"x"})
    found, notes = scan(tmp_path, {"app/uber.jar": shaded, "app/lib/tool.jar": manifest,
                                   "app/lib/slf4j-api-1.7.36.jar": named, "app/lib/unknown.jar": nothing})  # fmt: skip
    assert found == {
        ("com.acme:app", "1.0"),
        ("com.google.guava:guava", "31.1-jre"),
        ("org.example:tool", "2.5"),
        ("slf4j-api", "1.7.36"),
    }
    assert notes == []


def test_nested_archives_within_depth(tmp_path: Path) -> None:
    inner = jar({"META-INF/maven/org.x/inner/pom.properties": pom("org.x", "inner", "3.0")})
    war = jar({"WEB-INF/lib/inner-3.0.jar": inner, "META-INF/maven/org.x/web/pom.properties": pom("org.x", "web", "1")})
    ear = jar({"web.war": war, "META-INF/maven/org.x/app/pom.properties": pom("org.x", "app", "2")})
    found, notes = scan(tmp_path, {"srv/app.ear": ear})
    assert found == {("org.x:inner", "3.0"), ("org.x:web", "1"), ("org.x:app", "2")}
    assert notes == []
    where = {p.name: [loc.path for loc in p.locations] for p in scan_filesystem(str(tmp_path), ScanOptions()).packages}
    assert where == {  # each package names the archive inside the archive it came from
        "org.x:app": ["srv/app.ear"],
        "org.x:web": ["srv/app.ear:web.war"],
        "org.x:inner": ["srv/app.ear:web.war:WEB-INF/lib/inner-3.0.jar"],
    }


def test_recursive_archive_stops_at_the_depth_bound(tmp_path: Path) -> None:
    archive = jar({"META-INF/maven/org.x/deep/pom.properties": pom("org.x", "deep", "1")})
    for _ in range(8):
        archive = jar({"lib/nested.jar": archive})
    found, notes = scan(tmp_path, {"app/quine.jar": archive})
    assert found == set()
    assert any("nested deeper than 4 levels" in n for n in notes), notes


def test_zip_bomb_member_is_cut_off(tmp_path: Path) -> None:
    bomb = jar({
        "META-INF/maven/org.x/ok/pom.properties": pom("org.x", "ok", "1"),
        "lib/bomb.jar": b"\0" * (200 << 20),  # inflates to 200 MiB, more than a nested archive may
    })  # fmt: skip
    found, notes = scan(tmp_path, {"app/bomb.jar": bomb})
    assert found == {("org.x:ok", "1")}
    assert any("lib/bomb.jar" in n and "byte bound" in n for n in notes), notes


def test_member_that_lies_about_its_size(tmp_path: Path) -> None:
    data = bytearray(jar({"META-INF/MANIFEST.MF": b"Implementation-Version: 1.0\r\n" + b"x" * 5000}))
    # shrink the declared size in both headers: the member inflates past what it declares
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    found, notes = scan(tmp_path, {"app/liar-1.0.jar": bytes(data)})
    assert found == set()
    assert any("liar-1.0.jar" in n for n in notes), notes


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "no end of central directory"),
        (jar({"a": b"x"})[:-10], "no end of central directory"),
        (b"PK\x05\x06" + b"\0" * 4 + (0xFFF0).to_bytes(2, "little") * 2 + (1 << 30).to_bytes(4, "little") + b"\0" * 6,
         "central directory of"),
    ],
    ids=["not-a-zip", "truncated-jar", "huge-central-directory"],
)  # fmt: skip
def test_corrupt_archives_are_unknowns(tmp_path: Path, data: bytes, reason: str) -> None:
    good = jar({"META-INF/maven/org.x/good/pom.properties": pom("org.x", "good", "2")})
    found, notes = scan(tmp_path, {"app/bad.jar": data, "app/good.jar": good})
    assert found == {("org.x:good", "2")}
    assert any(n.startswith("app/bad.jar") and reason in n for n in notes), notes


def test_corrupt_central_directory(tmp_path: Path) -> None:
    data = bytearray(jar({"META-INF/maven/org.x/a/pom.properties": pom("org.x", "a", "1")}))
    at = data.find(b"PK\x01\x02")
    data[at : at + 4] = b"XXXX"  # the directory entry's signature
    found, notes = scan(tmp_path, {"app/cd.jar": bytes(data)})
    assert found == set()
    assert any("corrupt zip archive" in n for n in notes), notes

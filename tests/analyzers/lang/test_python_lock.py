"""Python requirement and lock files: declared packages, merged with installed ones when both exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.model.package import PackageKind
from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


def declared(root: Path) -> dict[tuple[str, str], bool]:
    inventory = scan_filesystem(str(root), ScanOptions())
    return {(p.name, p.version): p.declared for p in inventory.packages if p.kind is PackageKind.PYPI}


REQUIREMENTS = """\
# pinned by pip-compile
flask==0.12 \\
    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
requests[security]==2.19.0 ; python_version >= "3"
PyYAML===5.3
Django>=2.2,<3      # a range names no version
-r other.txt
-e git+https://example.invalid/x.git#egg=x
--index-url https://example.invalid/simple
pkg @ https://example.invalid/pkg-1.0.tar.gz
"""

POETRY_LOCK = """\
[[package]]
name = "certifi"
version = "2023.7.22"
description = "Python package for providing Mozilla's CA Bundle."
optional = false
python-versions = ">=3.6"
files = [
    {file = "certifi-2023.7.22-py3-none-any.whl", hash = "sha256:92d6037539857d8206b8f6ae472e8b77db8058fec"},
]

[[package]]
name = "urllib3"
version = "1.26.16"
description = "HTTP library with thread-safe connection pooling"
optional = false
python-versions = "!=3.0.*"

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "0"
"""

UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "idna"
version = "3.7"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "myapp"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "idna" }]
"""

PIPFILE_LOCK = """{
  "_meta": {"hash": {"sha256": "0"}, "pipfile-spec": 6, "requires": {"python_version": "3.11"}},
  "default": {"charset-normalizer": {"hashes": [], "index": "pypi", "version": "==3.2.0"},
              "localpkg": {"path": ".", "editable": true}},
  "develop": {"pytest": {"hashes": [], "version": "==7.4.0"}}
}"""


def test_lock_files_declare_packages(tmp_path: Path) -> None:
    write(tmp_path, "app/requirements.txt", REQUIREMENTS)
    write(tmp_path, "app/requirements-dev.txt", "pytest==7.4.0\n")
    write(tmp_path, "srv/poetry.lock", POETRY_LOCK)
    write(tmp_path, "srv2/uv.lock", UV_LOCK)
    write(tmp_path, "srv3/Pipfile.lock", PIPFILE_LOCK)
    assert declared(tmp_path) == {
        ("flask", "0.12"): True,
        ("requests", "2.19.0"): True,
        ("PyYAML", "5.3"): True,
        ("pytest", "7.4.0"): True,
        ("certifi", "2023.7.22"): True,
        ("urllib3", "1.26.16"): True,
        ("idna", "3.7"): True,
        ("charset-normalizer", "3.2.0"): True,
    }


def test_declared_package_that_is_installed_is_one_package(tmp_path: Path) -> None:
    site = "usr/local/lib/python3.11/site-packages"
    write(tmp_path, f"{site}/Flask-0.12.dist-info/METADATA", "Metadata-Version: 2.1\nName: Flask\nVersion: 0.12\n")
    write(tmp_path, "app/requirements.txt", "flask==0.12\nrequests==2.19.0\n")
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    found = {(p.name, p.version): p for p in inventory.packages}
    assert set(found) == {("Flask", "0.12"), ("requests", "2.19.0")}
    flask = found[("Flask", "0.12")]
    assert not flask.declared and flask.found_by == "python-dist-info"
    assert {loc.path for loc in flask.locations} == {f"{site}/Flask-0.12.dist-info/METADATA", "app/requirements.txt"}
    assert found[("requests", "2.19.0")].declared
    assert found[("requests", "2.19.0")].purl == "pkg:pypi/requests@2.19.0"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("poetry.lock", "[[package]\nname = ", "malformed poetry.lock"),
        ("uv.lock", 'version = 1\npackage = "x"\n', "no [[package]] tables"),
        ("Pipfile.lock", "{not json", "malformed Pipfile.lock"),
        ("Pipfile.lock", '{"_meta": {}}', "neither a 'default' nor a 'develop'"),
        ("requirements.txt", "flask==1.0\n\x00\x01binary", "binary"),
    ],
)
def test_malformed_lock_files_are_unknowns(tmp_path: Path, name: str, text: str, message: str) -> None:
    write(tmp_path, f"app/{name}", text)
    write(tmp_path, "app/sub/requirements.txt", "six==1.16.0\n")
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert [(p.name, p.version) for p in inventory.packages] == [("six", "1.16.0")]  # the scan went on
    assert any(message in n.message and n.path == f"app/{name}" for n in inventory.notes), inventory.notes

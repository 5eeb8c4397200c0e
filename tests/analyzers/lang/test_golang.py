"""go.mod (declared modules, replacements) and the stdlib/ldflags version rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.analyzers.lang.golang import packages_from_modinfo, stdlib_version, version_from_ldflags
from mamoru.scan.pipeline import ScanOptions, scan_filesystem

GO_MOD = """\
module example.com/app

go 1.21

require (
\tgithub.com/sirupsen/logrus v1.9.0 // indirect
\tgolang.org/x/net v0.17.0
\texample.com/local v0.0.0
)

require github.com/pkg/errors v0.9.1

replace golang.org/x/net => golang.org/x/net v0.19.0
replace example.com/local => ../local
"""


@pytest.mark.usefixtures("cache_dir")
def test_go_mod(tmp_path: Path) -> None:
    (tmp_path / "src/app").mkdir(parents=True)
    (tmp_path / "src/app/go.mod").write_text(GO_MOD)
    (tmp_path / "root/go/pkg/mod/x@v1").mkdir(parents=True)
    (tmp_path / "root/go/pkg/mod/x@v1/go.mod").write_text("module x\nrequire y v1.0.0\n")  # the module cache
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert {(p.name, p.version, p.declared, p.purl) for p in inventory.packages} == {
        ("github.com/sirupsen/logrus", "v1.9.0", True, "pkg:golang/github.com/sirupsen/logrus@v1.9.0"),
        ("golang.org/x/net", "v0.19.0", True, "pkg:golang/golang.org/x/net@v0.19.0"),
        ("github.com/pkg/errors", "v0.9.1", True, "pkg:golang/github.com/pkg/errors@v0.9.1"),
    }


def test_versions() -> None:
    assert stdlib_version("go1.21") == "v1.21.0"
    assert stdlib_version("go1.22.3 X:boringcrypto") == "v1.22.3"
    assert stdlib_version("go1.21rc2") == "v1.21.0-rc2"
    assert stdlib_version("devel go1.23-abc") == ""
    flags = '-s -w -X "github.com/docker/cli/cli/version.Version=20.10.24" -X main.commit=abc'
    assert version_from_ldflags(flags, "github.com/docker/cli") == "v20.10.24"
    assert version_from_ldflags("-X main.version=1.2.3", "x") == "v1.2.3"
    assert version_from_ldflags("-X main.version=dev", "x") == ""
    modinfo = (
        "path\tx/cmd\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\th1:x\n=>\tb\tv2.0.0\th1:y\n"
        'build\t-ldflags="-X x/version.Version=1.4.0"'
    )
    found = {(p.name, p.version) for p in packages_from_modinfo("go1.20.4", modinfo, "go-binary")}
    assert found == {("x", "v1.4.0"), ("b", "v2.0.0"), ("stdlib", "v1.20.4")}

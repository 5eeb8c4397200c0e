"""The real lang image (tests/fixtures/build-lang-images.sh): each ecosystem's inventory equals the
ground truth its own tools recorded (pip list, npm ls, unzip -p pom.properties, go version -m, the
.deb versions of the copied programs, uv's own SBOM)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.analyzers.lang.conftest import go_version_m, packages_of

pytestmark = pytest.mark.images
Report = dict[str, object]


def located(report: Report, kind: str, prefix: str) -> set[tuple[str, str]]:
    """Installed (not declared) packages of one type with a location under ``prefix``."""
    return {
        (p["name"], p["version"])
        for p in packages_of(report, kind)
        if not p["declared"] and any(loc["path"].startswith(prefix) for loc in p["locations"])
    }


def test_python_equals_pip_list(lang_report: Report, lang_images: Path) -> None:
    truth = lang_images / "lang-truth"
    pydeps = {(p["name"], p["version"]) for p in json.loads((truth / "pip-app-pydeps.json").read_text())}
    usr_local = {(p["name"], p["version"]) for p in json.loads((truth / "pip-usr-local.json").read_text())}
    assert ("chardet", "3.0.4") in pydeps  # installed, then deleted by a later layer
    assert located(lang_report, "pypi", "/app/pydeps/") == pydeps - {("chardet", "3.0.4")}
    assert located(lang_report, "pypi", "/usr/local/lib/") == usr_local  # an sdist and a setup.py egg-info
    declared = {(p["name"], p["version"]) for p in packages_of(lang_report, "pypi") if p["declared"]}
    assert declared == {("chardet", "3.0.4")}  # requirements.txt pins it, nothing installs it any more
    requests = next(p for p in packages_of(lang_report, "pypi") if p["name"] == "requests")
    assert {loc["path"] for loc in requests["locations"]} == {
        "/app/pydeps/requests-2.19.0.dist-info/METADATA",
        "/app/requirements.txt",
    }
    assert requests["layer"]["index"] == 2 and requests["purl"] == "pkg:pypi/requests@2.19.0"


def test_dpkg_owned_language_packages_are_the_debian_package(lang_report: Report, lang_images: Path) -> None:
    owned = dict(line.split() for line in (lang_images / "lang-truth" / "dpkg-owned.txt").read_text().splitlines())
    debs = {(p["name"], p["version"]) for p in packages_of(lang_report, "deb")}
    assert ("python3-requests", owned["python3-requests"]) in debs and ("runc", owned["runc"]) in debs
    # Debian's requests egg-info (dist-packages) and its /usr/sbin/runc are not reported again
    upstream = owned["python3-requests"].split("+")[0].split("-")[0]
    assert ("requests", upstream) not in located(lang_report, "pypi", "/")
    every_location = {loc["path"] for kind in ("pypi", "golang", "generic") for p in packages_of(lang_report, kind)
                      for loc in p["locations"]}  # fmt: skip
    assert not any(path.startswith(("/usr/lib/python3/", "/usr/sbin/", "/usr/bin/")) for path in every_location)


def npm_tree(node: dict[str, object], found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    dependencies = node.get("dependencies") or {}
    assert isinstance(dependencies, dict)
    for name, child in dependencies.items():
        if "version" in child:
            found.add((name, child["version"]))
        npm_tree(child, found)
    return found


def test_node_equals_npm_ls(lang_report: Report, lang_images: Path) -> None:
    tree = json.loads((lang_images / "lang-truth" / "npm-ls.json").read_text())
    truth = npm_tree(tree, set())
    assert len(truth) > 50 and ("@babel/code-frame", "7.0.0") in truth
    assert {(p["name"], p["version"]) for p in packages_of(lang_report, "npm", "node-package")} == truth
    nested = [p for p in packages_of(lang_report, "npm") if p["name"] == "depd" and p["version"] == "1.1.1"]
    assert nested[0]["locations"][0]["path"] == "/app/web/node_modules/raw-body/node_modules/depd/package.json"
    # package-lock.json: every installed package is in it, and what it lists but npm did not install
    # (esbuild's binaries for other platforms) stays declared
    declared = {p["name"] for p in packages_of(lang_report, "npm") if p["declared"]}
    assert declared and all(name.startswith("@esbuild/") and name != "@esbuild/linux-x64" for name in declared)
    assert all(
        "/app/web/package-lock.json" in {loc["path"] for loc in p["locations"]}
        for p in packages_of(lang_report, "npm", "node-package")
    )
    assert {p["layer"]["index"] for p in packages_of(lang_report, "npm")} == {3}


def pom_properties(text: str) -> set[tuple[str, str]]:
    """The (group:artifact, version) of concatenated pom.properties files (a repeated key starts the next)."""
    found: set[tuple[str, str]] = set()
    current: dict[str, str] = {}
    for line in [*text.splitlines(), "groupId=", "groupId="]:
        key, _, value = line.partition("=")
        if key not in ("groupId", "artifactId", "version"):
            continue
        if key in current:
            if len(current) == 3:
                found.add((f"{current['groupId']}:{current['artifactId']}", current["version"]))
            current = {}
        current[key] = value.strip()
    return found


def test_java_equals_unzip_pom_properties(lang_report: Report, lang_images: Path) -> None:
    truth = lang_images / "lang-truth"
    jars = {path.name.removeprefix("pom-").removesuffix(".properties"): pom_properties(path.read_text())
            for path in truth.glob("pom-*.properties")}  # fmt: skip
    assert jars["shop.war"] >= {("com.example.shop:shop", "1.4.2"), ("org.apache.logging.log4j:log4j-api", "2.19.0")}
    expected = jars["log4j-core-2.19.0.jar"] | jars["commons-lang3-3.12.0.jar"] | jars["shop.war"]
    assert {(p["name"], p["version"]) for p in packages_of(lang_report, "maven")} == expected
    api = next(p for p in packages_of(lang_report, "maven") if p["name"].endswith(":log4j-api"))
    # /app/lib/log4j-api.jar was deleted; make_war.py put the jar in the WAR's WEB-INF/lib
    assert [loc["path"] for loc in api["locations"]] == ["/app/shop.war:WEB-INF/lib/log4j-api.jar"]
    assert api["purl"] == "pkg:maven/org.apache.logging.log4j/log4j-api@2.19.0"


@pytest.mark.parametrize(
    ("binary", "path"),
    [
        ("containerd", "/usr/local/bin/containerd"),
        ("runc", "/usr/local/bin/runc"),
        ("esbuild", "/app/web/node_modules/@esbuild/linux-x64/bin/esbuild"),
    ],
)
def test_go_binaries_equal_go_version_m(lang_report: Report, lang_images: Path, binary: str, path: str) -> None:
    truth = go_version_m(lang_images / "lang-truth" / "bin" / binary)
    assert located(lang_report, "golang", path) == truth
    if binary == "esbuild":
        assert ("golang.org/x/sys", "v0.0.0-20220715151400-c0bba94af5f8") in truth  # a module-mode build


def test_go_binary_of_the_docker_engine_on_this_host() -> None:
    """The real dockerd of Debian's docker.io (installed by .ci/run), read in place."""
    from mamoru.analyzers.lang.elf import ElfFile
    from mamoru.analyzers.lang.golang import packages_from_modinfo, read_buildinfo

    dockerd = Path("/usr/sbin/dockerd")
    with dockerd.open("rb") as handle:
        info = read_buildinfo(ElfFile(handle, handle.seek(0, 2)))
    assert info is not None
    ours = {(p.name, p.version) for p in packages_from_modinfo(*info, "go-binary")}
    assert ours == go_version_m(dockerd)


def test_rust_binary_crates_are_in_uvs_own_sbom(lang_report: Report, lang_images: Path) -> None:
    sbom = json.loads((lang_images / "lang-truth" / "uv.cyclonedx.json").read_text())
    root = sbom["metadata"]["component"]  # the uv crate itself
    theirs = {(c["name"], c["version"]) for c in [root, *sbom["components"]]}
    ours = located(lang_report, "cargo", "/opt/uv/uvx")
    assert len(ours) > 400
    assert ours - theirs == set()


def upstream(debian_version: str) -> str:
    """``1:1.35.0-4+deb12u1+b1`` → ``1.35.0``; ``18.20.4+dfsg-1~deb12u3`` → ``18.20.4``."""
    version = debian_version.split(":", 1)[-1].rsplit("-", 1)[0]
    return re.split(r"[+~]", version)[0]


def test_binary_classifiers_equal_the_deb_versions(lang_report: Report, lang_images: Path) -> None:
    debs = {}
    for line in (lang_images / "lang-truth" / "debs.txt").read_text().splitlines():
        fields = line.split()
        debs[fields[1]] = upstream(fields[3])
    expected = {
        ("nginx", debs["nginx"], "/usr/local/bin/nginx"),
        ("httpd", debs["apache2-bin"], "/usr/local/apache2/bin/httpd"),
        ("redis", debs["redis-tools"], "/usr/local/bin/redis-server"),
        ("postgresql", debs["postgresql-15"], "/usr/local/pgsql/bin/postgres"),
        ("busybox", debs["busybox"], "/usr/local/bin/busybox"),
        ("curl", debs["curl"], "/usr/local/bin/curl"),
        ("openssl", debs["openssl"], "/usr/local/bin/openssl"),
        ("python", debs["python3.11-minimal"], "/usr/local/bin/python3.11"),
        ("node", debs["libnode108"], "/usr/local/lib/libnode.so.108"),
    }
    found = {(p["name"], p["version"], loc["path"]) for p in packages_of(lang_report, "generic", "binary-classifier")
             for loc in p["locations"]}  # fmt: skip
    assert found == expected  # the same programs installed by dpkg (/usr/bin/python3.11, libcrypto) are not here
    assert {p["purl"] for p in packages_of(lang_report, "generic")} >= {f"pkg:generic/{n}@{v}" for n, v, _ in expected}


def test_ruby_gemspec(lang_report: Report, lang_images: Path) -> None:
    rack = next(line.split()[3] for line in (lang_images / "lang-truth" / "debs.txt").read_text().splitlines()
                if line.split()[1] == "ruby-rack")  # fmt: skip
    assert {(p["name"], p["version"]) for p in packages_of(lang_report, "gem")} == {("rack", upstream(rack))}


def test_lang_packages_in_cyclonedx_and_spdx(lang_images: Path, cache_dir: Path) -> None:
    from tests.conftest import mamoru

    result = mamoru("sbom", str(lang_images / "lang-docker.tar"), "-f", "cyclonedx", "-q")
    assert result.returncode == 0, result.stderr
    purls = {c.get("purl", "") for c in json.loads(result.stdout)["components"]}
    assert {"pkg:npm/%40babel/code-frame@7.0.0", "pkg:maven/com.example.shop/shop@1.4.2",
            "pkg:golang/stdlib@v1.19.8", "pkg:pypi/flask@0.12", "pkg:gem/rack"} & purls  # fmt: skip
    assert "pkg:npm/%40babel/code-frame@7.0.0" in purls and "pkg:maven/com.example.shop/shop@1.4.2" in purls

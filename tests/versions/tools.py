"""The real tools that define each version order, run in batches (one process per batch of pairs).

* dpkg: ``dpkg --compare-versions`` (Debian's dpkg);
* rpm: rpm's Python binding (``python3-rpm``: ``rpm.ver`` and ``rpm.labelCompare``) under the system Python;
* apk: ``apk version -t`` of Alpine 3.23's apk-tools 3, in a chroot of the real Alpine rootfs fixture;
* npm / SemVer: node's ``semver`` package (the one npm ships);
* Maven: ``ComparableVersion`` of Debian's maven 3.8.7 (its ``main`` compares adjacent arguments);
* RubyGems: Ruby's ``Gem::Version``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

import pytest

Pairs = Sequence[tuple[str, str]]
SYSTEM_PYTHON = "/usr/bin/python3"
NPM_SEMVER_CANDIDATES = (
    "/usr/lib/node_modules/npm/node_modules/semver",
    "/usr/local/lib/node_modules/npm/node_modules/semver",
    "/usr/share/nodejs/semver",
)  # npm's own copy, or Debian's node-semver
MAVEN_ARTIFACT_JAR = "/usr/share/java/maven3-artifact.jar"
SIGN = {"<": -1, "=": 0, ">": 1}


def _run(command: list[str], stdin: str) -> str:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def need(path: str, install: str) -> None:
    if not Path(path).exists() and shutil.which(path) is None:
        pytest.fail(f"{path} is missing: {install}")


def dpkg_compare(pairs: Pairs) -> list[int]:
    """``dpkg --compare-versions`` on each pair: -1, 0 or 1."""
    need("dpkg", "this is a Debian machine; dpkg is always there")
    script = (
        'while read -r a b; do if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo "<"; '
        'elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="; else echo ">"; fi; done'
    )
    out = _run(["sh", "-c", script], "".join(f"{a} {b}\n" for a, b in pairs))
    return [SIGN[line] for line in out.split()]


_RPM_SCRIPT = """
import json, sys, rpm
pairs = json.load(sys.stdin)
out = []
for a, b in pairs:
    left, right = rpm.ver(a), rpm.ver(b)
    out.append((left > right) - (left < right))
print(json.dumps(out))
"""
_RPM_SEGMENT_SCRIPT = """
import json, sys, rpm
print(json.dumps([rpm.labelCompare(("0", a, "1"), ("0", b, "1")) for a, b in json.load(sys.stdin)]))
"""


def rpm_compare(pairs: Pairs, segments: bool = False) -> list[int]:
    """rpm's order of full EVRs (``rpm.ver``), or of bare version segments (``labelCompare``)."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import rpm"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.fail("rpm's Python binding is missing: apt-get install -y python3-rpm")
    script = _RPM_SEGMENT_SCRIPT if segments else _RPM_SCRIPT
    return list(json.loads(_run([SYSTEM_PYTHON, "-c", script], json.dumps(list(pairs)))))


def extract_alpine_root(images: Path, root: Path) -> Path:
    """The real Alpine 3.23 rootfs fixture, extracted (it is our own fixture, built by our script)."""
    with tarfile.open(images / "rootfs" / "alpine-rootfs.tar") as archive:
        members = [m for m in archive.getmembers() if not (m.isdev() or m.isfifo())]
        archive.extractall(root, members=members, filter="fully_trusted")
    assert (root / "sbin" / "apk").exists()
    return root


def apk_compare(alpine_root: Path, pairs: Pairs) -> list[int | str]:
    """``apk version -t`` on each pair: -1/0/1, or "!" when apk refuses (an invalid version)."""
    script = 'while read -r a b; do r=$(apk version -t -- "$a" "$b"); echo "${r:-!}"; done'
    stdin = "".join(f"{a} {b}\n" for a, b in pairs)
    out = _run(["chroot", str(alpine_root), "/bin/sh", "-c", script], stdin)
    return [SIGN.get(line, line) for line in out.split()]


_NODE_SCRIPT = """
const semver = require(process.argv[1]);
let data = '';
process.stdin.on('data', c => data += c);
process.stdin.on('end', () => {
  const pairs = JSON.parse(data);
  console.log(JSON.stringify(pairs.map(([a, b]) => {
    try { return semver.compare(a, b); } catch (e) { return null; }
  })));
});
"""


def npm_semver() -> str:
    """Where node's ``semver`` package is (the copy npm ships, or Debian's node-semver)."""
    found = [path for path in NPM_SEMVER_CANDIDATES if Path(path, "package.json").is_file()]
    if not found:
        pytest.fail("node's semver package is missing: it comes with npm (apt-get install -y npm)")
    return found[0]


def node_semver_compare(pairs: Pairs) -> list[int | None]:
    """node's ``semver.compare`` on each pair (None when it throws)."""
    need("node", "Node.js is part of this machine kind")
    return list(json.loads(_run(["node", "-e", _NODE_SCRIPT, npm_semver()], json.dumps(list(pairs)))))


_MAVEN_LINE = re.compile(r"^   (.*) (<|==|>) (.*)$")


def maven_compare(versions: Sequence[str]) -> list[int]:
    """Maven's order of each adjacent pair of ``versions`` (ComparableVersion's own ``main``)."""
    need("java", "Java is part of this machine kind")
    need(MAVEN_ARTIFACT_JAR, "apt-get install -y libmaven3-core-java (Maven's own maven-artifact jar)")
    out = _run(["java", "-jar", MAVEN_ARTIFACT_JAR, *versions], "")
    signs = {"<": -1, "==": 0, ">": 1}
    results = [signs[m.group(2)] for line in out.splitlines() if (m := _MAVEN_LINE.match(line))]
    assert len(results) == len(versions) - 1, out[-2000:]
    return results


_RUBY_SCRIPT = (
    "require 'json'; pairs = JSON.parse(STDIN.read); "
    "puts JSON.dump(pairs.map { |a, b| begin Gem::Version.new(a) <=> Gem::Version.new(b) rescue nil end })"
)


def gem_compare(pairs: Pairs) -> list[int | None]:
    """Ruby's ``Gem::Version`` order of each pair (None when Ruby refuses a version)."""
    need("ruby", "apt-get install -y ruby")
    return list(json.loads(_run(["ruby", "-e", _RUBY_SCRIPT], json.dumps(list(pairs)))))

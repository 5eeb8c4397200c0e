"""Built-in detectors are declared with their finding kind and imported only for a scan that runs them."""

from __future__ import annotations

import subprocess
import sys

from mamoru.analyzers.registry import BUILTIN_ANALYZERS
from mamoru.detectors.registry import BUILTIN_DETECTORS, load_detectors
from mamoru.model.finding import FindingKind
from mamoru.scan.pipeline import available_scanners


def test_declared_kinds_are_the_detectors_own() -> None:
    for builtin in BUILTIN_DETECTORS:
        assert builtin.load().kind == builtin.kind
    assert [d.kind for d in load_detectors({FindingKind.SECRET}, with_plugins=False)] == [FindingKind.SECRET]


def test_available_scanners_are_every_declared_kind() -> None:
    declared = {b.kind for b in (*BUILTIN_ANALYZERS, *BUILTIN_DETECTORS) if b.kind is not None}
    assert available_scanners() == declared
    assert {FindingKind.VULNERABILITY, FindingKind.SECRET, FindingKind.MALWARE} <= declared


def test_an_sbom_imports_no_detector_or_content_scanner() -> None:
    """What the lazy registries are for: `mamoru sbom` never loads the matcher or the rule sets."""
    code = (
        "import sys\n"
        "from mamoru.scan.pipeline import analyzers_for, available_scanners\n"
        "analyzers_for(frozenset())\n"
        "available_scanners()\n"
        "heavy = ('mamoru.detectors.image', 'mamoru.detectors.vuln',\n"
        "         'mamoru.content.secrets', 'mamoru.content.malware')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", loaded

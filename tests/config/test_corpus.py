"""The corpus (tests/corpus: 60+ Dockerfiles, 40+ Kubernetes manifests, Compose files) scans cleanly and
mamoru reports every problem each file was written to contain (its ``# mamoru-expect:`` comments).

The same corpus is what benchmarks/config_vs_peers.py gives to hadolint, Trivy and Checkov.
"""

from __future__ import annotations

import re
from pathlib import Path

from mamoru.config.detect import ConfigType
from mamoru.config.scanner import scan_paths

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXPECT = re.compile(r"mamoru-expect:([^\n]*)")


def test_corpus_size() -> None:
    dockerfiles = list((CORPUS / "dockerfiles").glob("*/Dockerfile"))
    manifests = list((CORPUS / "kubernetes").glob("*.*"))
    assert len(dockerfiles) >= 60 and len(manifests) >= 40
    texts = [p.read_text() for p in dockerfiles]
    assert sum("<<" in t for t in texts) >= 3 and sum(t.count("FROM ") >= 2 for t in texts) >= 15
    assert sum("# Source:" in p.read_text() for p in manifests) >= 3


def test_every_intended_problem_is_found() -> None:
    result = scan_paths([str(CORPUS)])
    assert not result.notes, result.notes
    kinds = {kind for _, kind in result.files}
    assert kinds == {ConfigType.DOCKERFILE, ConfigType.COMPOSE, ConfigType.KUBERNETES}
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.location.path, set()).add(finding.rule_id)
    missing = {}
    expectations = 0
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        relative = path.relative_to(CORPUS).as_posix()
        expected = {rule for match in EXPECT.finditer(path.read_text()) for rule in match.group(1).split()}
        expectations += len(expected)
        if expected - found.get(relative, set()):
            missing[relative] = sorted(expected - found.get(relative, set()))
    assert not missing
    assert expectations >= 300

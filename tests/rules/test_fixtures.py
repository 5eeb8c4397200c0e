"""Every configuration rule fires on its `fail` fixture and not on its `pass` fixture.

Fixtures live in tests/fixtures/rules/<rule-id>/{pass,fail}/ (a Dockerfile, a compose.yaml or a
Kubernetes manifest each); they are scanned exactly as `mamoru config DIR` would scan them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.config.scanner import scan_paths
from mamoru.rules.checks import checked_rule_ids

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CONFIG_RULES = [*sorted(rule for rule in checked_rule_ids() if not rule.startswith("SEC-")), "MCF-002"]


def reported(directory: Path) -> list[str]:
    result = scan_paths([str(directory)])
    assert not [n for n in result.notes if n.kind.value in ("unknown", "warning")], result.notes
    return [f.rule_id for f in result.findings if f.suppression is None]


@pytest.mark.parametrize("rule_id", CONFIG_RULES)
def test_fail_fixture_is_reported(rule_id: str) -> None:
    assert rule_id in reported(FIXTURES / rule_id / "fail")


@pytest.mark.parametrize("rule_id", CONFIG_RULES)
def test_pass_fixture_is_clean(rule_id: str) -> None:
    assert rule_id not in reported(FIXTURES / rule_id / "pass")


def test_the_configuration_rules_are_all_here() -> None:
    assert len(CONFIG_RULES) >= 110
    families = {rule.split("-")[0] for rule in CONFIG_RULES}
    assert families == {"MDF", "MCP", "MK8S", "MCF"}


@pytest.mark.parametrize(("kind", "reported_here"), [("fail", True), ("pass", False)])
def test_trusted_registry_fixtures(kind: str, reported_here: bool) -> None:
    """MDF-097 runs only with a trusted list (``--trusted-registry``); its fixtures trust registry.example.com."""
    from mamoru.rules.dockerfile.image import trusted_registry_check

    trusted = trusted_registry_check(["registry.example.com"])
    result = scan_paths([str(FIXTURES / "MDF-097" / kind)], extra_checks=[trusted])
    assert not result.notes
    assert ("MDF-097" in [f.rule_id for f in result.findings]) is reported_here
    assert "MDF-097" not in reported(FIXTURES / "MDF-097" / "fail")  # no list, no check

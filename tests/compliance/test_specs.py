"""The compliance specs are complete, reference only real rules, and their documentation is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mamoru.compliance.evaluate import RULE_FAMILIES, family
from mamoru.compliance.spec import builtin_spec_ids, evidence, load_spec
from mamoru.errors import UsageError
from mamoru.rules import all_rules

REPO = Path(__file__).resolve().parents[2]
SPECS = builtin_spec_ids()


def test_the_built_in_specs() -> None:
    assert SPECS == ["cis-docker-1.6.0", "cis-kubernetes-1.11", "nist-sp-800-190", "pss-baseline", "pss-restricted"]


@pytest.mark.parametrize(
    ("spec_id", "count", "first", "last"),
    [
        ("nist-sp-800-190", 24, "4.1.1", "4.6"),  # every countermeasure 4.1.1-4.6
        ("cis-docker-1.6.0", 117, "1.1.1", "7.9"),  # all 117 recommendations, automated and manual
        ("cis-kubernetes-1.11", 35, "5.1.1", "5.7.4"),  # section 5, policies
        ("pss-baseline", 12, "windowsHostProcess", "hostProbesAndHostLifecycle"),
        ("pss-restricted", 19, "windowsHostProcess", "procMount_restricted"),  # Baseline + 7 restricted
    ],
)
def test_specs_list_every_control(spec_id: str, count: int, first: str, last: str) -> None:
    spec = load_spec(spec_id)
    ids = [control.id for control in spec.controls]
    assert (len(ids), ids[0], ids[-1]) == (count, first, last)
    assert len(set(ids)) == len(ids)


def test_cis_docker_sections_are_complete() -> None:
    spec = load_spec("cis-docker-1.6.0")
    per_section: dict[str, int] = {}
    for control in spec.controls:
        key = control.id.rsplit(".", 1)[0] if control.id.startswith("1.") else control.id.split(".")[0]
        per_section[key] = per_section.get(key, 0) + 1
    assert per_section == {"1.1": 18, "1.2": 2, "2": 18, "3": 24, "4": 12, "5": 32, "6": 2, "7": 9}


@pytest.mark.parametrize("spec_id", SPECS)
def test_every_control_references_only_existing_rules_or_is_manual(spec_id: str) -> None:
    known = {rule.id for rule in all_rules()}
    for control in load_spec(spec_id).controls:
        unknown = set(control.rules) - known
        assert not unknown, f"{spec_id} {control.id} names unknown rules {unknown}"
        assert evidence(control) or control.vulnerabilities or control.manual, (
            f"{spec_id} {control.id} has neither evidence nor a manual check"
        )


def test_every_compliance_reference_of_a_rule_names_a_real_control() -> None:
    controls = {(control.framework, control.id) for spec_id in SPECS for control in load_spec(spec_id).controls}
    for rule in all_rules():
        for ref in rule.compliance:
            assert (ref.framework, ref.control) in controls, f"{rule.id} names {ref}, which no spec has"


def test_every_rule_family_says_which_target_assesses_it() -> None:
    unknown = sorted({rule.id.split("-", 1)[0] for rule in all_rules() if family(rule.id) is None})
    assert not unknown, f"add these rule families to RULE_FAMILIES: {unknown}"
    assert set(RULE_FAMILIES.values()) <= {"image", "dockerfile", "compose", "kubernetes", "config", "runtime", "host"}


def test_the_nist_spec_is_mostly_automated() -> None:
    spec = load_spec("nist-sp-800-190")
    automated = [c.id for c in spec.controls if evidence(c) or c.vulnerabilities]
    assert {"4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.4.3", "4.5.5"} <= set(automated)
    assert "4.6" not in automated  # hardware root of trust: a person checks it


def test_docs_compliance_md_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mamoru.compliance.docs", "--check", "docs/compliance.md"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


BAD_SPECS = [
    ("id: x\ntitle: t\nversion: '1'\ncontrols: []\n", "spec.yaml:4: controls must be a non-empty list"),
    ("id: x\ntitle: t\ncontrols: [{id: a, section: s, title: t}]\n", "spec.yaml:1: the spec has no version"),
    ("id: x\ntitle: t\nversion: '1'\ncontrols:\n  - {id: a, section: s, title: t, rule: [IMG-001]}\n",
     "spec.yaml:5: unknown key(s) rule"),
    ("id: x\ntitle: t\nversion: '1'\ncontrols:\n  - {id: a, section: s, title: t}\n  - {id: a, section: s, title: u}\n",
     "spec.yaml:6: control a is listed twice"),
    ("id: x\ntitle: t\nversion: '1'\ncontrols:\n  - id: a\n    section: s\n    title: t\n"
     "    vulnerabilities: {severity: BAD}\n",
     "spec.yaml:8: unknown severity 'BAD'"),
    ("id: x\ntitle: t\nversion: '1'\ninclude: nope\ncontrols: [{id: a, section: s, title: t}]\n",
     "spec.yaml:4: unknown spec 'nope' to include"),
    ("[1, 2]\n", "spec.yaml:1: a compliance spec is a mapping"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_SPECS)
def test_bad_spec_files_are_errors_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_spec(str(path))
    assert message in str(caught.value)


def test_unknown_spec_name() -> None:
    with pytest.raises(UsageError, match="unknown compliance spec 'nist' \\(built in: cis-docker-1.6.0"):
        load_spec("nist")

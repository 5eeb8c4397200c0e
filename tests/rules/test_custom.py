"""Custom rules without forking: Rego policies (``--rules``) and Python plugins (``mamoru.rules`` entry points)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import mamoru

from mamoru.config.scanner import scan_paths
from mamoru.errors import UsageError
from mamoru.rules.custom import dockerfile_input, load_custom_rules

REGISTRY_RULE = """\
# METADATA
# title: Images come from our registry
# description: Base images are mirrored and scanned in registry.acme.example.
# related_resources:
# - https://wiki.acme.example/registry
# custom:
#   id: ACME-001
#   avd_id: AVD-ACME-0001
#   severity: HIGH
#   recommended_action: Use registry.acme.example base images
#   compliance:
#   - nist-sp-800-190 4.1.5
#   input:
#     selector:
#     - type: dockerfile
package user.acme.ACME001

import rego.v1

deny contains res if {
	some cmd in input.Stages[_].Commands
	cmd.Cmd == "from"
	not startswith(cmd.Value[0], "registry.acme.example/")
	res := result.new(sprintf("base image %s is not mirrored", [cmd.Value[0]]), cmd)
}
"""

LABELS_RULE = """\
# METADATA
# title: Workloads carry an owner label
# custom:
#   id: ACME-002
#   severity: LOW
#   input:
#     selector:
#     - type: kubernetes
#     - type: compose
package user.acme.ACME002

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.owner
	msg := sprintf("%s has no owner label", [input.metadata.name])
}

deny contains {"msg": "compose project without a name", "startline": 1} if {
	input.services
	not input.name
}
"""


def write_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "registry.rego").write_text(REGISTRY_RULE)
    (rules / "labels.rego").write_text(LABELS_RULE)
    (rules / "labels_test.rego").write_text("package user.acme.ACME002_test\n")  # tests are not rules
    return rules


def test_rego_rules_run_on_every_file_type(tmp_path: Path) -> None:
    checks = load_custom_rules([str(write_rules(tmp_path))])
    assert sorted((c.rule.id, c.target.value) for c in checks) == [
        ("ACME-001", "dockerfile"), ("ACME-002", "compose"), ("ACME-002", "kubernetes")]  # fmt: skip
    rule = next(c.rule for c in checks if c.rule.id == "ACME-001")
    assert rule.aliases == ("AVD-ACME-0001",) and rule.references == ("https://wiki.acme.example/registry",)
    assert str(rule.compliance[0]) == "nist-sp-800-190 4.1.5" and rule.remediation.startswith("Use registry")
    targets = tmp_path / "targets"
    targets.mkdir()
    (targets / "Dockerfile").write_text("FROM alpine:3.22 AS a\nRUN true\nFROM registry.acme.example/base:1\n")
    (targets / "d.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n")
    (targets / "compose.yaml").write_text("services:\n  web:\n    image: x:1\n")
    result = scan_paths([str(targets)], extra_checks=checks)
    custom = sorted((f.rule_id, f.location.path, f.location.line, f.message) for f in result.findings
                    if f.rule_id.startswith("ACME"))  # fmt: skip
    assert custom == [
        ("ACME-001", "Dockerfile", 1, "base image alpine:3.22 is not mirrored"),
        ("ACME-002", "compose.yaml", 1, "compose project without a name"),
        ("ACME-002", "d.yaml", 1, "Deployment/web: web has no owner label"),
    ]


def test_trivy_shaped_dockerfile_input() -> None:
    from mamoru.config.dockerfile import parse_dockerfile

    document = dockerfile_input(
        parse_dockerfile("FROM alpine:3.22 AS b\nENV A=1 B=2\nRUN --mount=type=cache,target=/x make\n")
    )
    [stage] = document["Stages"]
    assert stage["Name"] == "alpine:3.22 AS b"
    env, run = stage["Commands"][1:]
    assert env["Cmd"] == "env" and env["Value"] == ["A", "1", "=", "B", "2", "="]
    assert run["Flags"] == ["--mount=type=cache,target=/x"] and run["StartLine"] == 3 and run["Value"] == ["make"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("package x\ndeny contains 1 if {\n", "no # METADATA"),
        ("# METADATA\n# title: t\n# custom:\n#   id: X-1\npackage x\n", "selector"),
        (
            "# METADATA\n# custom:\n#   id: MDF-011\n#   input: {selector: [{type: dockerfile}]}\npackage x\n",
            "already used",
        ),
        (
            "# METADATA\n# custom:\n#   id: X-2\n#   severity: urgent\n"
            "#   input: {selector: [{type: dockerfile}]}\npackage x\n",
            "severity",
        ),
        (
            "# METADATA\n# custom:\n#   id: X-3\n#   input: {selector: [{type: dockerfile}]}\n"
            "package x\ndeny contains if {\n",
            "not a valid Rego module",
        ),
    ],
)
def test_bad_rule_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.rego"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_custom_rules([str(path)])


PLUGIN = """
from mamoru.config.detect import ConfigType
from mamoru.model.finding import ComplianceRef, FindingKind, Rule, Severity
from mamoru.rules.checks import Hit, check

RULE = Rule(id="PLG-001", title="No git clone in RUN", severity=Severity.LOW, kind=FindingKind.MISCONFIGURATION,
            remediation="Copy the sources in.", compliance=(ComplianceRef("nist-sp-800-190", "4.1.5"),))


@check(RULE, ConfigType.DOCKERFILE)
def no_git_clone(dockerfile):
    for at in dockerfile.commands("git"):
        if at.command.args[:1] == ("clone",):
            yield Hit(line=at.line, message="git clone " + " ".join(at.command.args[1:]))
"""


def test_python_plugin_through_entry_points(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "mamoru_acme.py").write_text(PLUGIN)
    dist = plugins / "mamoru_acme-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mamoru-acme\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mamoru.rules]\nacme = mamoru_acme\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.22\nRUN apk add --no-cache git && git clone https://x/y.git\n")
    result = mamoru("config", str(tmp_path / "Dockerfile"), "-f", "json", "-q", env={"PYTHONPATH": str(plugins)})
    assert result.returncode == 0, result.stderr
    found = [(f["ruleId"], f["location"]["line"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert ("PLG-001", 2, "git clone https://x/y.git") in found


def test_cli_rules_option(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.22\n")
    result = mamoru("config", str(tmp_path / "Dockerfile"), "--rules", str(rules), "-f", "json", "-q")
    assert result.returncode == 0, result.stderr
    assert "ACME-001" in {f["ruleId"] for f in json.loads(result.stdout)["findings"]}
    (rules / "broken.rego").write_text("package nothing\n")
    bad = mamoru("config", str(tmp_path / "Dockerfile"), "--rules", str(rules))
    assert bad.returncode == 2 and "broken.rego: no # METADATA" in bad.stderr and "Traceback" not in bad.stderr

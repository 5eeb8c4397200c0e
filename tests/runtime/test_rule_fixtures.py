"""Each runtime rule fires on its `fail` fixture and not on its `pass` fixture (tests/fixtures/rules/RUN-*/).

A fixture's `container.json` either describes a real container on the private engine — `docker` (the
`docker run`/`docker create` options), `start`, `image`, `command`, and `exec` (`docker exec` argument
lists run before the audit; `{container}` is its name) — or, for what this engine cannot be (in swarm
mode, enforcing SELinux), an `info` document of the daemon and `inspect` fields of a container.
`{scratch}` is a private directory and `{socket}` the engine's socket.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.runtime.conftest import Engine

from mamoru.model.inventory import Inventory
from mamoru.rules import all_rules
from mamoru.runtime.audit import RuntimeOptions, audit_runtime
from mamoru.runtime.checks import ContainerFacts, DaemonFacts, check_container, swarm_finding

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
RULE_IDS = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("RUN-"))
CASES = [(rule, kind) for rule in RULE_IDS for kind in ("pass", "fail")]


def _spec(rule: str, kind: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((FIXTURES / rule / kind / "container.json").read_text())
    return result


def _fill(value: str, mapping: dict[str, str]) -> str:
    for key, replacement in mapping.items():
        value = value.replace("{" + key + "}", replacement)
    return value


@pytest.fixture(scope="module")
def real_results(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, dict[str, str]]:
    """Every real-container fixture created on the engine, then audited in one run."""
    scratch = tmp_path_factory.mktemp("fixture-mounts")
    names: dict[str, str] = {}
    for rule, kind in CASES:
        spec = _spec(rule, kind)
        if "docker" not in spec:
            continue
        label = f"{rule.lower()}-{kind}"
        mapping = {
            "scratch": str(scratch),
            "socket": engine.host.removeprefix("unix://"),
            "container": engine.name(label),
        }
        args = [_fill(a, mapping) for a in spec["docker"]]
        name = engine.container(label, *args, image=spec.get("image", "feas/alpine:latest"),
                                command=tuple(spec.get("command", ("sleep", "600"))), start=spec["start"])  # fmt: skip
        for exec_args in spec.get("exec", []):
            engine.docker("exec", *(_fill(a, mapping) for a in exec_args))
        names[f"{rule}/{kind}"] = name
    engine.wait_for_processes(names["RUN-507/fail"], "/usr/sbin/sshd")
    inventory = audit_runtime(RuntimeOptions(docker_host=engine.host, containers=tuple(names.values()),
                                             image_scan=False))  # fmt: skip
    return inventory, names


def test_every_runtime_rule_has_fixtures() -> None:
    from mamoru.runtime.rules import RUNTIME_RULES

    assert {r.id for r in RUNTIME_RULES} == set(RULE_IDS)
    assert {r.id for r in all_rules() if r.id.startswith("RUN-")} == set(RULE_IDS)


def _reported(rule: str, kind: str, real_results: tuple[Inventory, dict[str, str]]) -> set[str]:
    spec = _spec(rule, kind)
    if "docker" in spec:
        inventory, names = real_results
        name = names[f"{rule}/{kind}"]
        return {f.rule_id for f in inventory.findings
                if f.location is not None and f.location.path.split(":")[0].split("/")[1] == name}  # fmt: skip
    daemon = DaemonFacts.from_info(spec.get("info", {}))
    inspect = {"Name": f"/{rule}-{kind}", "HostConfig": {}, "State": {"Running": True}, **spec.get("inspect", {})}
    findings = check_container(ContainerFacts(inspect=inspect, processes=[]), daemon) + swarm_finding(daemon, "test")
    return {f.rule_id for f in findings}


@pytest.mark.parametrize("rule", RULE_IDS)
def test_fail_fixture_is_reported(rule: str, real_results: tuple[Inventory, dict[str, str]]) -> None:
    assert rule in _reported(rule, "fail", real_results)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_pass_fixture_is_clean(rule: str, real_results: tuple[Inventory, dict[str, str]]) -> None:
    assert rule not in _reported(rule, "pass", real_results)

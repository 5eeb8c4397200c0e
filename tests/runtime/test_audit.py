"""The runtime audit against a real Docker engine: a deliberately bad container, one sharing the host's
namespaces, and a hardened one; every automated CIS Docker §5 result is asserted on each.

The engine has no bridge and no iptables rules: published ports are configuration only, and no traffic
is ever sent to a container.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import mamoru
from tests.runtime.conftest import Engine

from mamoru.model.finding import FindingKind
from mamoru.model.inventory import Inventory
from mamoru.runtime.audit import RuntimeOptions, audit_runtime

# every CIS §5 rule mamoru automates; 5.1 (swarm) and 5.3 (SELinux) do not apply on this engine
# (tested with inspect fixtures in test_rule_fixtures.py)
SECTION_5 = {f"RUN-5{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23,
                                        25, 26, 27, 29, 30, 31, 32)}  # fmt: skip
BAD_FAILS = {"RUN-502", "RUN-504", "RUN-505", "RUN-506", "RUN-508", "RUN-511", "RUN-512", "RUN-513", "RUN-514",
             "RUN-515", "RUN-516", "RUN-518", "RUN-522", "RUN-523", "RUN-525", "RUN-526", "RUN-527", "RUN-529",
             "RUN-530", "RUN-532"}  # fmt: skip
HOST_NS_FAILS = {"RUN-510", "RUN-511", "RUN-512", "RUN-513", "RUN-517", "RUN-520", "RUN-521", "RUN-526", "RUN-527",
                 "RUN-529", "RUN-531"}  # fmt: skip
SECRET = "Zq8vN3xK7pL2mW9rT4yB"  # a made-up database password


@pytest.fixture(scope="module")
def audited(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Inventory | dict[str, object]]:
    scratch = tmp_path_factory.mktemp("runtime")
    socket = engine.host.removeprefix("unix://")
    bad = engine.container(
        "bad", "--privileged", "--pid", "host", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
        "--security-opt", "apparmor=unconfined", "-v", f"{socket}:/var/run/docker.sock", "-v", "/etc:/host-etc:ro",
        "-e", f"DB_PASSWORD={SECRET}", "-p", "18080:80", "-p", "443:443", "--restart", "always",
        "--device", "/dev/null:/dev/xnull", "--cgroup-parent", "/mamoru-test",
    )  # fmt: skip
    engine.docker("exec", "-d", "--privileged", bad, "sleep", "300")  # a privileged exec session (5.23)
    (scratch / "data").mkdir()
    host_ns = engine.container(  # created only: an rshared bind of a private mount cannot start, but is configured
        "hostns",
        "--network",
        "host",
        "--ipc",
        "host",
        "--uts",
        "host",
        "--userns",
        "host",
        "--mount",
        f"type=bind,source={scratch / 'data'},target=/shared,bind-propagation=rshared",
        start=False,
    )
    good = engine.container(
        "good", "--network", "none", "--read-only", "--tmpfs", "/tmp:rw,noexec,nosuid,size=16m", "--user", "1000:1000",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--memory", "64m", "--cpus", "0.5",
        "--pids-limit", "64", "--restart", "on-failure:5", "--health-cmd", "true", "--health-interval", "1s",
        "-p", "127.0.0.1:18081:8080", "-v", f"{scratch / 'data'}:/data:ro",
    )  # fmt: skip
    options = RuntimeOptions(docker_host=engine.host, containers=(bad, host_ns, good), image_scan=False)
    inventory = audit_runtime(options)
    cli = mamoru("runtime", "--docker-host", engine.host, "--container", bad, "--container", good, "-f", "json",
                 "--skip-image-scan", "-q")  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    return {"inventory": inventory, "json": json.loads(cli.stdout), "bad": bad, "hostns": host_ns, "good": good}


def _ids(inventory: Inventory, name: str) -> set[str]:
    return {f.rule_id for f in inventory.findings
            if f.location is not None and f.location.path.split(":")[0].split("/")[1] == name}  # fmt: skip


def test_bad_container_fails_exactly_the_expected_section_5_checks(audited: dict[str, object]) -> None:
    inventory = audited["inventory"]
    assert isinstance(inventory, Inventory)
    found = _ids(inventory, str(audited["bad"]))
    assert found & SECTION_5 == BAD_FAILS
    assert "RUN-001" in found


def test_host_namespace_container_fails_the_namespace_checks(audited: dict[str, object]) -> None:
    inventory = audited["inventory"]
    assert isinstance(inventory, Inventory)
    assert _ids(inventory, str(audited["hostns"])) & SECTION_5 == HOST_NS_FAILS


def test_hardened_container_passes_every_check(audited: dict[str, object]) -> None:
    inventory = audited["inventory"]
    assert isinstance(inventory, Inventory)
    assert _ids(inventory, str(audited["good"])) == set()


def test_created_container_is_audited_and_its_process_checks_noted(audited: dict[str, object]) -> None:
    inventory = audited["inventory"]
    assert isinstance(inventory, Inventory)
    assert any(str(audited["hostns"]) in n.message and "process checks" in n.message for n in inventory.notes)


def test_findings_carry_cis_and_nist_references(audited: dict[str, object]) -> None:
    inventory = audited["inventory"]
    assert isinstance(inventory, Inventory)
    privileged = next(f for f in inventory.findings if f.rule_id == "RUN-505")
    refs = {(c.framework, c.control) for c in privileged.compliance}
    assert ("cis-docker-1.6.0", "5.5") in refs and ("nist-sp-800-190", "4.4.3") in refs
    assert privileged.kind is FindingKind.RUNTIME


def test_secret_in_env_is_reported_redacted(audited: dict[str, object]) -> None:
    document = audited["json"]
    text = json.dumps(document)
    assert SECRET not in text
    secrets = [f for f in document["findings"] if f["ruleId"] == "RUN-001"]  # type: ignore[index]
    assert secrets and "DB_PASSWORD" in secrets[0]["message"]
    assert secrets[0]["evidence"][0].startswith("DB_PASSWORD=Zq8v")


def test_cli_report_is_valid_and_names_the_engine(audited: dict[str, object]) -> None:
    import jsonschema

    document = audited["json"]
    schema = json.loads((Path(__file__).resolve().parents[2] / "src/mamoru/report/schema/report-v1.json").read_text())
    jsonschema.validate(document, schema)
    assert document["command"] == "runtime" and document["artifact"]["kind"] == "container"  # type: ignore[index]
    rules = {f["ruleId"] for f in document["findings"]}  # type: ignore[index]
    assert rules >= BAD_FAILS


def test_images_of_containers_are_scanned_through_the_image_pipeline(audited: dict[str, object],
                                                                     engine: Engine) -> None:  # fmt: skip
    """The default run exports each container's image from the engine and scans it once."""
    good = str(audited["good"])
    result = mamoru("runtime", "--docker-host", engine.host, "--container", good, "-f", "json", "-q",
                    "--list-all-pkgs", "--scanners", "misconfig,file")  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["artifact"]["name"] == good
    assert {p["name"] for p in document["packages"]} >= {"musl", "busybox", "apk-tools"}
    image_findings = [f for f in document["findings"] if f["ruleId"] == "IMG-002"]  # the image has no HEALTHCHECK
    assert image_findings and f"image feas/alpine:latest of container {good}" in image_findings[0]["message"]
    assert not [f for f in document["findings"] if f["ruleId"].startswith("RUN-")]

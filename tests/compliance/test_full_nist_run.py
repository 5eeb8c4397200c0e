"""The whole life cycle in one NIST SP 800-190 run: a bad image, its Dockerfile, a bad running container
and a bad host, each scanned by the real thing (the planted image, the config scanner, a real Docker
engine, a prepared host root), with the failing controls each target is expected to cause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import mamoru
from tests.host.trees import apply, good_host
from tests.runtime.conftest import Engine

pytestmark = [pytest.mark.images, pytest.mark.docker, pytest.mark.usefixtures("cache_dir")]

# the Dockerfile the planted image stands for: root, sshd, a remote ADD, secrets in ENV
DOCKERFILE = """\
FROM debian:latest
RUN apt-get update
RUN apt-get install -y openssh-server sudo
ADD https://downloads.invalid/tool.tar.gz /opt/
ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
EXPOSE 22
CMD ["/usr/sbin/sshd", "-D"]
"""
BAD_HOST = {
    "daemon": {"icc": None, "insecure-registries": ["registry.example.invalid:5000"], "live-restore": None},
    "chmod": {"run/docker.sock": "0666"},
    "replace": {"etc/group": ["docker:x:998:", "docker:x:998:alice"]},
    "remove": ["etc/audit"],
}


@pytest.fixture(scope="module")
def report(planted: Path, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("nist")
    (folder / "Dockerfile").write_text(DOCKERFILE)
    host = good_host(folder / "host")
    apply(host, BAD_HOST)
    engine.container(
        "nist-bad", "--privileged", "--pid", "host", "-v", "/etc:/host-etc:ro",
        "-e", "DB_PASSWORD=Sup3rS3cretPassw0rd!",
    )  # fmt: skip
    result = mamoru(
        "compliance", "--spec", "nist-sp-800-190",
        str(planted / "planted-docker.tar"), str(folder / "Dockerfile"), f"runtime:{engine.host}", f"host:{host}",
        "-f", "json", "-q", "--exit-code", "9",
        env={"MAMORU_CACHE_DIR": str(folder / "cache")},
    )  # fmt: skip
    assert result.returncode == 9, result.stderr  # failing controls fail the gate
    document: dict[str, object] = json.loads(result.stdout)
    return document


def failing_targets(document: dict[str, object], control_id: str) -> dict[str, set[str]]:
    """target → rule ids that fail ``control_id``."""
    control = next(c for c in document["controls"] if c["id"] == control_id)  # type: ignore[union-attr,index]
    assert control["status"] == "fail", (control_id, control)
    result: dict[str, set[str]] = {}
    for hit in control["failures"]:
        result.setdefault(hit["target"].split(":", 1)[0] if hit["target"].startswith(("runtime:", "host:"))
                          else Path(hit["target"]).name, set()).add(hit["ruleId"])  # fmt: skip
    return result


def test_every_target_was_scanned(report: dict[str, object]) -> None:
    scopes = [t["scope"] for t in report["targets"]]  # type: ignore[union-attr,index]
    assert scopes == ["image", "config", "runtime", "host"]
    assert all(t["rulesEvaluated"] > 0 for t in report["targets"])  # type: ignore[union-attr,index]


def test_expected_failing_controls(report: dict[str, object]) -> None:
    status = {c["id"]: c["status"] for c in report["controls"]}  # type: ignore[union-attr,index]
    expected_failing = {
        "4.1.2",  # image configuration defects: root user, sshd (image, Dockerfile)
        "4.1.3",  # embedded malware: the planted miners, reverse shell, web shell (image)
        "4.1.4",  # clear-text secrets: files and ENV in the image, ENV in the Dockerfile, env of the container
        "4.1.5",  # untrusted images: FROM :latest without a digest, ADD from a URL
        "4.2.1",  # insecure connections to registries: insecure-registries in daemon.json (host)
        "4.4.3",  # insecure runtime configuration: privileged, host PID namespace (container)
        "4.5.5",  # host file system tampering: /etc mounted into the container
    }
    failing = {control_id for control_id, value in status.items() if value == "fail"}
    assert expected_failing <= failing, sorted(failing)
    assert status["4.6"] == "manual"  # hardware root of trust: a person checks it
    assert report["summary"]["fail"] == len(failing)  # type: ignore[index]


def test_each_target_contributes_its_own_evidence(report: dict[str, object]) -> None:
    secrets = failing_targets(report, "4.1.4")
    assert {"planted-docker.tar", "Dockerfile", "runtime"} <= set(secrets), secrets
    assert "RUN-001" in secrets["runtime"]  # DB_PASSWORD in the container's environment
    runtime = failing_targets(report, "4.4.3")["runtime"]
    assert {"RUN-505", "RUN-516"} <= runtime  # privileged; host PID namespace
    assert "RUN-506" in failing_targets(report, "4.5.5")["runtime"]  # /etc mounted from the host
    assert "DAEMON-205" in failing_targets(report, "4.2.1")["host"]  # insecure registry
    assert {"MAL-002", "MAL-004"} <= failing_targets(report, "4.1.3")["planted-docker.tar"]

"""Drift of real containers: `docker exec` writes a miner binary, patches an image binary, installs a package,
drops a credential file — each is found from `docker diff` plus the content streamed from the Engine.
Also the process check: a container whose main process is an sshd."""

from __future__ import annotations

import pytest
from tests.runtime.conftest import Engine

from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import Inventory
from mamoru.runtime.audit import RuntimeOptions, audit_runtime
from mamoru.runtime.drift import Change, leaves, parse_changes

MINER_STRINGS = "stratum+tcp://pool.example.invalid:3333 --donate-level=1 randomx cryptonight nicehash hashrate"
FAKE_AWS_SECRET = "q9Rk2TzV7bXw4NcYp1LmHs8JdFg3AeUo6iKt5WrB"  # made-up, AWS secret key shaped


@pytest.fixture(scope="module")
def drifted(engine: Engine) -> tuple[Inventory, str, str]:
    changed = engine.container("drift", "--network", "none")
    script = (
        f"cp /bin/busybox /usr/local/bin/kworkerd && printf '{MINER_STRINGS}' >> /usr/local/bin/kworkerd && "
        "chmod 755 /usr/local/bin/kworkerd && "
        "printf '\\n# patched' >> /sbin/apk && "  # an image binary changed in place
        "printf 'P:evil\\nV:1.0-r0\\n\\n' >> /lib/apk/db/installed && "  # a package 'installed' in place
        "mkdir -p /root/.aws && "
        f"printf '[default]\\naws_secret_access_key = {FAKE_AWS_SECRET}\\n' > /root/.aws/credentials && "
        "echo scratch > /tmp/scratch.txt"
    )  # fmt: skip
    engine.docker("exec", changed, "sh", "-c", script)
    clean = engine.container("clean", "--network", "none")
    engine.docker("exec", clean, "sh", "-c", "echo scratch > /tmp/only-temporary")
    script = "cp /bin/sleep /usr/sbin/sshd && exec /usr/sbin/sshd 600"
    sshd = engine.container("sshd", "--network", "none", image="feas/base:latest", command=("sh", "-c", script))
    engine.wait_for_processes(sshd, "/usr/sbin/sshd")  # "sshd" is a copy of sleep: the check reads process names
    options = RuntimeOptions(docker_host=engine.host, containers=(changed, clean, sshd), image_scan=False)
    return audit_runtime(options), changed, clean


def _of(inventory: Inventory, name: str) -> list[Finding]:
    return [
        f for f in inventory.findings if f.location is not None and f.location.path.startswith(f"containers/{name}")
    ]


def test_new_miner_binary_is_found(drifted: tuple[Inventory, str, str]) -> None:
    inventory, changed, _clean = drifted
    findings = _of(inventory, changed)
    new = [f for f in findings if f.rule_id == "RUN-010"]
    assert [f.location.path for f in new if f.location] == [f"containers/{changed}/usr/local/bin/kworkerd"]
    assert "ELF binary" in new[0].message
    miner = [f for f in findings if f.rule_id == "MAL-002"]
    assert miner and miner[0].kind is FindingKind.MALWARE


def test_modified_image_binary_and_package_database(drifted: tuple[Inventory, str, str]) -> None:
    inventory, changed, _clean = drifted
    by_rule = {f.rule_id: f for f in _of(inventory, changed)}
    assert by_rule["RUN-011"].location is not None
    assert by_rule["RUN-011"].location.path == f"containers/{changed}/sbin/apk"
    assert "lib/apk/db/installed" in by_rule["RUN-013"].message
    assert "RUN-012" in by_rule and any("kworkerd" in e for e in by_rule["RUN-012"].evidence)


def test_secret_written_at_run_time_is_found_and_redacted(drifted: tuple[Inventory, str, str]) -> None:
    inventory, changed, _clean = drifted
    secrets = [f for f in _of(inventory, changed) if f.kind is FindingKind.SECRET]
    assert secrets and all(FAKE_AWS_SECRET not in " ".join(f.evidence) + f.message for f in secrets)
    assert any(f.location is not None and f.location.path.endswith("root/.aws/credentials") for f in secrets)


def test_temporary_files_are_not_drift(drifted: tuple[Inventory, str, str]) -> None:
    inventory, _changed, clean = drifted
    rules = {f.rule_id for f in _of(inventory, clean)}
    assert not rules & {"RUN-010", "RUN-011", "RUN-012", "RUN-013"}


def test_sshd_process_is_found(drifted: tuple[Inventory, str, str]) -> None:
    inventory, changed, clean = drifted
    sshd = [f for f in inventory.findings if f.rule_id == "RUN-507"]
    assert len(sshd) == 1 and "sshd" in sshd[0].message
    assert changed not in sshd[0].message and clean not in sshd[0].message


def test_change_list_parsing_is_bounded_and_safe() -> None:
    raw = [{"Path": "/usr", "Kind": 0}, {"Path": "/usr/bin/x", "Kind": 1}, {"Path": "/../etc/x", "Kind": 1},
           {"Path": 7, "Kind": 1}, {"Path": "/etc/motd", "Kind": 2}, {"Path": "/etc", "Kind": 9}]  # fmt: skip
    changes = parse_changes(raw)
    assert changes == [Change("usr", "C"), Change("usr/bin/x", "A"), Change("etc/motd", "D")]
    assert leaves(changes) == [Change("usr/bin/x", "A"), Change("etc/motd", "D")]
    assert parse_changes(None) == [] and parse_changes({"Path": "/x"}) == []

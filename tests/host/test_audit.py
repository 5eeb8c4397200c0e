"""`mamoru host` end to end: a bad host tree through the real CLI, unreadable and hostile files, the live host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
from tests.conftest import FIXTURES, mamoru
from tests.host.trees import apply, good_host

from mamoru.host.audit import HostOptions, audit_host

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "src/mamoru/report/schema/report-v1.json").read_text())
BAD = {
    "daemon": {"icc": None, "insecure-registries": ["registry.example.invalid:5000"], "live-restore": None,
               "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"], "tlsverify": None, "tlscacert": None,
               "tlscert": None, "tlskey": None},
    "chmod": {"run/docker.sock": "0666", "etc/docker/daemon.json": "0666"},
    "replace": {"etc/group": ["docker:x:998:", "docker:x:998:alice,admin"],
                "etc/fstab": ["/dev/vdb1 /var/lib/docker ext4 defaults 0 2\n", ""]},
    "remove": ["etc/audit"],
}  # fmt: skip


def test_bad_host_through_the_cli(tmp_path: Path) -> None:
    root = good_host(tmp_path / "root")
    apply(root, BAD)
    result = mamoru("host", "--root", str(root), "-f", "json", "-q", "--exit-code", "4")
    assert result.returncode == 4, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["command"] == "host" and document["artifact"]["kind"] == "host"
    rules = {f["ruleId"] for f in document["findings"]}
    assert {"DAEMON-202", "DAEMON-205", "DAEMON-207", "DAEMON-215", "DFILE-316", "DFILE-318", "HOST-101",
            "HOST-102"} <= rules  # fmt: skip
    assert {f"HOST-1{n:02d}" for n in (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18)} <= rules
    tcp = next(f for f in document["findings"] if f["ruleId"] == "DAEMON-207")
    assert "tcp://0.0.0.0:2375 without TLS" in tcp["message"] and tcp["severity"] == "CRITICAL"
    members = next(f for f in document["findings"] if f["ruleId"] == "HOST-102")
    assert "alice" in members["message"] and "admin" in members["message"]
    assert {"name": "docker.io", "type": "deb"}.items() <= next(p for p in document["packages"]
                                                                if p["name"] == "docker.io").items()  # fmt: skip
    gated = mamoru("host", "--root", str(root), "-q", "--severity", "CRITICAL", "--exit-code", "3", "-f", "json")
    assert gated.returncode == 3
    assert {f["severity"] for f in json.loads(gated.stdout)["findings"]} == {"CRITICAL"}


def test_systemd_unit_and_environment_file_give_the_command_line(tmp_path: Path) -> None:
    root = good_host(tmp_path / "root")
    apply(
        root,
        {
            "daemon": {"hosts": None, "tlsverify": None},
            "files": {"etc/default/docker": {"text": 'DOCKER_OPTS="-H tcp://0.0.0.0:2375 --icc=true"\n'}},
        },
    )
    inventory = audit_host(HostOptions(root=str(root), packages=False))
    tcp = [f for f in inventory.findings if f.rule_id == "DAEMON-207"]
    assert tcp and "systemd unit /lib/systemd/system/docker.service" in tcp[0].message
    assert any(f.rule_id == "DAEMON-202" for f in inventory.findings)


def test_malformed_and_hostile_files_are_notes(tmp_path: Path) -> None:
    root = good_host(tmp_path / "root")
    (root / "etc/docker/daemon.json").write_text("{not json")
    os.symlink("../../../../../../etc/shadow", root / "etc/passwd.lnk")
    (root / "etc/passwd").unlink()
    os.symlink("passwd", root / "etc/passwd")  # a link loop
    os.mkfifo(root / "etc/default/docker.fifo")
    (root / "etc/default/docker").unlink()
    os.symlink("docker.fifo", root / "etc/default/docker")
    inventory = audit_host(HostOptions(root=str(root), packages=False))
    messages = [str(n) for n in inventory.notes]
    assert any("daemon configuration is not valid JSON" in m for m in messages)
    assert any("etc/passwd" in m and "symbolic links" in m for m in messages)
    assert any("etc/default/docker" in m and "not a regular file" in m for m in messages)
    assert any(f.rule_id == "DAEMON-202" for f in inventory.findings)  # the other checks still ran


def test_unreadable_files_are_one_line_each(tmp_path: Path) -> None:
    """Files of another user with mode 600/700, read without the capabilities that let root ignore permissions."""
    root = good_host(tmp_path / "root")
    for path, mode in (("etc/docker/daemon.json", 0o600), ("etc/audit/rules.d", 0o700)):
        os.chown(root / path, 1000, 1000)
        os.chmod(root / path, mode)
    result = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "mamoru", "host",
         "--root", str(root), "--skip-packages", "-f", "json"],
        capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "MAMORU_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    notes = [n for n in document["notes"] if n["kind"] == "warning"]
    assert any(n["path"] == "/etc/docker/daemon.json" and "Permission denied" in n["message"] for n in notes)
    assert any(n["path"] == "/etc/audit/rules.d" and "Permission denied" in n["message"] for n in notes)
    assert "Traceback" not in result.stderr
    assert document["findings"]  # the remaining checks ran


def test_not_a_directory_is_one_line(tmp_path: Path) -> None:
    result = mamoru("host", "--root", str(tmp_path / "missing"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_live_host_audits_the_running_daemons(runtime_engine: str) -> None:
    """On `/`: the private test engine (started with --iptables=false, no TLS, defaults) is found in /proc."""
    pid = (FIXTURES / "runtime" / "dockerd.pid").read_text().strip()
    result = mamoru("host", "--skip-packages", "-f", "json", "-q", env={"DOCKER_HOST": runtime_engine})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    mine = {f["ruleId"] for f in document["findings"] if f"pid {pid})" in f["message"]}
    assert {"DAEMON-202", "DAEMON-204", "DAEMON-214", "DAEMON-215"} <= mine
    assert "DAEMON-207" not in mine  # unix socket only

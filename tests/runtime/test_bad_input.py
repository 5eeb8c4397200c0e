"""Bad input for `mamoru runtime`: no daemon, a socket the user may not open, a daemon too old for the API,
containers that vanish during the audit — one clear line each, and the other checks go on."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import docker
import pytest
from tests.conftest import mamoru
from tests.runtime.conftest import Engine

from mamoru.errors import TargetError
from mamoru.runtime.audit import RuntimeOptions, _Audit, audit_runtime
from mamoru.runtime.checks import DaemonFacts
from mamoru.runtime.drift import ContainerGone, DriftReader
from mamoru.runtime.engine import connect

_CACHE = {"MAMORU_CACHE_DIR": "/tmp/mamoru-test-cache-permission"}


def test_unreachable_daemon_is_one_line(tmp_path: Path) -> None:
    result = mamoru("runtime", "--docker-host", f"unix://{tmp_path}/no.sock")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach a Docker daemon" in lines[0] and "no such socket" in lines[0]


def test_permission_denied_is_one_line(tmp_path: Path) -> None:
    """A daemon socket the user may not open (another user's, mode 600; mamoru runs without the capabilities
    that let root ignore file permissions) gives the reason, not a traceback."""
    path = tmp_path / "d.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    os.chown(path, 1000, 1000)
    os.chmod(path, 0o600)
    try:
        result = subprocess.run(
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "mamoru", "runtime",
             "--docker-host", f"unix://{path}"],
            capture_output=True, text=True, check=False, timeout=120, env={**os.environ, **_CACHE},
        )  # fmt: skip
    finally:
        listener.close()
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "permission denied" in lines[0]


class _OldDaemon(BaseHTTPRequestHandler):
    """Answers /_ping and /version like an old daemon whose API version is in the server's ``api`` attribute."""

    def do_GET(self) -> None:
        api = getattr(self.server, "api", "1.12")
        body = json.dumps({"Version": "old", "ApiVersion": api}).encode() if "version" in self.path else b"OK"
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if body.startswith(b"{") else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):  # type: ignore[no-untyped-def]
        request, _ = super().get_request()
        return request, ("local", 0)  # BaseHTTPRequestHandler wants a (host, port) client address


@pytest.fixture(params=["1.12", "1.24"])
def old_daemon(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    path = str(tmp_path / "old.sock")
    server = _UnixServer(path, _OldDaemon)
    server.api = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"unix://{path}"
    server.shutdown()
    server.server_close()


def test_api_version_too_old_is_one_line(old_daemon: str) -> None:
    """1.12: the docker SDK refuses it; 1.24: the SDK accepts it, mamoru needs 1.25 (Docker 1.13)."""
    with pytest.raises(TargetError, match=r"API version mismatch|speaks API 1\.24; mamoru needs API 1\.25"):
        connect(old_daemon)
    result = mamoru("runtime", "--docker-host", old_daemon)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_named_container_missing_is_noted_others_audited(engine: Engine) -> None:
    present = engine.container("present", "--network", "none", start=False)
    options = RuntimeOptions(docker_host=engine.host, containers=(present, engine.name("never-created")),
                             image_scan=False)  # fmt: skip
    inventory = audit_runtime(options)
    assert any("no such container" in n.message for n in inventory.notes)
    assert any(f.rule_id == "RUN-513" for f in inventory.findings)
    with pytest.raises(TargetError, match="none of the containers"):
        audit_runtime(RuntimeOptions(docker_host=engine.host, containers=(engine.name("nothing"),)))


def test_container_vanishing_mid_audit_is_a_note(engine: Engine) -> None:
    gone = engine.container("gone", "--network", "none")
    client = docker.DockerClient(base_url=engine.host)
    container_id = client.api.inspect_container(gone)["Id"]
    engine.docker("rm", "-f", gone)
    audit = _Audit(client, RuntimeOptions(docker_host=engine.host), None)
    assert audit._audit_container(container_id, DaemonFacts(), None) == ""
    assert any("disappeared" in n.message for n in audit.notes) and not audit.findings
    with pytest.raises(ContainerGone):
        DriftReader(client, container_id, gone, None).run()
    client.close()

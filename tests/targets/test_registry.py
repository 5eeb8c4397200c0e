"""Images read from a real registry (Debian's docker-registry, the CNCF distribution server) on 127.0.0.1."""

from __future__ import annotations

import base64
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.json import json_parser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from tests.conftest import mamoru, which
from tests.helpers import multi_arch_layout

from mamoru.errors import TargetError
from mamoru.scan.pipeline import ScanOptions, scan_image
from mamoru.targets.registry import RegistryReference

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(data: Path, config_dir: Path, name: str, auth: str = "") -> tuple[subprocess.Popen[bytes], str]:
    """A registry on a free loopback port storing under ``data``; ``auth``: its ``auth:`` section (YAML)."""
    port = _free_port()
    config = config_dir / f"{name}.yml"
    config.write_text(
        f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {data}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{auth}log:\n  level: warn\n"
    )
    process = subprocess.Popen([which("docker-registry"), "serve", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    host = f"127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1).close()
            break
        except urllib.error.HTTPError:
            break  # 401: up, and asking for a login
        except OSError:
            time.sleep(0.1)
    return process, host


@pytest.fixture(scope="module")
def registry(images: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """Two registries on one store holding mamoru/base:1 (docker-archive) and mamoru/multi:1 (an index):
    ``(anonymous host, store, host that wants alice's password)``."""
    root = tmp_path_factory.mktemp("registry")
    htpasswd = root / "htpasswd"
    htpasswd.write_text(subprocess.run([which("htpasswd"), "-Bbn", "alice", "s3cret"], check=True,
                                       capture_output=True, text=True).stdout)  # fmt: skip
    login = f"auth:\n  htpasswd:\n    realm: mamoru-test\n    path: {htpasswd}\n"
    servers = [_serve(root / "data", root, "open"), _serve(root / "data", root, "login", auth=login)]
    host = servers[0][1]
    try:
        multi = multi_arch_layout(images / "oci", root / "multi", attestation=False)
        for source, name in ((f"docker-archive:{images / 'base-docker.tar'}", "base:1"),
                             (f"oci:{multi}:multi", "multi:1")):  # fmt: skip
            subprocess.run([which("skopeo"), "copy", "-q", "--all", "--dest-tls-verify=false", source,
                            f"docker://{host}/mamoru/{name}"], check=True)  # fmt: skip
        yield host, root / "data", servers[1][1]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)


def packages(target: str, platform: str | None = None) -> list[tuple[str, str, int]]:
    inventory = scan_image(target, ScanOptions(platform=platform))
    return sorted((p.name, p.version, p.layer.index if p.layer else -1) for p in inventory.packages)


def test_image_from_a_registry_equals_the_archive_it_was_pushed_from(
    registry: tuple[str, Path, str], images: Path
) -> None:
    host, _, _ = registry
    inventory = scan_image(f"registry://{host}/mamoru/base:1", ScanOptions())
    assert inventory.artifact.source == "registry"
    assert inventory.artifact.image is not None and inventory.artifact.image.repo_tags == (f"{host}/mamoru/base:1",)
    assert packages(f"registry://{host}/mamoru/base:1") == packages(str(images / "base-docker.tar"))
    digest = inventory.artifact.image.manifest_digest
    assert packages(f"registry://{host}/mamoru/base@{digest}") == packages(str(images / "base-docker.tar"))


def test_index_in_a_registry_is_resolved_by_platform(registry: tuple[str, Path, str], images: Path) -> None:
    host, _, _ = registry
    target = f"registry://{host}/mamoru/multi:1"
    assert packages(target, "linux/amd64") == packages(f"{images}/oci:app")
    assert packages(target, "linux/arm64") == packages(f"{images}/oci:alpine")
    with pytest.raises(TargetError, match=r"no linux/s390x image \(available: linux/amd64, linux/arm64\)"):
        scan_image(target, ScanOptions(platform="linux/s390x"))


def test_cli_sbom_and_one_line_errors(registry: tuple[str, Path, str], tmp_path: Path) -> None:
    host, _, _ = registry
    out = tmp_path / "bom.json"
    assert mamoru("sbom", f"registry://{host}/mamoru/base:1", "-q", "-o", str(out)).returncode == 0
    bom = json.loads(out.read_text())
    assert len([c for c in bom["components"] if c["type"] == "library"]) == 88
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text()) is None
    image = scan_image(f"registry://{host}/mamoru/base:1", ScanOptions()).artifact.image
    assert image is not None
    digest = image.repo_digests[0]
    assert digest.startswith(f"{host}/mamoru/base@sha256:")
    assert bom["metadata"]["component"]["purl"] == (
        f"pkg:oci/base@{digest.split('@')[1]}?arch=amd64&repository_url={host}/mamoru/base&tag=1"
    )
    spdx = tmp_path / "bom.spdx.json"
    assert mamoru("sbom", f"registry://{host}/mamoru/base:1", "-q", "-f", "spdx-json", "-o", str(spdx)).returncode == 0
    assert validate_full_spdx_document(json_parser.parse_from_file(str(spdx))) == []
    report = mamoru("image", f"registry://{host}/mamoru/base:1", "-q", "-f", "json", "--scanners", "secret")
    schema = json.loads(resources.files("mamoru.report").joinpath("schema/report-v1.json").read_text())
    jsonschema.validate(json.loads(report.stdout), schema)
    for target, message in (
        (f"registry://{host}/mamoru/nope:1", "manifests request failed: HTTP 404"),
        (f"registry://127.0.0.1:{_free_port()}/mamoru/base:1", "cannot reach 127.0.0.1"),
        ("registry://mamoru/base:1", "not a registry reference"),
        (f"registry://{host}/mamoru/base@sha256:{'0' * 64}", "HTTP 404"),
    ):
        result = mamoru("image", target, "-q")
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and message in result.stderr, target


def test_a_registry_serving_altered_layer_bytes_is_caught(registry: tuple[str, Path, str], tmp_path: Path) -> None:
    """The registry's stored blob is overwritten behind its back: the layer's digest no longer verifies."""
    host, data, _ = registry
    subprocess.run([which("skopeo"), "copy", "-q", "--dest-tls-verify=false", f"docker://{host}/mamoru/base:1",
                    f"docker://{host}/mamoru/victim:1", "--src-tls-verify=false"], check=True)  # fmt: skip
    inventory = scan_image(f"registry://{host}/mamoru/victim:1", ScanOptions())
    layer = inventory.artifact.layers[0].digest.split(":")[1]
    blob = data / "docker" / "registry" / "v2" / "blobs" / "sha256" / layer[:2] / layer / "data"
    original = blob.read_bytes()
    try:
        blob.write_bytes(original[:-1024] + bytes(1024))
        result = mamoru("sbom", f"registry://{host}/mamoru/victim:1", "-q", "-o", str(tmp_path / "x.json"))
        assert result.returncode == 2 and "digest mismatch" in result.stderr, result.stderr
    finally:
        blob.write_bytes(original)


def test_reference_parsing() -> None:
    ref = RegistryReference.parse("registry://127.0.0.1:5000/team/app:1.2")
    assert (ref.host, ref.repository, ref.tag, ref.digest, ref.base_url) == (
        "127.0.0.1:5000", "team/app", "1.2", "", "http://127.0.0.1:5000")  # fmt: skip
    assert RegistryReference.parse("registry://registry.example.com/app").reference == "latest"
    assert RegistryReference.parse("registry://registry.example.com/app").base_url.startswith("https://")
    assert RegistryReference.parse("registry://localhost:5000/a/b@sha256:" + "a" * 64).digest == "sha256:" + "a" * 64
    for bad in ("registry://app:1", "registry://host.example/UPPER", "registry://h.example/a:b c"):
        with pytest.raises(TargetError, match="not a registry reference"):
            RegistryReference.parse(bad)


def test_basic_login_from_the_environment_or_docker_config(registry: tuple[str, Path, str], tmp_path: Path) -> None:
    _, _, login_host = registry
    target = f"registry://{login_host}/mamoru/base:1"
    no_config = {"DOCKER_CONFIG": str(tmp_path / "none")}
    anonymous = mamoru("sbom", target, "-q", "-o", os.devnull, env=no_config)
    assert anonymous.returncode == 2 and "wants a login" in anonymous.stderr
    login = {**no_config, "MAMORU_REGISTRY_USERNAME": "alice"}
    wrong = mamoru("sbom", target, "-q", "-o", os.devnull, env={**login, "MAMORU_REGISTRY_PASSWORD": "nope"})
    assert wrong.returncode == 2 and "refused the credentials" in wrong.stderr
    right = mamoru("sbom", target, "-q", "-o", os.devnull, env={**login, "MAMORU_REGISTRY_PASSWORD": "s3cret"})
    assert right.returncode == 0, right.stderr
    docker_config = tmp_path / "docker"
    docker_config.mkdir()
    auth = base64.b64encode(b"alice:s3cret").decode()
    (docker_config / "config.json").write_text(json.dumps({"auths": {login_host: {"auth": auth}}}))
    from_config = mamoru("sbom", target, "-q", "-o", os.devnull, env={"DOCKER_CONFIG": str(docker_config)})
    assert from_config.returncode == 0, from_config.stderr


class _TokenService(http.server.BaseHTTPRequestHandler):
    """A Docker token service for the registry's ``auth: token`` mode: RS256 JWTs signed with openssl,
    the signing certificate in ``x5c``; it records the requests so the test sees what mamoru sent."""

    key: Path
    certificate_der: bytes
    seen: list[tuple[dict[str, str], str]]

    def do_GET(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
        self.seen.append((query, self.headers.get("Authorization", "")))
        kind, name, actions = query["scope"].split(":")
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(self.certificate_der).decode()]}
        access = [{"type": kind, "name": name, "actions": actions.split(",")}]
        claims = {"iss": "mamoru-test", "sub": "", "aud": query["service"], "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": str(now), "access": access}  # fmt: skip
        signing = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
        signature = subprocess.run([which("openssl"), "dgst", "-sha256", "-sign", str(self.key)], input=signing,
                                   capture_output=True, check=True).stdout  # fmt: skip
        body = json.dumps({"token": f"{signing.decode()}.{_b64(signature)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_bearer_token_from_the_realm_the_registry_names(registry: tuple[str, Path, str], tmp_path: Path) -> None:
    """The registry in token mode answers 401 with a Bearer challenge; mamoru asks the realm for a pull token."""
    _, data, _ = registry
    openssl = which("openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=mamoru-token"], check=True, capture_output=True)  # fmt: skip
    der = subprocess.run([openssl, "x509", "-in", str(cert), "-outform", "DER"], check=True, capture_output=True).stdout
    seen: list[tuple[dict[str, str], str]] = []
    handler = type("Handler", (_TokenService,), {"key": key, "certificate_der": der, "seen": seen})
    service = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=service.serve_forever, daemon=True).start()
    token_auth = (f"auth:\n  token:\n    realm: http://127.0.0.1:{service.server_port}/token\n"
                  f"    service: mamoru-registry\n    issuer: mamoru-test\n    rootcertbundle: {cert}\n")  # fmt: skip
    process, host = _serve(data, tmp_path, "token", auth=token_auth)
    try:
        target = f"registry://{host}/mamoru/base:1"
        env = {"DOCKER_CONFIG": str(tmp_path / "none"), "MAMORU_REGISTRY_USERNAME": "alice",
               "MAMORU_REGISTRY_PASSWORD": "s3cret"}  # fmt: skip
        result = mamoru("sbom", target, "-q", "-o", str(tmp_path / "bom.json"), env=env)
        assert result.returncode == 0, result.stderr
        assert len([c for c in json.loads((tmp_path / "bom.json").read_text())["components"]
                    if c["type"] == "library"]) == 88  # fmt: skip
        query, authorization = seen[0]
        assert query == {"service": "mamoru-registry", "scope": "repository:mamoru/base:pull"}
        assert authorization == "Basic " + base64.b64encode(b"alice:s3cret").decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
        service.shutdown()


@pytest.mark.docker
def test_a_daemon_image_pushed_to_a_registry_gets_its_repository_digest(
    registry: tuple[str, Path, str], docker_images: Path
) -> None:
    """`docker push` gives an image RepoDigests; the daemon target keeps them and the SBOM names the image by one."""
    host, _, _ = registry
    name = f"{host}/mamoru/built:1"
    docker = "/usr/bin/docker"
    subprocess.run([docker, "tag", "mamoru/dockerbuilt:latest", name], check=True)
    subprocess.run([docker, "push", "-q", name], check=True, capture_output=True)
    try:
        image = scan_image(name, ScanOptions()).artifact.image
        assert (
            image is not None
            and image.repo_digests
            and image.repo_digests[0].startswith(f"{host}/mamoru/built@sha256:")
        )
        pulled = scan_image(f"registry://{name}", ScanOptions()).artifact.image
        assert pulled is not None and pulled.repo_digests == image.repo_digests  # the same manifest, by both roads
        bom = json.loads(mamoru("sbom", name, "-q").stdout)
        assert bom["metadata"]["component"]["purl"].startswith("pkg:oci/built@sha256:")
    finally:
        subprocess.run([docker, "rmi", name], check=False, capture_output=True)

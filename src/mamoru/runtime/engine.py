"""The connection to a Docker Engine, with one clear line for each way it can fail.

``--docker-host`` (else ``DOCKER_HOST``) names a unix socket or a TCP endpoint; TLS follows the
Docker CLI's environment (``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH``). The API version is
negotiated with the daemon; daemons older than API 1.25 (Docker 1.13) are refused.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mamoru.errors import TargetError

if TYPE_CHECKING:
    from docker import DockerClient

MIN_API_VERSION = (1, 25)
TIMEOUT_SECONDS = 120


def connect(docker_host: str | None = None) -> DockerClient:
    """A client for the daemon at ``docker_host`` (else the environment's), pinged and version-checked."""
    import docker
    from docker.errors import DockerException

    where = docker_host or os.environ.get("DOCKER_HOST") or "the default Docker socket"
    environment = dict(os.environ)
    if docker_host:
        environment["DOCKER_HOST"] = docker_host
    try:
        client = docker.from_env(environment=environment, timeout=TIMEOUT_SECONDS)
        client.ping()
    except DockerException as exc:
        raise TargetError(f"cannot reach a Docker daemon at {where}: {explain(exc)}") from None
    version = client.api.api_version
    if _version_tuple(version) < MIN_API_VERSION:
        client.close()
        raise TargetError(f"the Docker daemon at {where} speaks API {version}; mamoru needs API "
                          f"{'.'.join(map(str, MIN_API_VERSION))} (Docker 1.13) or newer")  # fmt: skip
    return client


def explain(exc: BaseException) -> str:
    """One line for a docker SDK or connection error, with the usual causes named."""
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if "permission denied" in lowered:
        return "permission denied (run as root or as a member of the docker group)"
    if "no such file or directory" in lowered or "filenotfounderror" in lowered:
        return "no such socket (is the daemon running?)"
    if "connection refused" in lowered:
        return "connection refused (is the daemon running?)"
    if ("client version" in lowered and ("too new" in lowered or "too old" in lowered)) or "api version" in lowered:
        return f"API version mismatch: {text[:300]}"
    return text[:300] or type(exc).__name__


def display_host(client: DockerClient, docker_host: str | None) -> str:
    """How reports name the daemon."""
    return docker_host or os.environ.get("DOCKER_HOST") or str(getattr(client.api, "base_url", "")) or "docker"


def _version_tuple(version: Any) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(version).split(".")[:2])
    except ValueError:
        return (0,)

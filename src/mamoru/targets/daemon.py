"""Images in a Docker Engine: exported with ``docker save`` through the docker SDK, then read as a docker-archive."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from typing import TYPE_CHECKING

from mamoru.cache import scratch_dir
from mamoru.errors import LimitExceeded, TargetError
from mamoru.runtime.engine import explain
from mamoru.targets.docker_archive import open_docker_archive
from mamoru.targets.source import StoredImage
from mamoru.targets.stores import TarStore
from mamoru.walk.limits import Limits

if TYPE_CHECKING:
    from docker import DockerClient


def docker_client(docker_host: str | None = None) -> DockerClient:
    """A connected docker SDK client (``--docker-host``, else ``DOCKER_HOST``, else the default socket)."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.DockerClient(base_url=docker_host) if docker_host else docker.from_env()
        client.ping()
    except DockerException as exc:
        where = docker_host or os.environ.get("DOCKER_HOST") or "the default Docker socket"
        raise TargetError(f"cannot reach a Docker daemon at {where}: {explain(exc)}") from None
    return client


def open_daemon_image(reference: str, limits: Limits, docker_host: str | None = None) -> StoredImage:
    """Export ``reference`` from the daemon into the cache and open it; the export is removed on close."""
    from docker.errors import DockerException, ImageNotFound

    try:
        client = docker_client(docker_host)
    except TargetError as exc:
        raise TargetError(f"{reference}: no such file or directory, and {exc}") from None
    try:
        image = client.images.get(reference)
    except ImageNotFound:
        raise TargetError(f"{reference}: no such file, directory or image in the Docker daemon") from None
    except DockerException as exc:
        raise TargetError(f"{reference}: Docker daemon error: {explain(exc)}") from None
    fd, path = tempfile.mkstemp(dir=scratch_dir(), prefix="daemon-", suffix=".tar")
    try:
        written = 0
        with os.fdopen(fd, "wb") as sink:
            for chunk in image.save(named=True):
                written += len(chunk)
                if written > limits.max_archive_bytes:
                    raise LimitExceeded(f"{reference}: export is larger than {limits.max_archive_bytes} bytes")
                sink.write(chunk)
        store = TarStore(path, limits, display_name=f"docker:{reference}")
        source = open_docker_archive(store, reference, None, limits)
    except DockerException as exc:
        os.unlink(path)
        raise TargetError(f"{reference}: export from the Docker daemon failed: {explain(exc)}") from None
    except BaseException:
        os.unlink(path)
        raise
    source.cleanup = lambda: os.unlink(path)
    artifact = replace(source.artifact, source="docker-daemon", name=reference)
    digests = tuple(str(d) for d in image.attrs.get("RepoDigests") or () if "@" in str(d))
    if artifact.image is not None and digests:  # pulled or pushed: the registry's names for it (the SBOM's purl)
        artifact = replace(artifact, image=replace(artifact.image, repo_digests=digests))
    source.artifact = artifact
    return source

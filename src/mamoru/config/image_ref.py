"""Container image references as written in Dockerfiles, compose files and pod specs."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
DEFAULT_REGISTRY = "docker.io"


DOCKER_HUB = ("", "docker.io", "index.docker.io", "registry-1.docker.io")  # how a reference names Docker Hub


@dataclass(frozen=True, slots=True)
class ImageRef:
    """``[registry/]repository[:tag][@digest]``, split the way the Docker CLI splits it.

    ``registry`` is empty when the reference names none (Docker Hub); ``repository`` keeps the
    ``library/`` prefix only when it was written.
    """

    text: str
    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def name(self) -> str:
        """The repository's last component (``python`` for ``docker.io/library/python:3``)."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def hub_name(self) -> str:
        """The repository on Docker Hub without ``library/`` (``python``, ``bitnami/redis``); else the full one."""
        if self.registry in DOCKER_HUB:
            return self.repository.removeprefix("library/")
        return f"{self.registry}/{self.repository}"

    @property
    def registry_host(self) -> str:
        """The registry the image is pulled from, lower-case; ``docker.io`` for Docker Hub."""
        if self.registry in DOCKER_HUB:
            return "docker.io"
        return self.registry.lower()

    @property
    def is_latest(self) -> bool:
        return self.tag == "latest"

    @property
    def untagged(self) -> bool:
        """Neither a tag nor a digest: Docker pulls ``latest``."""
        return not self.tag and not self.digest


def parse_image(text: str) -> ImageRef | None:
    """Split an image reference; None when it is empty or cannot be one (spaces, unresolved variables)."""
    text = text.strip()
    if not text or any(ch.isspace() for ch in text) or "$" in text:
        return None
    rest, digest = text, ""
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not _DIGEST.match(digest):
            return None
    registry = ""
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    repository, tag = rest, ""
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = rest.rsplit(":", 1)
    if not repository:
        return None
    return ImageRef(text=text, registry=registry, repository=repository, tag=tag, digest=digest)

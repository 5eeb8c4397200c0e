"""Which kind of configuration file a path is: Dockerfile, Compose file or Kubernetes manifest."""

from __future__ import annotations

import re
from enum import StrEnum


class ConfigType(StrEnum):
    """The configuration file types ``mamoru config`` understands."""

    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"


_DOCKERFILE_NAME = re.compile(r"(?i)^(?:(?:docker|container)file(?:[._-].*)?|.+[._-](?:docker|container)file)$")
_COMPOSE_NAME = re.compile(r"(?i)^(?:docker-)?compose(?:[._-][^/]*)?\.ya?ml$")
_YAML_NAME = re.compile(r"(?i)\.(?:ya?ml|json)$")
_KUBERNETES_HINT = re.compile(r"(?m)(?:^|[{,])\s*[\"']?apiVersion[\"']?\s*:")
_KIND_HINT = re.compile(r"(?m)(?:^|[{,])\s*[\"']?kind[\"']?\s*:")
_COMPOSE_HINT = re.compile(r"(?m)^services\s*:")
_HELM_TEMPLATE = re.compile(r"\{\{-?\s")
# the first instruction of a Dockerfile: FROM, or ARG before it (after comments and parser directives)
_DOCKERFILE_START = re.compile(r"(?i)\A(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*(?:FROM[ \t]+\S|ARG[ \t]+\w)")


def type_from_name(name: str) -> ConfigType | None:
    """The type a file name alone tells (``Dockerfile.prod``, ``app.dockerfile``, ``compose.yaml``)."""
    base = name.rsplit("/", 1)[-1]
    if _DOCKERFILE_NAME.match(base):
        return ConfigType.DOCKERFILE
    if _COMPOSE_NAME.match(base):
        return ConfigType.COMPOSE
    return None


def is_candidate(name: str) -> bool:
    """Worth reading while walking a directory: Dockerfile-like names and YAML/JSON files."""
    base = name.rsplit("/", 1)[-1]
    return type_from_name(base) is not None or bool(_YAML_NAME.search(base))


def detect_type(name: str, head: str) -> ConfigType | None:
    """The type of a file from its name and the start of its text (``head``, a few KiB are enough).

    Kubernetes manifests are YAML/JSON with ``apiVersion`` and ``kind``; Compose files have a top-level
    ``services:`` mapping; a Helm chart template (``{{ … }}``) is neither until it is rendered; any other
    file whose first instruction is ``FROM`` (or ``ARG``) is a Dockerfile, whatever its name.
    """
    by_name = type_from_name(name)
    if by_name is not None:
        return by_name
    if not _YAML_NAME.search(name):
        return ConfigType.DOCKERFILE if _DOCKERFILE_START.match(head) else None
    if _KUBERNETES_HINT.search(head) and _KIND_HINT.search(head):
        return ConfigType.KUBERNETES
    if _COMPOSE_HINT.search(head):
        return ConfigType.COMPOSE
    return None


def looks_like_helm_template(text: str) -> bool:
    """A chart template that needs ``helm template`` before it is YAML."""
    return bool(_HELM_TEMPLATE.search(text))

"""Map image history to layers and recover the Dockerfile instruction behind each history line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mamoru.model.artifact import HistoryEntry

_NOP = re.compile(r"^/bin/sh -c #\(nop\)\s*")
_SHELL = re.compile(r"^(?:/bin/(?:ba)?sh|sh|bash) -c\s+")
_BUILD_ARGS = re.compile(r"^\|\d+(?:\s+[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S*))*\s+")
_BUILDKIT_SUFFIX = re.compile(r"\s*# buildkit$")
_INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)


def instruction_from_created_by(created_by: str) -> str:
    """Recover the Dockerfile instruction from a history ``created_by`` line, or "" if it is not one.

    Handles the classic builder (``/bin/sh -c #(nop)  CMD ["bash"]``, ``/bin/sh -c apt-get …``,
    ``|1 VERSION=2 /bin/sh -c …`` with build args), BuildKit (``RUN /bin/sh -c make # buildkit``,
    ``COPY . /app # buildkit``) and buildah/kaniko lines, which look like either.
    """
    line = _BUILDKIT_SUFFIX.sub("", created_by.strip())
    if not line:
        return ""
    nop = _NOP.match(line)
    if nop:
        return line[nop.end() :].strip()
    keyword, _, rest = line.partition(" ")
    if keyword.upper() == "RUN":
        return "RUN " + _shell_command(rest.strip())
    if keyword in _INSTRUCTIONS:
        return line
    command = _shell_command(line)
    if command != line or _SHELL.match(line):
        return "RUN " + command
    return ""


def _shell_command(text: str) -> str:
    """Strip build-arg prefixes (``|2 A=1 B=2``) and the ``/bin/sh -c`` wrapper from a RUN line."""
    text = _BUILD_ARGS.sub("", text, count=1)
    shell = _SHELL.match(text)
    return text[shell.end() :].strip() if shell else text


def parse_history(raw_history: Any, layer_count: int) -> tuple[tuple[HistoryEntry, ...], list[int | None], str]:
    """Parse the config's history and map each non-empty entry to a layer, in order.

    Returns the entries, for each layer the index of its history entry (or None), and a warning
    when the counts disagree (then only the layers that can be matched in order are mapped).
    """
    if not isinstance(raw_history, list):
        return (), [None] * layer_count, ""
    entries: list[HistoryEntry] = []
    layer_of_history: list[int | None] = [None] * layer_count
    next_layer = 0
    for item in raw_history:
        if not isinstance(item, dict):
            continue
        created_by = str(item.get("created_by") or "")
        empty = bool(item.get("empty_layer", False))
        layer_index: int | None = None
        if not empty and next_layer < layer_count:
            layer_index = next_layer
            layer_of_history[next_layer] = len(entries)
            next_layer += 1
        entries.append(
            HistoryEntry(
                created_by=created_by,
                instruction=instruction_from_created_by(created_by),
                created=str(item.get("created") or ""),
                comment=str(item.get("comment") or ""),
                empty_layer=empty,
                layer_index=layer_index,
            )
        )
    non_empty = sum(1 for e in entries if not e.empty_layer)
    warning = ""
    if raw_history and non_empty != layer_count:
        warning = (
            f"image history lists {non_empty} layer-creating steps for {layer_count} layers; "
            "instructions are attributed in order where possible"
        )
    return tuple(entries), layer_of_history, warning


def history_for_layers(entries: Sequence[HistoryEntry], mapping: Sequence[int | None]) -> list[HistoryEntry | None]:
    """The history entry of each layer (None where unknown)."""
    return [entries[i] if i is not None and i < len(entries) else None for i in mapping]

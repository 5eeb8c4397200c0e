"""The squashed view: which file record of which layer is visible, applying whiteouts like overlayfs.

Every record of every layer is kept (a later deletion does not erase bytes from the image); a
record's ``visible`` flag says whether ``docker run`` would see it.
"""

from __future__ import annotations

from mamoru.model.inventory import FileKind, FileRecord


class _Node:
    __slots__ = ("children", "record")

    def __init__(self) -> None:
        self.children: dict[str, _Node] | None = None
        self.record: FileRecord | None = None


class SquashedIndex:
    """A path tree holding the currently visible record per path while layers are applied in order.

    Per the OCI layer spec, a whiteout (``.wh.name``) or an opaque marker (``.wh..wh..opq``) only
    hides what *lower* layers wrote, whatever order the entries have inside their own layer.
    """

    def __init__(self) -> None:
        self._root = _Node()
        self._layer = 0

    def begin_layer(self, layer_index: int) -> None:
        self._layer = layer_index

    def add(self, record: FileRecord) -> FileRecord | None:
        """Make ``record`` the visible one at its path; return the record it replaced, if any."""
        node = self._node(record.path, create=True)
        assert node is not None
        replaced = node.record
        if replaced is not None:
            replaced.visible = False
        if record.kind is not FileKind.DIR and node.children:
            self._hide(node, include_self=False)  # a file or link replacing a directory
        node.record = record
        return replaced

    def whiteout(self, path: str) -> None:
        """``.wh.<name>``: hide ``path`` and everything under it from lower layers."""
        node = self._node(path, create=False)
        if node is not None:
            self._hide(node, include_self=True)

    def opaque(self, directory: str) -> None:
        """``.wh..wh..opq``: hide everything under ``directory`` from lower layers (but not the directory)."""
        node = self._node(directory, create=False)
        if node is not None:
            self._hide(node, include_self=False)

    def visible(self, path: str) -> FileRecord | None:
        node = self._node(path, create=False)
        return node.record if node is not None else None

    def _node(self, path: str, create: bool) -> _Node | None:
        node = self._root
        if not path:
            return node
        for part in path.split("/"):
            children = node.children
            child = children.get(part) if children is not None else None
            if child is None:
                if not create:
                    return None
                if children is None:
                    children = node.children = {}
                child = children[part] = _Node()
            node = child
        return node

    def _hide(self, start: _Node, include_self: bool) -> None:
        stack = [(start, include_self)]
        layer = self._layer
        while stack:
            node, hide_this = stack.pop()
            record = node.record
            if hide_this and record is not None and record.layer_index < layer:
                record.visible = False
                node.record = None
            if node.children:
                stack.extend((child, True) for child in node.children.values())

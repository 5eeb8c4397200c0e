"""Maven version order: the rules of Maven 3.8's ``ComparableVersion``.

Written here because the Python ports disagree with Maven: univers' ``maven`` module (from pymaven)
predates Maven's ``release`` alias and its "``.qualifier`` behaves like ``-qualifier``" rule, so it
orders ``1-cr`` after ``1.release`` and ``2.rc`` after ``2-rc``. Checked against the real
``ComparableVersion`` (Debian's maven 3.8.7 jar) in ``tests/versions/test_maven.py``.

A version is lower-cased and split into a tree: ``.`` separates items of one list; ``-`` and every
switch between digits and letters start a nested list; a qualifier after ``.`` is treated as if it
came after ``-``. Items are numbers, or qualifiers ordered ``alpha`` < ``beta`` < ``milestone`` <
``rc`` = ``cr`` < ``snapshot`` < *release* (``""``, ``ga``, ``final``, ``release``) < ``sp`` < any other
qualifier (alphabetically); ``a1``/``b1``/``m1`` mean ``alpha-1``/``beta-1``/``milestone-1``. Trailing
"null" items (0, the release qualifier, empty lists) are dropped, so ``1.0.0`` = ``1``.
"""

from __future__ import annotations

from typing import Union

from mamoru.versions import CompareScheme, InvalidVersion

QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
RELEASE_INDEX = str(QUALIFIERS.index(""))
MAX_LENGTH = 256
MAX_DEPTH = 64

Item = Union[int, "Qualifier", "Items"]


class Qualifier(str):
    """A string item (a qualifier), already aliased."""

    __slots__ = ()

    @property
    def comparable(self) -> str:
        """Known qualifiers by position, unknown ones after them alphabetically (as Maven does)."""
        text = str(self)
        return str(QUALIFIERS.index(text)) if text in QUALIFIERS else f"{len(QUALIFIERS)}-{text}"


class Items(list[Item]):
    """A (nested) list of items."""


def _qualifier(text: str, followed_by_digit: bool) -> Qualifier:
    if followed_by_digit and len(text) == 1:
        text = {"a": "alpha", "b": "beta", "m": "milestone"}.get(text, text)
    return Qualifier(ALIASES.get(text, text))


def _item(is_digit: bool, text: str) -> Item:
    return int(text) if is_digit else _qualifier(text, False)


def _is_null(item: Item) -> bool:
    if isinstance(item, Items):
        return not item
    if isinstance(item, Qualifier):
        return item.comparable == RELEASE_INDEX
    return item == 0


def _normalize(items: Items) -> None:
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if _is_null(item):
            del items[index]
        elif not isinstance(item, Items):
            break


def parse(version: str) -> Items:
    """The item tree of ``version``."""
    if len(version) > MAX_LENGTH or not version.isascii():
        raise InvalidVersion(f"not a Maven version: {version[:80]!r}")
    text = version.lower()
    root = Items()
    current = root
    stack = [root]
    is_digit = False
    start = 0

    def push() -> None:
        nonlocal current
        if len(stack) > MAX_DEPTH:
            raise InvalidVersion(f"Maven version nests too deeply: {version[:80]!r}")
        nested = Items()
        current.append(nested)
        current = nested
        stack.append(nested)

    for index, char in enumerate(text):
        if char in ".-":
            current.append(0 if index == start else _item(is_digit, text[start:index]))
            start = index + 1
            if char == "-":
                push()
        elif char.isdigit():
            if not is_digit and index > start:
                if current:  # ".X1" is read as "-X1"
                    push()
                current.append(_qualifier(text[start:index], True))
                start = index
                push()
            is_digit = True
        else:
            if is_digit and index > start:
                current.append(int(text[start:index]))
                start = index
                push()
            is_digit = False
    if len(text) > start:
        if not is_digit and current:  # ".X" is read as "-X"
            push()
        current.append(_item(is_digit, text[start:]))
    for items in reversed(stack):
        _normalize(items)
    return root


def compare_items(left: Item, right: Item | None) -> int:
    """Maven's ``Item.compareTo``: ``right`` None stands for a missing item."""
    if isinstance(left, Items):
        if right is None:  # the whole list against "missing", item by item (Maven's MNG-6964)
            return next((result for item in left if (result := compare_items(item, None))), 0)
        if isinstance(right, Qualifier):
            return 1
        if not isinstance(right, Items):
            return -1
        for index in range(max(len(left), len(right))):
            a = left[index] if index < len(left) else None
            b = right[index] if index < len(right) else None
            if a is None:  # the shorter list ran out: compare the other side with "missing", inverted
                a, b = b, None
                result = -compare_items(a, None) if a is not None else 0
            else:
                result = compare_items(a, b)
            if result:
                return result
        return 0
    if isinstance(left, Qualifier):
        if right is None:
            return _string_cmp(left.comparable, RELEASE_INDEX)
        if isinstance(right, Qualifier):
            return _string_cmp(left.comparable, right.comparable)
        return -1
    if right is None:
        return 0 if left == 0 else 1
    if isinstance(right, (Qualifier, Items)):
        return 1
    return (left > right) - (left < right)


def _string_cmp(a: str, b: str) -> int:
    return (a > b) - (a < b)


SCHEME = CompareScheme("maven", parse, compare_items)
SCHEMES = {"maven": SCHEME}

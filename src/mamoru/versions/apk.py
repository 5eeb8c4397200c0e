"""apk version order (Alpine): ``digits{.digits}[letter]{_suffix[N]}[~hash][-rN]``.

Written here because no maintained Python library implements apk-tools' rules: univers'
``AlpineLinuxVersion`` uses Gentoo's rules and rejects real Alpine versions (``_git``, ``_cvs``,
``~hash``), and other ports follow the older apk-tools 2 tokenizer. This follows the rules of
apk-tools 3 (the ``apk`` of Alpine 3.23), checked against ``apk version -t`` in
``tests/versions/test_apk.py``:

* a version is a sequence of tokens: the initial number, ``.number`` parts, one lower-case letter,
  ``_suffix`` with an optional number (``alpha`` < ``beta`` < ``pre`` < ``rc`` < *none* < ``cvs`` <
  ``svn`` < ``git`` < ``hg`` < ``p``), a ``~hexhash`` and the ``-rN`` revision, in that order;
* tokens of the same kind compare by value: numbers numerically (unbounded 64-bit), except ``.``
  parts where either side has a leading zero, which compare as strings (Gentoo's rule); hashes
  compare as strings;
* when one version runs out of equal tokens, the other is newer, unless its next token is a
  pre-release suffix (``1.0_rc1`` < ``1.0``); otherwise the kind of the next token decides (a later
  kind in the list above makes the *older* version: ``1.0a`` < ``1.0.1``);
* a string that breaks this grammar is not a version: ``apk version -t`` refuses to order it, and
  this scheme raises :class:`~mamoru.versions.InvalidVersion`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mamoru.versions import CompareScheme, InvalidVersion

# token kinds in apk's order (the order matters for the final comparison)
INITIAL_DIGIT, DIGIT, LETTER, SUFFIX, SUFFIX_NO, COMMIT_HASH, REVISION_NO, END, INVALID = range(9)
# suffix values: pre-release suffixes below NONE, post-release ones above
SUFFIXES = {"alpha": 1, "beta": 2, "pre": 3, "rc": 4, "cvs": 6, "svn": 7, "git": 8, "hg": 9, "p": 10}
SUFFIX_NONE = 5
MAX_LENGTH = 256
_MASK64 = (1 << 64) - 1
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdef")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text and (numbers, suffixes) its value."""

    kind: int
    text: str = ""
    value: int = 0


def tokenize(version: str) -> list[Token]:
    """The tokens of ``version``; the last one is END or INVALID."""
    tokens: list[Token] = []
    position = 0
    kind, position, token = _digits(INITIAL_DIGIT, version, position)
    tokens.append(token)
    while kind not in (END, INVALID):
        kind, position, token = _next(kind, version, position)
        tokens.append(token)
    return tokens


def _digits(kind: int, text: str, start: int) -> tuple[int, int, Token]:
    end = start
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    if end == start:
        return INVALID, end, Token(INVALID)
    return kind, end, Token(kind, text[start:end], int(text[start:end]) & _MASK64)


def _next(previous: int, text: str, position: int) -> tuple[int, int, Token]:
    """The token after one of kind ``previous`` (END at the end, INVALID where the grammar breaks)."""
    if position >= len(text):
        return END, position, Token(END)
    char = text[position]
    if char in _LOWER:
        if previous > DIGIT:
            return INVALID, position, Token(INVALID)
        return LETTER, position + 1, Token(LETTER, char, ord(char))
    if char == "." or char in _DIGITS:
        if char == ".":
            if previous > DIGIT:
                return INVALID, position, Token(INVALID)
            position += 1
        if previous in (INITIAL_DIGIT, DIGIT):
            return _digits(DIGIT, text, position)
        if previous == SUFFIX:
            return _digits(SUFFIX_NO, text, position)
        return INVALID, position, Token(INVALID)
    if char == "_":
        if previous > SUFFIX_NO:
            return INVALID, position, Token(INVALID)
        end = position + 1
        while end < len(text) and text[end] in _LOWER:
            end += 1
        name = text[position + 1 : end]
        value = SUFFIXES.get(name)
        if value is None:
            return INVALID, end, Token(INVALID)
        return SUFFIX, end, Token(SUFFIX, name, value)
    if char == "~":
        if previous >= COMMIT_HASH:
            return INVALID, position, Token(INVALID)
        end = position + 1
        while end < len(text) and text[end] in _HEX:
            end += 1
        if end == position + 1:
            return INVALID, end, Token(INVALID)
        return COMMIT_HASH, end, Token(COMMIT_HASH, text[position + 1 : end])
    if char == "-":
        if previous >= REVISION_NO or not text.startswith("-r", position):
            return INVALID, position, Token(INVALID)
        return _digits(REVISION_NO, text, position + 2)
    return INVALID, position, Token(INVALID)


def _string_order(a: str, b: str) -> int:
    """apk's blob order: bytewise over the common prefix, then the shorter first."""
    left, right = a.encode(), b.encode()
    return (left > right) - (left < right)


def _token_cmp(a: Token, b: Token) -> int:
    if a.kind == DIGIT and (a.text.startswith("0") or b.text.startswith("0")):
        return _string_order(a.text, b.text)
    if a.kind in (INITIAL_DIGIT, DIGIT, SUFFIX_NO, REVISION_NO, LETTER, SUFFIX):
        return (a.value > b.value) - (a.value < b.value)
    return _string_order(a.text, b.text)


def compare_tokens(a: list[Token], b: list[Token]) -> int:
    """apk's order of two tokenized versions."""
    index = 0
    while True:
        left, right = a[index], b[index]
        if left.kind != right.kind or left.kind >= END:
            break
        result = _token_cmp(left, right)
        if result:
            return result
        index += 1
    if left.kind == right.kind:
        return 0
    if left.kind == SUFFIX and left.value < SUFFIX_NONE:
        return -1
    if right.kind == SUFFIX and right.value < SUFFIX_NONE:
        return 1
    return -1 if left.kind > right.kind else 1


def _parse(version: str) -> list[Token]:
    if len(version) > MAX_LENGTH:
        raise InvalidVersion(f"version too long: {version[:80]!r}…")
    tokens = tokenize(version)
    if tokens[-1].kind != END:
        raise InvalidVersion(f"not an apk version: {version!r}")
    return tokens


SCHEME = CompareScheme("apk", _parse, compare_tokens)
SCHEMES = {"apk": SCHEME}

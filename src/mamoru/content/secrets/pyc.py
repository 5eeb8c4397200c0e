"""The string constants of a compiled Python module (``.pyc``), for the secret scanner.

An application shipped without its sources (``python -m compileall`` and the ``.py`` files removed)
keeps its tokens and keys as string constants of the marshalled code objects. ``marshal.loads`` is
no way to get at them: it is not safe on hostile data, and it reads only its own Python version's
code objects. Every string in the marshal format is a type byte, a length and the characters
(``Python/marshal.c``): ``z``/``Z`` (short ASCII) with a 1-byte length, ``a``/``A`` (ASCII),
``u`` (UTF-8), ``s`` (bytes) and ``t`` (interned) with a 4-byte little-endian length, each type
possibly or-ed with ``FLAG_REF`` (0x80). This reader looks for those shapes and keeps the ones whose
characters are text; the same bytes read as one text would glue length bytes and neighbouring type
codes to the constants and break the formats' boundaries.
"""

from __future__ import annotations

import re
import time

FLAG_REF = 0x80
MIN_CONSTANT = 8  # shorter strings hold no secret any format looks for
# distinct constants kept, in bytes: real modules hold about a quarter of their size in strings; the
# look-alike headers inside long strings add up to 126 bytes each
OUTPUT_FACTOR, OUTPUT_SLACK = 4, 64 * 1024
_SHORT_TYPES = frozenset(ord(code) | flag for code in "zZ" for flag in (0, FLAG_REF))
_TYPES = re.compile(b"[" + re.escape(bytes(ord(code) | flag for code in "zZaAust" for flag in (0, FLAG_REF))) + b"]")
_TEXT = re.compile(rb"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*")  # no control characters but tab and line breaks


def is_pyc(head: bytes) -> bool:
    """Whether a file starts like a ``.pyc``: a 2-byte version magic, then ``\\r\\n``."""
    return len(head) >= 16 and head[2:4] == b"\r\n"


def string_constants(data: bytes, time_budget: float = 2.0) -> tuple[list[bytes], bool]:
    """Every string constant of at least :data:`MIN_CONSTANT` bytes that is text, in file order, once each;
    and whether the whole file was read (False when the time budget or the output bound cut it short).

    Some byte runs that only look like constants come out too (inside bytecode, or a ``z`` inside a
    longer string); they are text from the file all the same, and a secret in them is one in the file.
    Hostile files are bounded: at most four times their size in distinct constants, ``time_budget``
    seconds (real modules read at about 7 MB/s).
    """
    constants: dict[bytes, None] = {}
    output, size = 0, len(data)
    limit = OUTPUT_FACTOR * size + OUTPUT_SLACK
    deadline = time.monotonic() + time_budget
    position = 16  # the header: magic, flags, and the source's mtime and size or its hash (PEP 552)
    for checked, found in enumerate(_TYPES.finditer(data, position)):
        if checked % 4096 == 4095 and time.monotonic() > deadline:
            return list(constants), False
        at = found.start()
        if data[at] in _SHORT_TYPES:
            length, start = (data[at + 1], at + 2) if at + 1 < size else (0, size)
        else:
            length, start = int.from_bytes(data[at + 1 : at + 5], "little"), at + 5
        end = start + length
        text = _TEXT.match(data, start, end) if length >= MIN_CONSTANT and end <= size else None
        # every type byte is a candidate, also inside a string just taken: bytecode can look like a
        # string header whose "characters" run over the real header of the next constant
        if text is not None and text.end() == end:
            constant = data[start:end]
            if constant not in constants:
                constants[constant] = None
                output += length
                if output > limit:
                    return list(constants), False
    return list(constants), True

"""The error type and the safety bounds shared by the rpmdb readers."""

from __future__ import annotations

from mamoru.errors import TargetError

#: Largest header blob accepted (rpm itself allows 256 MiB; real headers stay below 1 MiB).
MAX_HEADER_SIZE = 64 * 1024 * 1024
#: Largest number of index entries in one header (rpm's own HEADER_TAGS_MAX).
MAX_INDEX_ENTRIES = 0xFFFF
#: Largest file list accepted for one package (real ones stay below 100 000; bounds memory use).
MAX_FILES = 500_000
#: Largest number of pages a Berkeley DB ``Packages`` file may claim.
MAX_BDB_PAGES = 1 << 22
#: Largest number of 4 KiB slot pages an ndb ``Packages.db`` may claim (about 520 000 packages).
MAX_NDB_SLOT_PAGES = 2048


class RpmDbError(TargetError):
    """An RPM database or header is malformed or exceeds a safety bound; the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


#: One stored header: a label for messages (``"header #N"``) and its blob, or why it is unreadable.
Record = tuple[str, bytes | RpmDbError]
